// Electrum protocol scripthash: sha256 of the output script, byte-reversed, hex
// (electrum protocol "Script Hashes"). For a name, ElectrumX also indexes the name-index script
// (namescript.ts nameIndexScript) and the owner's plain script with the name prefix stripped.
import { sha256 } from '@noble/hashes/sha2';
import { reversedHex } from './bytes.ts';

export function electrumScripthash(script: Uint8Array): string {
  return reversedHex(sha256(script));
}
