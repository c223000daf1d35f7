// The signer's invariants, each attacked by a request that tries to break it, plus funding and fee
// behaviour. Every transaction that is built is also checked by bitcore-lib.
import { sha256 } from '@noble/hashes/sha2';
import * as ecc from 'tiny-secp256k1';
import { describe, expect, test } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/sign/bytes.ts';
import { hotKeyFromWif, hotScript, type HotKey, p2pkhScript } from '../../src/sign/keys.ts';
import { buildNameNewScript, buildNameUpdateScript, parseNameScript } from '../../src/sign/namescript.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { decodeNameTransaction } from '../../src/sign/tx-decode.ts';
import { buildNameUpdate, type Coin, type NameUpdateRequest, SignRefusal, type SignRefusalCode, type SignedNameUpdate } from '../../src/sign/update.ts';
import { verifyAllInputs, verifyInputWithBitcore } from '../helpers/interpreter.ts';
import { fixtureKey, recorded } from './recorded.ts';

const regtest = getNetwork('regtest');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const k1 = fixtureKey('key1');
const k2 = fixtureKey('key2');
const key1 = hotKeyFromWif(k1.wif_regtest, regtest, 'p2wpkh');
const key1legacy = hotKeyFromWif(k1.wif_regtest, regtest, 'p2pkh');
const key2legacy = hotKeyFromWif(k2.wif_regtest, regtest, 'p2pkh');
const FEE = { feeRate: 200, maxFee: 1_000_000, maxFeeRate: 1000 };

/** A made-up outpoint (txid = sha256 of a label) holding `value` at `script`. */
function coin(label: string, value: number, script: Uint8Array): Coin {
  return { txid: bytesToHex(sha256(utf8(label))), vout: 0, value, script };
}
function nameCoin(key: HotKey, name: string, value = 1_000_000, label = `name ${name}`): Coin {
  return coin(label, value, buildNameUpdateScript(utf8(name), utf8('{"ip":"192.0.2.1"}'), hotScript(key)));
}
function plain(key: HotKey, value: number, label = `fee ${value}`): Coin {
  return coin(label, value, hotScript(key));
}

function request(over: Partial<NameUpdateRequest> = {}): NameUpdateRequest {
  return {
    key: key1,
    name: 'dd/alpha',
    value: '{"ip":"198.51.100.7"}',
    nameCoin: nameCoin(key1, 'dd/alpha'),
    feeCoins: [plain(key1, 100_000_000)],
    fee: FEE,
    ...over,
  };
}

function refusal(req: NameUpdateRequest): SignRefusal {
  try {
    buildNameUpdate(req);
  } catch (e) {
    if (e instanceof SignRefusal) {
      // No refusal ever carries the key.
      expect(e.message).not.toContain(k1.wif_regtest);
      expect(e.message).not.toContain(k1.privkey_hex);
      return e;
    }
    throw e;
  }
  throw new Error('the signer signed a request it should have refused');
}
function expectRefusal(req: NameUpdateRequest, code: SignRefusalCode, message: RegExp): void {
  const e = refusal(req);
  expect(e.code, e.message).toBe(code);
  expect(e.message).toMatch(message);
}

/** Build, then check everything a valid update must satisfy, independently of the signer. */
function buildAndCheck(req: NameUpdateRequest): SignedNameUpdate {
  const built = buildNameUpdate(req);
  const decoded = decodeNameTransaction(built.hex, req.key.network);
  const spent = [req.nameCoin, ...req.feeCoins].filter((c) => built.spent.some((s) => s.txid === c.txid && s.vout === c.vout));
  expect(decoded.inputs.map((i) => `${i.txid}:${i.vout}`)).toEqual(spent.map((c) => `${c.txid}:${c.vout}`));
  expect(verifyAllInputs(built.hex, spent)).toMatchObject({ ok: true });
  const totalIn = spent.reduce((s, c) => s + c.value, 0);
  const totalOut = decoded.outputs.reduce((s, o) => s + o.value, 0);
  expect(totalIn).toBe(totalOut + built.fee); // inputs = outputs + fee
  const names = decoded.outputs.filter((o) => o.nameOp !== null);
  expect(names.length).toBe(1);
  const out = names[0]!;
  expect(out.vout).toBe(built.nameOutputIndex);
  expect(out.value).toBeGreaterThanOrEqual(regtest.minNameAmount);
  expect(bytesToHex(out.addressScript)).toBe(bytesToHex(parseNameScript(req.nameCoin.script)!.address)); // back to the same owner
  expect(bytesToHex(out.addressScript)).toBe(bytesToHex(hotScript(req.key)));
  for (const o of decoded.outputs) expect(bytesToHex(o.addressScript)).toBe(bytesToHex(hotScript(req.key))); // nothing leaves the hot key
  expect(built.vsize).toBe(decoded.vsize);
  expect(built.fee).toBeGreaterThanOrEqual(Math.ceil(Math.max(req.fee.feeRate, 100) * decoded.vsize));
  return built;
}

