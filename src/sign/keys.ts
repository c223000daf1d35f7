// Hot keys: the one private key on the router that owns the dd/ name and its fee coins.
// Output templates used for the hot key (the name prefix, if any, goes in front):
//   p2wpkh: 00 14 {hash160(pubkey)}               spent by witness [sig, pubkey], empty scriptSig
//   p2pkh:  76 a9 14 {hash160(pubkey)} 88 ac      spent by scriptSig <sig> <pubkey>
// Key file: one line `wpkh(WIF)` or `pkh(WIF)`, optionally followed by Core's `#checksum`; a bare
// WIF means wpkh. No error message here ever contains the WIF or the private key bytes.
import { randomBytes } from 'node:crypto';
// Sub-path imports keep bitcoinjs' PSBT code (about 50 KB) out of the router bundle.
import * as bitcoinAddress from 'bitcoinjs-lib/src/address';
import { ripemd160 } from '@noble/hashes/legacy';
import { sha256 } from '@noble/hashes/sha2';
import * as ecc from 'tiny-secp256k1';
import { base58CheckDecode, base58CheckEncode } from './base58.ts';
import { concatBytes } from './bytes.ts';
import { descriptorChecksum } from './descriptor-checksum.ts';
import type { NamecoinNetwork } from './network.ts';

export type AddressType = 'p2wpkh' | 'p2pkh';

export interface HotKey {
  /** Non-enumerable on keys made by this module (so logs never show it): do not copy keys by spreading. */
  privateKey: Uint8Array;
  /** Compressed (33 bytes) unless `uncompressed` is set (legacy P2PKH imports only). */
  publicKey: Uint8Array;
  addressType: AddressType;
  network: NamecoinNetwork;
  /** Set only for a P2PKH key imported from an uncompressed WIF; its scripts use the 65-byte key. */
  uncompressed?: true;
}

export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

function keyFromPrivate(
  privateKey: Uint8Array,
  network: NamecoinNetwork,
  addressType: AddressType,
  compressed: boolean,
): HotKey {
  const publicKey = ecc.pointFromScalar(privateKey, compressed);
  if (publicKey === null) throw new Error('hot key: private key is outside the secp256k1 range');
  const key = { publicKey, addressType, network } as HotKey;
  // Not enumerable: JSON.stringify, console.log/util.inspect and object spreads leave the secret out,
  // so a stray log line of a HotKey cannot leak it.
  Object.defineProperty(key, 'privateKey', { value: Uint8Array.from(privateKey), enumerable: false, writable: false });
  if (!compressed) key.uncompressed = true;
  return key;
}

/** A fresh random key (crypto.randomBytes, retried until it is a valid secp256k1 scalar). */
export function generateHotKey(network: NamecoinNetwork, addressType: AddressType = 'p2wpkh'): HotKey {
  for (;;) {
    const d = new Uint8Array(randomBytes(32));
    if (ecc.isPrivate(d)) return keyFromPrivate(d, network, addressType, true);
  }
}

export function hotKeyFromWif(wif: string, network: NamecoinNetwork, addressType: AddressType): HotKey {
  const payload = base58CheckDecode(wif.trim());
  if (payload === null) throw new Error('hot key: not a WIF private key (bad Base58 or checksum); check the key for typos');
  const compressed = payload.length === 34 && payload[33] === 0x01;
  if (!compressed && payload.length !== 33) {
    throw new Error(`hot key: WIF payload has ${payload.length} bytes, expected 33 or 34; this is not a private key`);
  }
  if (payload[0] !== network.bitcoinjs.wif) {
    const hint =
      payload[0] === 0xb4 ? ' (it is a mainnet key)' : payload[0] === 0xef ? ' (it is a testnet/regtest key)' : '';
    throw new Error(
      `hot key: WIF version byte 0x${payload[0]!.toString(16).padStart(2, '0')} is not ${network.name}'s 0x${network.bitcoinjs.wif.toString(16)}${hint}; use a key made for ${network.name}`,
    );
  }
  if (!compressed && addressType === 'p2wpkh') {
    throw new Error('hot key: the WIF is for an uncompressed public key, which segwit (wpkh) cannot use; use pkh(...) or a compressed key');
  }
  const d = payload.subarray(1, 33);
  if (!ecc.isPrivate(d)) throw new Error('hot key: WIF holds 0 or a number ≥ the curve order; it is not a valid private key');
  return keyFromPrivate(d, network, addressType, compressed);
}

export function hotKeyToWif(key: HotKey): string {
  const suffix = key.uncompressed ? new Uint8Array(0) : Uint8Array.of(0x01);
  return base58CheckEncode(concatBytes(Uint8Array.of(key.network.bitcoinjs.wif), key.privateKey, suffix));
}

export function p2pkhScript(pubkeyHash: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), pubkeyHash, Uint8Array.of(0x88, 0xac));
}

export function p2wpkhScript(pubkeyHash: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x00, 0x14), pubkeyHash);
}

