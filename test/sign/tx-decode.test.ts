// decodeNameTransaction agrees with Namecoin Core's decoderawtransaction on every recorded
// transaction (regtest *.decoded.json and the mainnet set).
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { bytesToHex } from '../../src/sign/bytes.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { decodeNameTransaction } from '../../src/sign/tx-decode.ts';
import { fixturePath, readFixture, readFixtureJson } from '../helpers/fixtures.ts';
import { allRecorded, mainnetTx } from './recorded.ts';

interface CoreNameOp {
  op: string;
  name?: string;
  name_encoding?: string;
  value?: string;
  value_encoding?: string;
  rand?: string;
  hash?: string;
}
interface CoreDecoded {
  txid: string;
  hash?: string;
  version: number;
  size: number;
  vsize: number;
  weight?: number;
  locktime: number;
  vin: { txid: string; vout: number; sequence: number; scriptSig: { hex: string }; txinwitness?: string[] }[];
  vout: { value: number; n: number; scriptPubKey: { hex: string; address?: string; nameOp?: CoreNameOp } }[];
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function compare(hex: string, core: CoreDecoded, network: ReturnType<typeof getNetwork>, satsPerUnit: number): void {
  const d = decodeNameTransaction(hex, network);
  expect(d.txid).toBe(core.txid);
  if (core.hash) expect(d.wtxid).toBe(core.hash);
  expect(d.version).toBe(core.version);
  expect(d.size).toBe(core.size);
  expect(d.vsize).toBe(core.vsize);
  if (core.weight !== undefined) expect(d.weight).toBe(core.weight);
  expect(d.locktime).toBe(core.locktime);
  expect(d.inputs.length).toBe(core.vin.length);
  core.vin.forEach((v, i) => {
    const mine = d.inputs[i]!;
    expect([mine.txid, mine.vout, mine.sequence]).toEqual([v.txid, v.vout, v.sequence]);
    expect(bytesToHex(mine.scriptSig)).toBe(v.scriptSig.hex);
    expect(mine.witness.map(bytesToHex)).toEqual(v.txinwitness ?? []);
  });
  expect(d.outputs.length).toBe(core.vout.length);
  core.vout.forEach((v, i) => {
    const mine = d.outputs[i]!;
    expect(mine.vout).toBe(v.n);
    expect(mine.value).toBe(Math.round(v.value * satsPerUnit));
    expect(bytesToHex(mine.script)).toBe(v.scriptPubKey.hex);
    if (v.scriptPubKey.address) expect(mine.address).toBe(v.scriptPubKey.address);
    const op = v.scriptPubKey.nameOp;
    if (!op) {
      expect(mine.nameOp).toBeNull();
      return;
    }
    const n = mine.nameOp!;
    expect(n.op).toBe(op.op);
    if (n.op === 'name_new') expect(bytesToHex(n.hash)).toBe(op.hash);
    else {
      expect(op.name_encoding === 'hex' ? bytesToHex(n.name) : text(n.name)).toBe(op.name);
      expect(op.value_encoding === 'hex' ? bytesToHex(n.value) : text(n.value)).toBe(op.value);
      if (n.op === 'name_firstupdate') expect(bytesToHex(n.rand)).toBe(op.rand);
    }
    expect(d.nameOutputIndex).toBe(i);
  });
}

describe('decodeNameTransaction vs Core decoderawtransaction (regtest)', () => {
  const regtest = getNetwork('regtest');
  const cases = allRecorded().filter(([s, l]) => existsSync(fixturePath('regtest', s, `${l}.decoded.json`)));
  test('there are recordings', () => expect(cases.length).toBeGreaterThan(20));
  for (const [scenario, label] of cases) {
    test(`${scenario}/${label}`, () => {
      const hex = readFixture('regtest', scenario, `${label}.hex`).trim();
      compare(hex, readFixtureJson<CoreDecoded>('regtest', scenario, `${label}.decoded.json`), regtest, 1e8);
    });
  }
});

describe('mainnet (values in satoshis in these files)', () => {
  for (const id of ['0c6867', '5e3495', 'cfc5d7', '037339', '460f2b']) {
    test(id, () => {
      const t = mainnetTx(id) as unknown as CoreDecoded & { hex: string };
      compare(t.hex, t, getNetwork('mainnet'), 1);
    });
  }
});

test('garbage is refused with a clear message', () => {
  expect(() => decodeNameTransaction('00710000zz', getNetwork('regtest'))).toThrow(/does not parse as a transaction/);
  expect(() => decodeNameTransaction('0071', getNetwork('regtest'))).toThrow(/does not parse/);
});
