// Rebuild every name_update Namecoin Core built in the recordings, from the same prevouts with the
// fixture keys, and compare: byte-for-byte hex, bitcore acceptance, re-parsed name/value/address.
import { describe, expect, test } from 'vitest';
import { bytesToHex, equalBytes, hexToBytes } from '../../src/sign/bytes.ts';
import { hotKeyFromWif, hotScript, type HotKey } from '../../src/sign/keys.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { isMinimallyEncoded } from '../../src/sign/namescript.ts';
import { decodeNameTransaction } from '../../src/sign/tx-decode.ts';
import { buildNameUpdate, type Coin } from '../../src/sign/update.ts';
import { verifyAllInputs } from '../helpers/interpreter.ts';
import { KEYS, recorded } from './recorded.ts';

const regtest = getNetwork('regtest');

/** The fixture key (and address type) whose plain script is `script`. */
function keyFor(script: Uint8Array): HotKey {
  for (const k of KEYS) {
    for (const type of ['p2wpkh', 'p2pkh'] as const) {
      const key = hotKeyFromWif(k.wif_regtest, regtest, type);
      if (equalBytes(hotScript(key), script)) return key;
    }
  }
  throw new Error(`no fixture key owns ${bytesToHex(script)}`);
}

// Updates Namecoin Core built with (name coin, fee coins…) inputs, name output first and change
// second: exactly the layout our signer produces, so its output must equal Core's byte for byte.
const CORE_BUILT: [string, string][] = [
  ['p2wpkh-update', 'update'],
  ['p2pkh-update', 'update'],
  ['surplus-fee', 'surplus'],
  ['surplus-fee', 'variant-fee-exactly-min'],
  ['rbf-and-chains', 'u1'],
  ['rbf-and-chains', 'replacement-same-feerate'],
  ['rbf-and-chains', 'replacement-higher-fee'],
  ['rbf-and-chains', 'replacement-of-parent-with-child'],
  ['rbf-and-chains', 'u2-chained'],
  ['expiry', 'update'],
  ['rejections', 'base-valid-not-broadcast'],
  ['rejections', 'rebroadcast-confirmed'],
  ['rejections', 'double-spend-spent-name-coin'],
  ['rejections', 'value-520-bytes-control'],
];

describe('rebuilding Namecoin Core’s name_updates', () => {
  for (const [scenario, label] of CORE_BUILT) {
    test(`${scenario}/${label}`, () => {
      const r = recorded(scenario, label);
      const core = decodeNameTransaction(r.hex, regtest);
      const nameOut = core.outputs[core.nameOutputIndex!]!;
      const op = nameOut.nameOp!;
      expect(op.op).toBe('name_update');
      if (op.op !== 'name_update') return;
      const coins: Coin[] = r.prev.inputs.map((i) => ({ txid: i.txid, vout: i.vout, value: i.value_sat, script: hexToBytes(i.script_hex) }));
      const nameCoinIndex = coins.findIndex((c) => c.script[0] === 0x52 || c.script[0] === 0x53);
      expect(nameCoinIndex).toBe(0); // Core kept the name coin first
      const key = keyFor(nameOut.addressScript);
      const totalIn = coins.reduce((s, c) => s + c.value, 0);
      const coreFee = totalIn - core.outputs.reduce((s, o) => s + o.value, 0);
      const rate = coreFee / core.vsize; // Core used a whole sat/vB rate over its vsize estimate
      expect(Number.isInteger(rate)).toBe(true);
      const built = buildNameUpdate({
        key,
        name: op.name,
        value: op.value,
        nameCoin: coins[0]!,
        feeCoins: coins.slice(1),
        fee: { feeRate: rate, maxFee: 10_000_000, maxFeeRate: 5000 },
        // Core's surplus tx kept nothing back as change; the default does the same without fee coins.
      });
      expect(built.hex).toBe(r.hex);
      expect(built.txid).toBe(core.txid);
      expect(built.fee).toBe(coreFee);
      expect(built.vsize).toBe(core.vsize);
      expect(built.spent).toEqual(coins.map((c) => ({ txid: c.txid, vout: c.vout })));
      expect(verifyAllInputs(built.hex, coins)).toMatchObject({ ok: true });
      // Re-parse ours: same name, value and owner as the recorded one.
      const mine = decodeNameTransaction(built.hex, regtest);
      const mineOut = mine.outputs[built.nameOutputIndex]!;
      expect(mineOut.nameOp).toEqual(op);
      expect(mineOut.address).toBe(nameOut.address);
      expect(mine.version).toBe(0x7100);
      expect(mine.locktime).toBe(0);
      expect(mine.inputs.every((i) => i.sequence === 0xfffffffd)).toBe(true);
    });
  }
});

function coinsOf(scenario: string, label: string): Coin[] {
  return recorded(scenario, label).prev.inputs.map((i) => ({ txid: i.txid, vout: i.vout, value: i.value_sat, script: hexToBytes(i.script_hex) }));
}