describe('a normal update', () => {
  test('P2WPKH: name output 0, change 1, values re-parse', () => {
    const built = buildAndCheck(request());
    const d = decodeNameTransaction(built.hex, regtest);
    const op = d.outputs[0]!.nameOp!;
    expect(op.op === 'name_update' && new TextDecoder().decode(op.value)).toBe('{"ip":"198.51.100.7"}');
    expect(op.op === 'name_update' && new TextDecoder().decode(op.name)).toBe('dd/alpha');
    expect(d.outputs[0]!.address).toBe(k1.p2wpkh.address);
    expect(built.change).toEqual({ vout: 1, value: 100_000_000 - built.fee });
    expect(built.nameAmount).toBe(1_000_000);
    expect(built.feeRate).toBeCloseTo(200, 0);
  });
  test('P2PKH (legacy): signed over the full prefixed script, so the stripped script does not verify', () => {
    const nc = nameCoin(key2legacy, 'dd/bravo');
    const built = buildAndCheck(request({ key: key2legacy, name: 'dd/bravo', nameCoin: nc, feeCoins: [plain(key2legacy, 5_000_000)] }));
    expect(verifyInputWithBitcore(built.hex, 0, nc.script, nc.value).ok).toBe(true);
    expect(verifyInputWithBitcore(built.hex, 0, hotScript(key2legacy), nc.value).ok).toBe(false);
  });
  test('deterministic: the same request signs to the same bytes; string and bytes inputs agree', () => {
    const a = buildNameUpdate(request());
    const b = buildNameUpdate(request({ name: utf8('dd/alpha'), value: utf8('{"ip":"198.51.100.7"}') }));
    expect(b.hex).toBe(a.hex);
  });
});

describe('invariant: the name output pays only the name coin’s own hot script', () => {
  test('there is no destination option: stray fields are ignored, the name stays with the hot key', () => {
    const thief = p2pkhScript(new Uint8Array(20).fill(0x99));
    const sneaky = { ...request(), destination: thief, outputs: [{ script: thief, value: 5000 }], address: 'mhief' } as NameUpdateRequest;
    const built = buildAndCheck(sneaky);
    expect(built.hex).not.toContain(bytesToHex(thief));
  });
  test('a name coin held by another script is refused', () => {
    const other = coin('other', 1_000_000, buildNameUpdateScript(utf8('dd/alpha'), utf8('{}'), p2pkhScript(new Uint8Array(20).fill(7))));
    expectRefusal(request({ nameCoin: other }), 'name-coin-not-hot', /nameCoin .* is held by m.*, not by the hot address ncrt1q2qg4/);
  });
  test('same key, other address type: still not the hot script', () => {
    expectRefusal(request({ nameCoin: nameCoin(key1legacy, 'dd/alpha') }), 'name-coin-not-hot', /not by the hot address/);
  });
});

