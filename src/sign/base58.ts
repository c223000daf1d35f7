// Base58Check (WIF keys, legacy addresses). Written here rather than imported because bs58check is
// only a transitive dependency of bitcoinjs-lib, and the runtime dependency list is fixed.
import { sha256 } from '@noble/hashes/sha2';
import { concatBytes } from './bytes.ts';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i] as const));

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(sha256(payload)).subarray(0, 4);
}

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)]! + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

/** Decode; null on any character outside the alphabet (callers word the error themselves). */
export function base58Decode(text: string): Uint8Array | null {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let n = 0n;
  for (const c of text) {
    const v = INDEX.get(c);
    if (v === undefined) return null;
    n = n * 58n + BigInt(v);
  }
  const body: number[] = [];
  while (n > 0n) {
    body.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body]);
}

export function base58CheckEncode(payload: Uint8Array): string {
  return base58Encode(concatBytes(payload, checksum(payload)));
}

/** The payload, or null if the text is not Base58 or its checksum is wrong. */
export function base58CheckDecode(text: string): Uint8Array | null {
  const raw = base58Decode(text);
  if (raw === null || raw.length < 5) return null;
  const payload = raw.subarray(0, raw.length - 4);
  const sum = checksum(payload);
  for (let i = 0; i < 4; i++) if (raw[raw.length - 4 + i] !== sum[i]) return null;
  return Uint8Array.from(payload);
}