describe('the recorded variants Core built by hand', () => {
  const key3 = hotKeyFromWif(KEYS.find((k) => k.label === 'key3')!.wif_regtest, regtest, 'p2wpkh');
  const charlie = (): Coin => coinsOf('surplus-fee', 'surplus')[0]!;
  const base = { key: key3, name: 'dd/charlie', value: '{"ip":"192.0.2.33"}', feeCoins: [] as Coin[] };
  const valueOf = (label: string): Uint8Array => {
    const op = decodeNameTransaction(recorded('surplus-fee', label).hex, regtest).outputs[0]!.nameOp!;
    return op.op === 'name_update' ? op.value : new Uint8Array(0);
  };

  test('variant-lowfee / variant-fee-1sat-below-min: a rate under 100 sat/vB is floored, giving exactly variant-fee-exactly-min', () => {
    const built = buildNameUpdate({ ...base, value: valueOf('variant-fee-exactly-min'), nameCoin: charlie(), fee: { feeRate: 6.94, maxFee: 100_000, maxFeeRate: 1000 } });
    expect(built.hex).toBe(recorded('surplus-fee', 'variant-fee-exactly-min').hex);
    expect(built.fee).toBe(14_400);
  });
  test('variant-absurd-fee: reproduced only when the caller asks for a 0.04 NMC minimum fee and lifts the caps', () => {
    const r = recorded('surplus-fee', 'variant-absurd-fee');
    const req = { ...base, value: valueOf('variant-absurd-fee'), nameCoin: charlie() };
    const built = buildNameUpdate({ ...req, fee: { feeRate: 200, maxFee: 5_000_000, maxFeeRate: 30_000, minFee: 4_000_000 } });
    expect(built.hex).toBe(r.hex);
    expect(() => buildNameUpdate({ ...req, fee: { feeRate: 200, maxFee: 1_000_000, maxFeeRate: 1000, minFee: 4_000_000 } })).toThrow(/above max_fee /);
  });
  test('variant-greedy / variant-greedy-nochange: a name output under 0.01 NMC is refused', () => {
    for (const nameAmount of [900_000, 999_999]) {
      expect(() => buildNameUpdate({ ...base, nameCoin: charlie(), nameAmount, fee: { feeRate: 200, maxFee: 5_000_000, maxFeeRate: 30_000 } })).toThrow(
        expect.objectContaining({ code: 'name-amount-too-low' }),
      );
    }
  });

  const key1 = hotKeyFromWif(KEYS.find((k) => k.label === 'key1')!.wif_regtest, regtest, 'p2wpkh');
  const fee = { feeRate: 200, maxFee: 1_000_000, maxFeeRate: 1000 };
  test('rejections/name-mismatch: updating dd/other with dd/alpha’s coin is refused', () => {
    const [nameCoin, ...feeCoins] = coinsOf('rejections', 'name-mismatch');
    expect(() => buildNameUpdate({ key: key1, name: 'dd/other', value: '{}', nameCoin: nameCoin!, feeCoins, fee })).toThrow(
      expect.objectContaining({ code: 'wrong-name' }),
    );
  });
  test('rejections/no-name-input: a plain coin in place of the name coin is refused', () => {
    const [plainCoin] = coinsOf('rejections', 'no-name-input');
    expect(() => buildNameUpdate({ key: key1, name: 'dd/alpha', value: '{}', nameCoin: plainCoin!, feeCoins: [], fee })).toThrow(
      expect.objectContaining({ code: 'not-a-name-coin' }),
    );
  });
  test('rejections/value-521-bytes is refused', () => {
    const [nameCoin, ...feeCoins] = coinsOf('rejections', 'value-521-bytes');
    expect(() => buildNameUpdate({ key: key1, name: 'dd/alpha', value: 'v'.repeat(521), nameCoin: nameCoin!, feeCoins, fee })).toThrow(
      expect.objectContaining({ code: 'value-too-long' }),
    );
  });
  test('rejections/nonminimal-*: the same update from us uses the minimal pushes', () => {
    for (const label of ['nonminimal-name-pushdata1', 'nonminimal-value-pushdata2']) {
      const r = recorded('rejections', label);
      const theirs = decodeNameTransaction(r.hex, regtest).outputs[0]!;
      const op = theirs.nameOp!;
      if (op.op !== 'name_update') throw new Error('expected an update');
      const [nameCoin, ...feeCoins] = coinsOf('rejections', label);
      const key3w = hotKeyFromWif(KEYS.find((k) => k.label === 'key3')!.wif_regtest, regtest, 'p2wpkh');
      const built = buildNameUpdate({ key: key3w, name: op.name, value: op.value, nameCoin: nameCoin!, feeCoins, fee });
      const mine = decodeNameTransaction(built.hex, regtest).outputs[0]!;
      expect(mine.nameOp).toEqual(op);
      expect(bytesToHex(mine.script)).not.toBe(bytesToHex(theirs.script));
      expect(isMinimallyEncoded(mine.script)).toBe(true);
      expect(isMinimallyEncoded(theirs.script)).toBe(false);
    }
  });
});