/** The hot key's own output script, without any name prefix. */
export function hotScript(key: HotKey): Uint8Array {
  const h = hash160(key.publicKey);
  return key.addressType === 'p2wpkh' ? p2wpkhScript(h) : p2pkhScript(h);
}

export function hotAddress(key: HotKey): string {
  const address = scriptToAddress(hotScript(key), key.network);
  if (address === null) throw new Error('hot key: cannot encode its address'); // unreachable for p2pkh/p2wpkh
  return address;
}

type ScriptKind = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr';

/** The template of a plain (prefix-free) output script, or null for anything else. */
export function classifyScript(s: Uint8Array): ScriptKind | null {
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return 'p2pkh';
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return 'p2sh';
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return 'p2wpkh';
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return 'p2wsh';
  if (s.length === 34 && s[0] === 0x51 && s[1] === 0x20) return 'p2tr';
  return null;
}

/** The address of a P2PKH, P2SH, P2WPKH or P2WSH script; null for anything else (P2TR included). */
export function scriptToAddress(script: Uint8Array, network: NamecoinNetwork): string | null {
  const n = network.bitcoinjs;
  switch (classifyScript(script)) {
    case 'p2pkh':
      return bitcoinAddress.toBase58Check(script.subarray(3, 23), n.pubKeyHash);
    case 'p2sh':
      return bitcoinAddress.toBase58Check(script.subarray(2, 22), n.scriptHash);
    case 'p2wpkh':
    case 'p2wsh':
      return bitcoinAddress.toBech32(script.subarray(2), 0, n.bech32);
    default:
      return null;
  }
}

/**
 * The output script for an address of this network. P2TR is refused: taproot is NEVER_ACTIVE on
 * Namecoin mainnet and testnet, so coins sent there would be anyone-can-spend.
 */
export function addressToScript(address: string, network: NamecoinNetwork): Uint8Array {
  const n = network.bitcoinjs;
  const text = address.trim();
  if (text.toLowerCase().startsWith(`${n.bech32}1`)) {
    let decoded: { version: number; data: Uint8Array };
    try {
      decoded = bitcoinAddress.fromBech32(text);
    } catch (e) {
      throw new Error(`address ${JSON.stringify(address)}: not a valid bech32 address (${(e as Error).message})`);
    }
    if (decoded.version === 1) {
      throw new Error(`address ${JSON.stringify(address)} is taproot (P2TR), which is not active on Namecoin; use a P2WPKH or P2PKH address`);
    }
    if (decoded.version !== 0 || (decoded.data.length !== 20 && decoded.data.length !== 32)) {
      throw new Error(`address ${JSON.stringify(address)}: witness version ${decoded.version} with a ${decoded.data.length}-byte program is not supported; use P2WPKH, P2WSH, P2PKH or P2SH`);
    }
    return concatBytes(Uint8Array.of(0x00, decoded.data.length), decoded.data);
  }
  const payload = base58CheckDecode(text);
  if (payload === null || payload.length !== 21) {
    throw new Error(`address ${JSON.stringify(address)}: not a valid ${network.name} address (expected ${n.bech32}1… or Base58Check)`);
  }
  const hash = payload.subarray(1);
  if (payload[0] === n.pubKeyHash) return p2pkhScript(hash);
  if (payload[0] === n.scriptHash) return concatBytes(Uint8Array.of(0xa9, 0x14), hash, Uint8Array.of(0x87));
  throw new Error(`address ${JSON.stringify(address)}: version byte 0x${payload[0]!.toString(16).padStart(2, '0')} does not belong to ${network.name}; use a ${network.name} address`);
}

/** Parse a key file: `wpkh(WIF)` / `pkh(WIF)` with optional `#checksum`, or a bare WIF (= wpkh). */
export function parseKeyFile(text: string, network: NamecoinNetwork): HotKey {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length !== 1) {
    throw new Error(`key file: expected exactly one line wpkh(<WIF>) or pkh(<WIF>), found ${lines.length} non-empty lines`);
  }
  let line = lines[0]!;
  const hash = line.indexOf('#');
  if (hash >= 0) {
    const body = line.slice(0, hash);
    const given = line.slice(hash + 1);
    if (descriptorChecksum(body) !== given) {
      throw new Error('key file: the descriptor checksum after # does not match; the key is mistyped or the checksum is from another descriptor');
    }
    line = body;
  }
  const m = /^(wpkh|pkh)\(([^()]*)\)$/.exec(line);
  if (m) return hotKeyFromWif(m[2]!, network, m[1] === 'wpkh' ? 'p2wpkh' : 'p2pkh');
  if (/^[1-9A-HJ-NP-Za-km-z]{50,53}$/.test(line)) return hotKeyFromWif(line, network, 'p2wpkh');
  throw new Error('key file: its line is neither a wpkh(…)/pkh(…) descriptor nor a bare WIF');
}

/** The key-file line for this key (with Core's descriptor checksum), newline-terminated. */
export function formatKeyFile(key: HotKey): string {
  const body = `${key.addressType === 'p2wpkh' ? 'wpkh' : 'pkh'}(${hotKeyToWif(key)})`;
  return `${body}#${descriptorChecksum(body)}\n`;
}
