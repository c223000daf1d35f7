// Many random requests (seeded, so failures reproduce): whatever the signer signs must pass the
// independent interpreter and keep every invariant; whatever it refuses must be a SignRefusal.
import { sha256 } from '@noble/hashes/sha2';
import { expect, test } from 'vitest';
import { bytesToHex } from '../../src/sign/bytes.ts';
import { hotKeyFromWif, hotScript, type HotKey } from '../../src/sign/keys.ts';
import { buildNameUpdateScript } from '../../src/sign/namescript.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { decodeNameTransaction } from '../../src/sign/tx-decode.ts';
import { buildNameUpdate, type Coin, SignRefusal } from '../../src/sign/update.ts';
import { verifyAllInputs } from '../helpers/interpreter.ts';
import { KEYS } from './recorded.ts';

const regtest = getNetwork('regtest');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** xorshift32: small, seeded, good enough to spread cases. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

test('300 random requests: signed ones verify and keep the invariants, the rest are clear refusals', () => {
  const rand = rng(20261203);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T,>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const keys: HotKey[] = KEYS.flatMap((k) => (['p2wpkh', 'p2pkh'] as const).map((t) => hotKeyFromWif(k.wif_regtest, regtest, t)));
  const tally = { signed: 0, refused: new Map<string, number>() };
  for (let n = 0; n < 300; n++) {
    const key = pick(keys);
    const own = hotScript(key);
    const name = `dd/${'x'.repeat(int(1, 40))}`;
    const value = JSON.stringify({ ip: `198.51.100.${int(0, 255)}`, pad: 'p'.repeat(int(0, 540)) });
    const nameValue = pick([1_000_000, 1_000_000, int(500_000, 3_000_000), int(1_000_000, 50_000_000)]);
    const nameCoin: Coin = {
      txid: bytesToHex(sha256(enc(`n${n}`))),
      vout: int(0, 3),
      value: nameValue,
      script: buildNameUpdateScript(enc(name), enc('{}'), own),
    };
    const feeCoins: Coin[] = Array.from({ length: int(0, 3) }, (_, i) => ({
      txid: bytesToHex(sha256(enc(`f${n}.${i}`))),
      vout: i,
      value: pick([int(300, 5_000), int(10_000, 200_000), int(1_000_000, 100_000_000)]),
      script: own,
    }));
    const feeRate = pick([1, 100, 100.5, int(100, 2000)]);
    const fee = { feeRate, maxFee: pick([50_000, 500_000, 5_000_000]), maxFeeRate: pick([500, 1000, 3000]), ...(rand() < 0.2 ? { minFee: int(0, 200_000) } : {}) };
    const nameAmount = rand() < 0.2 ? int(900_000, 2_000_000) : undefined;
    try {
      const built = buildNameUpdate({ key, name, value, nameCoin, feeCoins, fee, ...(nameAmount !== undefined ? { nameAmount } : {}) });
      tally.signed++;
      const spent = [nameCoin, ...feeCoins].filter((c) => built.spent.some((s) => s.txid === c.txid && s.vout === c.vout));
      const check = verifyAllInputs(built.hex, spent);
      expect(check, `case ${n}: ${check.error}`).toMatchObject({ ok: true });
      const d = decodeNameTransaction(built.hex, regtest);
      const totalIn = spent.reduce((s, c) => s + c.value, 0);
      expect(totalIn).toBe(d.outputs.reduce((s, o) => s + o.value, 0) + built.fee);
      expect(d.outputs.filter((o) => o.nameOp !== null).length).toBe(1);
      const out = d.outputs[0]!;
      expect(out.nameOp).toEqual({ op: 'name_update', name: enc(name), value: enc(value), address: own });
      expect(out.value).toBeGreaterThanOrEqual(1_000_000);
      for (const o of d.outputs) expect(bytesToHex(o.addressScript)).toBe(bytesToHex(own));
      expect(built.fee).toBeGreaterThanOrEqual(Math.ceil(Math.max(feeRate, 100) * d.vsize - 1e-6));
      expect(built.fee).toBeGreaterThanOrEqual(fee.minFee ?? 0);
      expect(built.fee).toBeLessThanOrEqual(fee.maxFee);
      expect(built.fee / d.vsize).toBeLessThanOrEqual(fee.maxFeeRate);
      expect(d.version).toBe(0x7100);
      if (nameAmount !== undefined) expect(out.value).toBe(nameAmount);
    } catch (e) {
      if (!(e instanceof SignRefusal)) throw e;
      tally.refused.set(e.code, (tally.refused.get(e.code) ?? 0) + 1);
      // A refusal must come with a reason that names what to change.
      expect(e.message.length).toBeGreaterThan(20);
    }
  }
  // The mix must exercise both outcomes and several distinct refusals.
  expect(tally.signed).toBeGreaterThan(60);
  expect(tally.refused.size).toBeGreaterThanOrEqual(3);
}, 120_000);