describe('invariant: only the configured name', () => {
  test("another name's coin as the name coin", () => {
    expectRefusal(request({ nameCoin: nameCoin(key1, 'dd/bravo') }), 'wrong-name', /holds the name "dd\/bravo", not the configured "dd\/alpha"/);
  });
  test('a NAME_NEW coin', () => {
    const nn = coin('nn', 1_000_000, buildNameNewScript(new Uint8Array(20).fill(1), hotScript(key1)));
    expectRefusal(request({ nameCoin: nn }), 'expired-or-new', /NAME_NEW commitment/);
  });
  test('a plain coin as the name coin', () => {
    expectRefusal(request({ nameCoin: plain(key1, 1_000_000) }), 'not-a-name-coin', /carries no name operation/);
  });
  test('a name known to be expired', () => {
    expectRefusal(request({ expiresIn: 0 }), 'expired-or-new', /expired/);
    buildAndCheck(request({ expiresIn: 1 }));
  });
  test("another name's coin among the fee coins would destroy that name: refused", () => {
    expectRefusal(request({ feeCoins: [plain(key1, 5_000_000), nameCoin(key1, 'dd/bravo')] }), 'foreign-name-coin', /feeCoins\[1\] .* another name \("dd\/bravo"\)/);
    const nn = coin('nn2', 1_000_000, buildNameNewScript(new Uint8Array(20).fill(2), hotScript(key1)));
    expectRefusal(request({ feeCoins: [nn] }), 'foreign-name-coin', /NAME_NEW/);
  });
  test('a second coin of the same name among the fee coins', () => {
    expectRefusal(request({ feeCoins: [nameCoin(key1, 'dd/alpha', 1_000_000, 'stale')] }), 'fee-coin-is-name', /feeCoins\[0\]/);
  });
  test('fee coins must be at the hot address, and listed once', () => {
    expectRefusal(request({ feeCoins: [plain(key1legacy, 5_000_000)] }), 'fee-coin-not-hot', /feeCoins\[0\] .* pays mnpK9eZjBz1y22SD3Lwmgz8yozQrZJRUtS, not the hot address/);
    const f = plain(key1, 5_000_000);
    expectRefusal(request({ feeCoins: [f, f] }), 'duplicate-coin', /feeCoins\[1\] .* listed twice/);
    const r = request();
    expectRefusal({ ...r, feeCoins: [{ ...r.nameCoin, script: hotScript(key1) }] }, 'duplicate-coin', /listed twice/);
  });
});

describe('invariant: value ≤ 520 bytes, name ≤ 255 bytes', () => {
  test('a 521-byte value is refused, 520 bytes is signed', () => {
    expectRefusal(request({ value: 'x'.repeat(521) }), 'value-too-long', /value is 521 bytes; at most 520/);
    buildAndCheck(request({ value: 'x'.repeat(520) }));
  });
  test('multi-byte UTF-8 counts in bytes', () => {
    expectRefusal(request({ value: 'é'.repeat(261) }), 'value-too-long', /522 bytes/);
  });
  test('a 256-byte name is refused, 255 bytes is signed', () => {
    expectRefusal(request({ name: 'd'.repeat(256) }), 'name-too-long', /name is 256 bytes; Namecoin allows at most 255/);
    const long = 'dd/' + 'n'.repeat(252);
    buildAndCheck(request({ name: long, nameCoin: nameCoin(key1, long) }));
  });
  test('a value that no standard script can carry (single byte 0x05)', () => {
    expectRefusal(request({ value: Uint8Array.of(5) }), 'value-not-standard', /single byte 0x05/);
  });
});

describe('invariant: the name output holds at least 0.01 NMC', () => {
  test('an explicit nameAmount below the minimum', () => {
    expectRefusal(request({ nameAmount: 999_999 }), 'name-amount-too-low', /nameAmount 999999 sat is below the 1000000 sat/);
  });
  test('a surplus too small to pay the fee without dipping below 0.01 NMC', () => {
    expectRefusal(request({ nameCoin: nameCoin(key1, 'dd/alpha', 1_010_000), feeCoins: [] }), 'insufficient-funds', /less than the 1000000 sat a name must keep/);
  });
  test('a name coin below 0.01 NMC (old mainnet names) is topped up to 0.01 by the fee coins', () => {
    const built = buildAndCheck(request({ nameCoin: nameCoin(key1, 'dd/alpha', 500_000) }));
    expect(built.nameAmount).toBe(1_000_000);
  });
});

