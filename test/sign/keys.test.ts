// Keys, addresses and the key file: the fixture key table, reference §6.3 vectors, refusals that
// never echo the secret.
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, test } from 'vitest';
import { base58CheckDecode, base58CheckEncode } from '../../src/sign/base58.ts';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/sign/bytes.ts';
import { descriptorChecksum } from '../../src/sign/descriptor-checksum.ts';
import {
  addressToScript,
  formatKeyFile,
  generateHotKey,
  hotAddress,
  hotKeyFromWif,
  hotKeyToWif,
  hotScript,
  parseKeyFile,
  scriptToAddress,
} from '../../src/sign/keys.ts';
import { getNetwork, NETWORKS } from '../../src/sign/network.ts';
import { electrumScripthash } from '../../src/sign/scripthash.ts';
import { readFixtureJson } from '../helpers/fixtures.ts';
import { KEYS } from './recorded.ts';

const mainnet = getNetwork('mainnet');
const testnet = getNetwork('testnet');
const regtest = getNetwork('regtest');

describe('networks', () => {
  test('parameters of reference §3', () => {
    expect(mainnet.bitcoinjs).toMatchObject({ bech32: 'nc', pubKeyHash: 0x34, scriptHash: 0x0d, wif: 0xb4 });
    expect(testnet.bitcoinjs).toMatchObject({ bech32: 'tn', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef });
    expect(regtest.bitcoinjs).toMatchObject({ bech32: 'ncrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef });
    expect(mainnet.nameExpirationDepth).toBe(36000);
    expect(regtest.nameExpirationDepth).toBe(30);
    for (const n of Object.values(NETWORKS)) {
      expect(n.minNameAmount).toBe(1_000_000);
      expect(n.minRelayFeeRate).toBe(100);
    }
    expect(mainnet.defaultElectrumPorts).toEqual({ tcp: 50001, tls: 50002 });
  });
  test('an unknown network name is refused, naming the choices', () => {
    expect(() => getNetwork('bitcoin')).toThrow(/unknown Namecoin network "bitcoin": use one of mainnet, testnet, regtest/);
  });
});

describe('fixture keys (keys.json)', () => {
  for (const k of KEYS) {
    test(k.label, () => {
      const wpkh = hotKeyFromWif(k.wif_regtest, regtest, 'p2wpkh');
      expect(bytesToHex(wpkh.privateKey)).toBe(k.privkey_hex);
      expect(bytesToHex(wpkh.publicKey)).toBe(k.pubkey_compressed_hex);
      expect(hotKeyToWif(wpkh)).toBe(k.wif_regtest);
      expect(hotAddress(wpkh)).toBe(k.p2wpkh.address);
      expect(bytesToHex(hotScript(wpkh))).toBe(k.p2wpkh.script_hex);
      expect(electrumScripthash(hotScript(wpkh))).toBe(k.p2wpkh.scripthash);
      const pkh = hotKeyFromWif(k.wif_regtest, regtest, 'p2pkh');
      expect(hotAddress(pkh)).toBe(k.p2pkh.address);
      expect(bytesToHex(hotScript(pkh))).toBe(k.p2pkh.script_hex);
      expect(electrumScripthash(hotScript(pkh))).toBe(k.p2pkh.scripthash);
      expect(bytesToHex(addressToScript(k.p2pkh.address, regtest))).toBe(k.p2pkh.script_hex);
      expect(bytesToHex(addressToScript(k.p2wpkh.address, regtest))).toBe(k.p2wpkh.script_hex);
    });
  }
});

describe('reference §6.3 vectors', () => {
  test('Core util_tests WIF ↔ N4sm2FCx896aRjtzpex7rrFbRFpnrcvGYr', () => {
    const key = hotKeyFromWif('TdaRhYXbedL5g81EJA7bLMgfQDUwdfvi9qxcN4BMsZRPi6uAc7kb', mainnet, 'p2pkh');
    expect(bytesToHex(key.publicKey)).toBe('0366c94100a67de2450e5ed1fbc48188920278f32699cb1dc478be8d728ce6a14a');
    expect(hotAddress(key)).toBe('N4sm2FCx896aRjtzpex7rrFbRFpnrcvGYr');
    expect(bytesToHex(hotScript(key))).toBe('76a9145b0b2099fee76b5583772e35aef8f4de7496cebf88ac');
    const h = hexToBytes('00145b0b2099fee76b5583772e35aef8f4de7496cebf');
    expect(scriptToAddress(h, mainnet)).toBe('nc1qtv9jpx07ua44tqmh9c66a785me6fdn4l2g0pg7');
    expect(scriptToAddress(h, testnet)).toBe('tn1qtv9jpx07ua44tqmh9c66a785me6fdn4laah8rk');
    expect(scriptToAddress(h, regtest)).toBe('ncrt1qtv9jpx07ua44tqmh9c66a785me6fdn4l0ns9dj');
    expect(hotAddress(hotKeyFromWif('TdaRhYXbedL5g81EJA7bLMgfQDUwdfvi9qxcN4BMsZRPi6uAc7kb', mainnet, 'p2wpkh'))).toBe(
      'nc1qtv9jpx07ua44tqmh9c66a785me6fdn4l2g0pg7',
    );
  });
  test('Core util_tests raw key d97f… → Mzmo9u8xMCN7s3QSQ76s91npTE2P1CAQdw, and its testnet forms', () => {
    const raw = hexToBytes('d97f5108f11cda6eeebaaa420fef0726b1f898060b98489fa3098463c0032866');
    const wif = base58CheckEncode(concatBytes(Uint8Array.of(0xb4), raw, Uint8Array.of(1)));
    expect(wif).toBe('TkfHXTjLEPqFoz1qhLWH5L4MPhqwT1HsH3L3qsfVFThfcsMVQ8Zx');
    expect(hotAddress(hotKeyFromWif(wif, mainnet, 'p2pkh'))).toBe('Mzmo9u8xMCN7s3QSQ76s91npTE2P1CAQdw');
    const t = hotKeyFromWif('cUsVFyzQZTtNJWoAKony3be65LhRhhHkt75jrg75DhAfEQ4nggci', testnet, 'p2pkh');
    expect(bytesToHex(t.privateKey)).toBe(bytesToHex(raw));
    expect(hotAddress(t)).toBe('mjiPFJixEqhp7cdYqrkfkQrEazE32GnXma');
  });
  test('Core rpc_decodescript: P2WSH 0020ee…ee on regtest; P2TR has no address and is refused as a destination', () => {
    const p2wsh = concatBytes(hexToBytes('0020'), new Uint8Array(32).fill(0xee));
    const address = scriptToAddress(p2wsh, regtest)!;
    expect(address.startsWith('ncrt1qamhwamhw')).toBe(true);
    expect(address.endsWith('hq4kzudm')).toBe(true);
    expect(bytesToHex(addressToScript(address, regtest))).toBe(bytesToHex(p2wsh));
    const p2tr = concatBytes(hexToBytes('5120'), new Uint8Array(32).fill(0xee));
    expect(scriptToAddress(p2tr, regtest)).toBeNull();
    // Core's decodescript gives ncrt1pamhwamhw…hqlpz448 for it (reference §6.3); we refuse to pay it.
    const tr = bitcoin.address.toBech32(p2tr.subarray(2), 1, 'ncrt');
    expect(tr.startsWith('ncrt1pamhwamhw') && tr.endsWith('hqlpz448')).toBe(true);
    expect(() => addressToScript(tr, regtest)).toThrow(/P2TR/);
  });
  test('P2SH: 6… on mainnet, 2… on testnet, both ways', () => {
    const p2sh = hexToBytes('a914' + '11'.repeat(20) + '87');
    const m = scriptToAddress(p2sh, mainnet)!;
    expect(m[0]).toBe('6');
    expect(bytesToHex(addressToScript(m, mainnet))).toBe(bytesToHex(p2sh));
    expect(scriptToAddress(p2sh, testnet)![0]).toBe('2');
  });
});

describe('addressToScript refusals', () => {
  test('P2TR (taproot is not active on Namecoin)', async () => {
    const { address } = await import('bitcoinjs-lib');
    const tr = address.toBech32(new Uint8Array(32).fill(0xee), 1, 'ncrt');
    expect(tr.startsWith('ncrt1p')).toBe(true);
    expect(() => addressToScript(tr, regtest)).toThrow(/taproot \(P2TR\), which is not active on Namecoin/);
  });
  test('another network’s address', () => {
    expect(() => addressToScript('N4sm2FCx896aRjtzpex7rrFbRFpnrcvGYr', regtest)).toThrow(/does not belong to regtest/);
    expect(() => addressToScript('nc1qtv9jpx07ua44tqmh9c66a785me6fdn4l2g0pg7', regtest)).toThrow(/not a valid regtest address/);
  });
  test('a mistyped address', () => {
    expect(() => addressToScript('N4sm2FCx896aRjtzpex7rrFbRFpnrcvGYs', mainnet)).toThrow(/not a valid mainnet address/);
  });
});

describe('WIF import refusals never show the key', () => {
  const wif = KEYS[0]!.wif_regtest;
  const priv = KEYS[0]!.privkey_hex;
  function message(f: () => unknown): string {
    try {
      f();
    } catch (e) {
      const m = (e as Error).message;
      expect(m).not.toContain(wif);
      expect(m).not.toContain(priv);
      expect(m).not.toContain(wif.slice(5, 25));
      return m;
    }
    throw new Error('expected a refusal');
  }
  test('wrong network', () => {
    expect(message(() => hotKeyFromWif(wif, mainnet, 'p2wpkh'))).toMatch(/not mainnet's 0xb4 \(it is a testnet\/regtest key\)/);
  });
  test('checksum typo', () => {
    const typo = wif.slice(0, 10) + (wif[10] === 'a' ? 'b' : 'a') + wif.slice(11);
    expect(message(() => hotKeyFromWif(typo, regtest, 'p2wpkh'))).toMatch(/bad Base58 or checksum/);
  });
  test('uncompressed key for segwit; accepted for P2PKH with its 65-byte public key', () => {
    const uncompressed = base58CheckEncode(concatBytes(Uint8Array.of(0xef), hexToBytes(priv)));
    expect(message(() => hotKeyFromWif(uncompressed, regtest, 'p2wpkh'))).toMatch(/uncompressed public key, which segwit \(wpkh\) cannot use/);
    const k = hotKeyFromWif(uncompressed, regtest, 'p2pkh');
    expect(k.publicKey.length).toBe(65);
    expect(k.uncompressed).toBe(true);
    expect(hotKeyToWif(k)).toBe(uncompressed);
    expect(hotAddress(k)).not.toBe(KEYS[0]!.p2pkh.address);
  });
  test('a key outside the curve order', () => {
    const bad = base58CheckEncode(concatBytes(Uint8Array.of(0xef), new Uint8Array(32).fill(0xff), Uint8Array.of(1)));
    expect(message(() => hotKeyFromWif(bad, regtest, 'p2wpkh'))).toMatch(/not a valid private key/);
  });
});

describe('key file', () => {
  const setup = readFixtureJson<{ wallet: { importdescriptors_request: { desc: string }[] } }>('regtest', 'setup.json');
  test('Core descriptor checksums (setup.json importdescriptors) are reproduced and accepted', () => {
    for (const { desc } of setup.wallet.importdescriptors_request) {
      const [body, sum] = desc.split('#') as [string, string];
      expect(descriptorChecksum(body)).toBe(sum);
      const key = parseKeyFile(`${desc}\n`, regtest);
      expect(key.addressType).toBe(body.startsWith('wpkh') ? 'p2wpkh' : 'p2pkh');
      expect(formatKeyFile(key)).toBe(`${desc}\n`);
    }
  });
  test('without checksum, a bare WIF (= wpkh), blank lines around it', () => {
    const wif = KEYS[1]!.wif_regtest;
    expect(hotAddress(parseKeyFile(`pkh(${wif})`, regtest))).toBe(KEYS[1]!.p2pkh.address);
    expect(hotAddress(parseKeyFile(`\n  ${wif}  \n\n`, regtest))).toBe(KEYS[1]!.p2wpkh.address);
  });
  test('a wrong checksum, two lines, or junk are refused without echoing the file', () => {
    const wif = KEYS[2]!.wif_regtest;
    for (const text of [`wpkh(${wif})#aaaaaaaa`, `wpkh(${wif})\npkh(${wif})`, `sh(wpkh(${wif}))`, `tr(${wif})`, '']) {
      let msg = '';
      try {
        parseKeyFile(text, regtest);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg, text).toMatch(/^key file: /);
      expect(msg).not.toContain(wif.slice(3, 20));
    }
  });
  test('generated keys: valid, distinct, and survive the key file', () => {
    const a = generateHotKey(regtest);
    const b = generateHotKey(regtest, 'p2pkh');
    expect(a.addressType).toBe('p2wpkh');
    expect(a.publicKey.length).toBe(33);
    expect(bytesToHex(a.privateKey)).not.toBe(bytesToHex(b.privateKey));
    const again = parseKeyFile(formatKeyFile(b), regtest);
    expect(hotAddress(again)).toBe(hotAddress(b));
    expect(again.addressType).toBe('p2pkh');
  });
});

test('a HotKey printed or serialised by accident does not show its private key', async () => {
  const { inspect } = await import('node:util');
  const key = hotKeyFromWif(KEYS[0]!.wif_regtest, regtest, 'p2wpkh');
  expect(bytesToHex(key.privateKey)).toBe(KEYS[0]!.privkey_hex);
  for (const shown of [JSON.stringify(key), inspect(key, { depth: 5 }), JSON.stringify({ ...key })]) {
    expect(shown).not.toContain('privateKey');
    expect(shown).toContain('addressType');
  }
});

describe('base58check', () => {
  test('leading zero bytes become 1s and come back', () => {
    const payload = hexToBytes('0000ff01');
    const text = base58CheckEncode(payload);
    expect(text.startsWith('11')).toBe(true);
    expect(bytesToHex(base58CheckDecode(text)!)).toBe('0000ff01');
    expect(base58CheckDecode('0OIl')).toBeNull();
  });
});
