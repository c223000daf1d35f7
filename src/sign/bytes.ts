// Byte helpers shared by the signer. Uint8Array only; hex is lowercase.
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

export { bytesToHex, concatBytes, hexToBytes };

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Names and values given as text are UTF-8, as in Core's RPCs with the default encoding. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? utf8ToBytes(data) : data;
}

/** Byte-reversed hex, the way txids and Electrum scripthashes are written. */
export function reversedHex(bytes: Uint8Array): string {
  return bytesToHex(Uint8Array.from(bytes).reverse());
}