describe('invariant: a legacy prevout script round-trips before it is signed over', () => {
  // 53 <dd/bravo> 01 05 6d 75 <p2pkh>: Core parses it (a data push), bitcoinjs would rewrite 01 05 to OP_5.
  const odd = hexToBytes('530864642f627261766f0105' + '6d75' + bytesToHex(hotScript(key2legacy)));
  test('P2PKH name coin: refused as non-roundtrip', () => {
    expectRefusal(
      request({ key: key2legacy, name: 'dd/bravo', nameCoin: coin('odd', 1_000_000, odd), feeCoins: [plain(key2legacy, 5_000_000)] }),
      'non-roundtrip-script',
      /does not survive bitcoinjs decompile\/compile/,
    );
  });
  test('the same non-minimal push under P2WPKH: refused as unrelayable', () => {
    const w = hexToBytes('530864642f616c7068610105' + '6d75' + bytesToHex(hotScript(key1)));
    expectRefusal(request({ nameCoin: coin('oddw', 1_000_000, w) }), 'non-minimal-name-coin', /non-minimal push/);
  });
  test('the recorded non-minimal dd/echo coin (rejections fixture) is refused', () => {
    const r = recorded('rejections', 'spend-nonminimal-name-coin');
    const c = r.prev.inputs[0]!;
    const key3 = hotKeyFromWif(fixtureKey('key3').wif_regtest, regtest, 'p2wpkh');
    const ncoin = { txid: c.txid, vout: c.vout, value: c.value_sat, script: hexToBytes(c.script_hex) };
    expectRefusal(request({ key: key3, name: 'dd/echo', nameCoin: ncoin, feeCoins: [plain(key3, 5_000_000)] }), 'non-minimal-name-coin', /non-minimal/);
  });
});

describe('the key itself', () => {
  test('a hand-built HotKey whose public key is not its private key’s is refused', () => {
    const forged = { ...key1, privateKey: key1.privateKey, publicKey: hotKeyFromWif(k2.wif_regtest, regtest, 'p2wpkh').publicKey };
    expectRefusal(request({ key: forged }), 'bad-key', /key.publicKey does not belong to key.privateKey/);
  });
  test('no P2TR: a key claiming another address type is refused, and a taproot coin of the same key is not the hot address', () => {
    const taprootKey = { privateKey: key1.privateKey, publicKey: key1.publicKey, network: regtest, addressType: 'p2tr' } as unknown as HotKey;
    expectRefusal(request({ key: taprootKey }), 'bad-key', /key.addressType "p2tr" is not p2wpkh or p2pkh/);
    const p2tr = concatBytes(Uint8Array.of(0x51, 0x20), key1.publicKey.subarray(1));
    expectRefusal(request({ feeCoins: [coin('tr', 5_000_000, p2tr)] }), 'fee-coin-not-hot', /feeCoins\[0\] .* pays script 5120.*, not the hot address/);
    const trName = coin('trname', 1_000_000, buildNameUpdateScript(utf8('dd/alpha'), utf8('{}'), p2tr));
    expectRefusal(request({ nameCoin: trName }), 'name-coin-not-hot', /is held by script 5120.*, not by the hot address/);
  });
  test('an uncompressed key cannot be a p2wpkh hot key', () => {
    const uncompressed = { ...key1, privateKey: key1.privateKey, publicKey: ecc.pointFromScalar(key1.privateKey, false)! };
    expectRefusal(request({ key: uncompressed }), 'bad-key', /compressed public key/);
  });
});

