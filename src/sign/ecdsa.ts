// ECDSA signatures exactly as Namecoin Core's wallet makes them (CKey::Sign with grind=true):
// RFC6979 nonces (libsecp256k1's HMAC-DRBG over key ‖ digest [‖ extra data]), low-S, and low-R
// grinding — if r ≥ 2^255 (its DER form would need a 0x00 pad byte), sign again with 32 bytes of
// extra data holding a little-endian counter 1, 2, … . Grinding keeps every signature ≤ 71 bytes
// with its sighash byte, which is what Core's fee estimate assumes, and makes our signatures equal
// Core's byte for byte (fixtures README "Signatures").
import * as ecc from 'tiny-secp256k1';
import { concatBytes } from './bytes.ts';

/** Largest DER signature + sighash byte after low-R grinding: 2 + (2+32) + (2+32) + 1. */
export const MAX_LOW_R_SIG_LENGTH = 71;

function derInteger(x: Uint8Array): Uint8Array {
  let i = 0;
  while (i < x.length - 1 && x[i] === 0) i++;
  let v = x.subarray(i);
  if (v[0]! & 0x80) v = concatBytes(Uint8Array.of(0), v);
  return concatBytes(Uint8Array.of(0x02, v.length), v);
}

/** Strict DER (BIP66) of a 64-byte compact r‖s signature. */
export function encodeDer(compact: Uint8Array): Uint8Array {
  const r = derInteger(compact.subarray(0, 32));
  const s = derInteger(compact.subarray(32, 64));
  return concatBytes(Uint8Array.of(0x30, r.length + s.length), r, s);
}

/** Sign a 32-byte digest; returns the compact r‖s and the grind counter used (0 = no extra data). */
export function signLowR(digest: Uint8Array, privateKey: Uint8Array): { compact: Uint8Array; counter: number } {
  let compact = ecc.sign(digest, privateKey);
  let counter = 0;
  while (compact[0]! >= 0x80) {
    counter++;
    const extra = new Uint8Array(32);
    new DataView(extra.buffer).setUint32(0, counter, true);
    compact = ecc.sign(digest, privateKey, extra);
  }
  return { compact, counter };
}

/** DER signature with the sighash byte appended, ready for a scriptSig or witness. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array, hashType = 0x01): Uint8Array {
  return concatBytes(encodeDer(signLowR(digest, privateKey).compact), Uint8Array.of(hashType));
}

/** Parse a strict-DER signature (without sighash byte) into compact r‖s; null if malformed. */
export function decodeDer(der: Uint8Array): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2 || der[2] !== 0x02) return null;
  const rLen = der[3]!;
  const sAt = 4 + rLen;
  if (der[sAt] !== 0x02) return null;
  const sLen = der[sAt + 1]!;
  if (sAt + 2 + sLen !== der.length || rLen > 33 || sLen > 33) return null;
  const out = new Uint8Array(64);
  const put = (v: Uint8Array, at: number): boolean => {
    let i = 0;
    while (i < v.length && v[i] === 0) i++;
    const t = v.subarray(i);
    if (t.length > 32) return false;
    out.set(t, at + 32 - t.length);
    return true;
  };
  if (!put(der.subarray(4, 4 + rLen), 0) || !put(der.subarray(sAt + 2, sAt + 2 + sLen), 32)) return null;
  return out;
}

/** Verify a DER signature (sighash byte already removed) against a digest and public key. */
export function verifyDer(digest: Uint8Array, publicKey: Uint8Array, der: Uint8Array): boolean {
  const compact = decodeDer(der);
  return compact !== null && ecc.verify(digest, publicKey, compact, true);
}