describe('fees', () => {
  test('below the relay minimum: raised to 100 sat/vB', () => {
    const built = buildAndCheck(request({ fee: { ...FEE, feeRate: 1 } }));
    expect(built.fee).toBe(100 * built.vsize);
  });
  test('absolute cap', () => {
    expectRefusal(request({ fee: { ...FEE, maxFee: 10_000 } }), 'fee-above-cap', /above max_fee 10000 sat/);
  });
  test('rate cap, including a minFee that would push the rate over it', () => {
    expectRefusal(request({ fee: { ...FEE, feeRate: 1200 } }), 'fee-rate-above-cap', /the fee rate 1200 sat\/vB is above max_fee_rate 1000/);
    expectRefusal(request({ fee: { ...FEE, minFee: 500_000 } }), 'fee-rate-above-cap', /above max_fee_rate 1000 sat\/vB/);
  });
  test('a 0.04 NMC fee (surplus-fee variant-absurd-fee) is refused by the cap; the surplus itself is never dumped into the fee', () => {
    const fat = nameCoin(key1, 'dd/alpha', 5_000_000);
    expectRefusal(request({ nameCoin: fat, feeCoins: [], fee: { feeRate: 200, maxFee: 1_000_000, maxFeeRate: 100_000, minFee: 4_000_000 } }), 'fee-above-cap', /4000000 sat, above max_fee 1000000/);
    const built = buildAndCheck(request({ nameCoin: fat, feeCoins: [], nameAmount: 1_000_000 }));
    expect(built.fee).toBeLessThan(200 * built.vsize + 1);
  });
  test('minFee (a BIP125 replacement floor) raises the fee', () => {
    const base = buildNameUpdate(request());
    const floor = base.fee + Math.ceil(base.vsize * 0.1);
    const bumped = buildAndCheck(request({ fee: { ...FEE, minFee: floor } }));
    expect(bumped.fee).toBe(floor);
  });
  test('a policy that could never relay is refused', () => {
    expectRefusal(request({ fee: { ...FEE, maxFeeRate: 50 } }), 'bad-fee-policy', /below regtest's relay minimum of 100 sat\/vB/);
    expectRefusal(request({ fee: { ...FEE, feeRate: Number.NaN } }), 'bad-fee-policy', /fee.feeRate must be a positive number/);
  });
});

describe('funding', () => {
  test('no fee coins: the name coin’s surplus pays (surplus-fee)', () => {
    const built = buildAndCheck(request({ nameCoin: nameCoin(key1, 'dd/alpha', 5_000_000), feeCoins: [] }));
    expect(built.change).toBeUndefined();
    expect(built.nameAmount).toBe(5_000_000 - built.fee);
    expect(built.spent.length).toBe(1);
  });
  test('no fee coins, explicit nameAmount: the rest returns as change', () => {
    const built = buildAndCheck(request({ nameCoin: nameCoin(key1, 'dd/alpha', 5_000_000), feeCoins: [], nameAmount: 1_000_000 }));
    expect(built.nameAmount).toBe(1_000_000);
    expect(built.change!.value).toBe(4_000_000 - built.fee);
  });
  test('fee coins are taken in order, only as many as needed', () => {
    const coins = [plain(key1, 20_000, 'a'), plain(key1, 30_000, 'b'), plain(key1, 10_000_000, 'c'), plain(key1, 10_000_000, 'd')];
    const built = buildAndCheck(request({ feeCoins: coins }));
    expect(built.spent.map((s) => s.txid)).toEqual([request().nameCoin.txid, coins[0]!.txid, coins[1]!.txid, coins[2]!.txid]);
  });
  test('change below dust goes to the fee instead', () => {
    const exact = buildNameUpdate(request()); // learn the fee for 2 in / 2 out
    const noChangeFee = exact.fee - 31 * 200; // one P2WPKH output (31 vB) less
    const built = buildAndCheck(request({ feeCoins: [plain(key1, noChangeFee + 200)] }));
    expect(built.change).toBeUndefined();
    expect(built.fee).toBe(noChangeFee + 200);
  });
  test('fee coins too small but a surplus in the name coin: the surplus pays, the fee coins stay', () => {
    const built = buildAndCheck(request({ nameCoin: nameCoin(key1, 'dd/alpha', 5_000_000), feeCoins: [plain(key1, 1000)] }));
    expect(built.spent.length).toBe(1);
    expect(built.nameAmount).toBe(5_000_000 - built.fee);
  });
  test('not enough in the fee coins', () => {
    expectRefusal(request({ feeCoins: [plain(key1, 1000)] }), 'insufficient-funds', /send more to the hot address ncrt1q2qg4/);
  });
  test('malformed coins name the field', () => {
    const r = request();
    expectRefusal({ ...r, nameCoin: { ...r.nameCoin, txid: 'xyz' } }, 'bad-coin', /nameCoin.txid must be 64 hex digits/);
    expectRefusal({ ...r, feeCoins: [{ ...plain(key1, 5000), value: 1.5 }] }, 'bad-coin', /feeCoins\[0\].value must be a positive whole number/);
    expectRefusal({ ...r, feeCoins: undefined as unknown as Coin[] }, 'bad-coin', /feeCoins must be a list/);
    expectRefusal({ ...r, nameCoin: { ...r.nameCoin, vout: -1 } }, 'bad-coin', /nameCoin.vout must be an output index/);
  });
});
