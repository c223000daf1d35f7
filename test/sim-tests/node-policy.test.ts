// Namecoin Core's side: every testmempoolaccept the recording made, asked of the simulator's
// chain in the same state — allowed or not, reject-reason, reject-details, vsize and fee — plus
// the expiry steps (name_show expires_in, gettxout of the name coin, the pending update evicted).
import { describe, expect, test } from 'vitest';
import { readFixture, readFixtureJson } from '../helpers/fixtures.ts';
import { recordedChain } from '../sim/recorded.ts';
import type { SimChain, TestAcceptResult } from '../sim/chain.ts';

/** What the recording's testmempoolaccept returned: the same shape the simulator answers with. */
type Recorded = TestAcceptResult;

const hexOf = (dir: string, label: string): string => readFixture('regtest', dir, `${label}.hex`).trim();

function expectSame(ours: TestAcceptResult, rec: Recorded): void {
  expect(ours.txid).toBe(rec.txid);
  expect(ours.wtxid).toBe(rec.wtxid);
  expect(ours.allowed).toBe(rec.allowed);
  if (rec.allowed) {
    expect(ours.vsize).toBe(rec.vsize);
    if (rec.fees) expect(ours.fees?.base).toBe(rec.fees.base);
  } else {
    expect(ours['reject-reason']).toBe(rec['reject-reason']);
    expect(ours['reject-details']).toBe(rec['reject-details']);
  }
}

describe('rejections (chain at tip 167)', () => {
  const sc = readFixtureJson<{
    cases: Record<string, { testmempoolaccept: Recorded[] }>;
    base: { testmempoolaccept: Recorded[] };
    value_520_bytes_control: { testmempoolaccept: Recorded[] };
    nonminimal: Record<string, { testmempoolaccept: Recorded[] }>;
  }>('regtest', 'rejections', 'scenario.json');
  const cases = Object.entries(sc.cases).filter(([label]) => label !== 'spend-nonminimal-name-coin');
  test.each(cases)('%s', (label, c) => {
    expectSame(recordedChain(167).testAccept(hexOf('rejections', label)), c.testmempoolaccept[0]!);
  });
  test('base-valid-not-broadcast is allowed', () => {
    expectSame(recordedChain(167).testAccept(hexOf('rejections', 'base-valid-not-broadcast')), sc.base.testmempoolaccept[0]!);
  });
  test('value-520-bytes-control is allowed (and so is 521 for testmempoolaccept: maxburnamount is the RPC’s)', () => {
    expectSame(recordedChain(167).testAccept(hexOf('rejections', 'value-520-bytes-control')), sc.value_520_bytes_control.testmempoolaccept[0]!);
  });
  test.each(['nonminimal-name-pushdata1', 'nonminimal-value-pushdata2'])('%s: creating a non-minimal name push is standard', (label) => {
    expectSame(recordedChain(167).testAccept(hexOf('rejections', label)), sc.nonminimal[label]!.testmempoolaccept[0]!);
  });
  test('spend-nonminimal-name-coin (tip 168, the coin mined): Data push larger than necessary', () => {
    expectSame(recordedChain(168).testAccept(hexOf('rejections', 'spend-nonminimal-name-coin')), sc.cases['spend-nonminimal-name-coin']!.testmempoolaccept[0]!);
  });
});

describe('surplus-fee (tip 166)', () => {
  const sc = readFixtureJson<{ testmempoolaccept: Record<string, Recorded[]> }>('regtest', 'surplus-fee', 'scenario.json');
  test.each(Object.entries(sc.testmempoolaccept))('%s', (key, rec) => {
    const label = key.replace('(maxfeerate=0)', '');
    const opts = key.endsWith('(maxfeerate=0)') ? { maxFeeRatePerKvB: 0 } : {};
    expectSame(recordedChain(166).testAccept(hexOf('surplus-fee', label), opts), rec[0]!);
  });
});

test.each([
  ['p2wpkh-update', 164],
  ['p2pkh-update', 165],
])('%s update is allowed (tip %i)', (dir, tip) => {
  const rec = readFixtureJson<Recorded[]>('regtest', dir, 'update.testmempoolaccept.json');
  expectSame(recordedChain(tip).testAccept(hexOf(dir, 'update')), rec[0]!);
});

test('rbf-and-chains: the recorded sequence, step by step (tip 169)', () => {
  const sc = readFixtureJson<Record<string, { testmempoolaccept: Recorded[] }>>('regtest', 'rbf-and-chains', 'scenario.json');
  const chain = recordedChain(169);
  const hex = (label: string): string => hexOf('rbf-and-chains', label);
  expectSame(chain.testAccept(hex('u1')), sc.u1!.testmempoolaccept[0]!);
  expect(chain.submitTx(hex('u1'))).toBe(sc.u1!.testmempoolaccept[0]!.txid);
  expectSame(chain.testAccept(hex('u1')), sc.u1_rebroadcast!.testmempoolaccept[0]!);
  expect(chain.submitTx(hex('u1'))).toBe(sc.u1!.testmempoolaccept[0]!.txid); // re-broadcast: its txid, no error
  expectSame(chain.testAccept(hex('replacement-same-feerate')), sc.replacement_same_feerate!.testmempoolaccept[0]!);
  expectSame(chain.testAccept(hex('replacement-higher-fee')), sc.replacement_higher_fee!.testmempoolaccept[0]!);
  chain.submitTx(hex('replacement-higher-fee'));
  expect(chain.inMempool('07496b986e2a06b250565236262c705b61b4a384b10715ad83e6c986c9554531')).toBe(false);
  expectSame(chain.testAccept(hex('u2-chained')), sc.u2_chained!.testmempoolaccept[0]!);
  chain.submitTx(hex('u2-chained'));
  // replacing the parent of a pending child at 2000 sat/vB: allowed, it would evict both
  expectSame(chain.testAccept(hex('replacement-of-parent-with-child')), sc.replacement_of_parent_with_child!.testmempoolaccept[0]!);
  chain.mine();
  expect(chain.blockTxids(170)!.slice(1)).toEqual(readFixtureJson<{ block_txids: string[] }>('regtest', 'rbf-and-chains', 'scenario.json').block_txids.slice(1));
  expect(chain.nameState('dd/alpha')).toMatchObject({ value: '{"ip":"192.0.2.54"}', height: 170, expiresIn: 30 });
});

test('rbf-and-chains: the replacement of the parent evicts the child too', () => {
  const chain = recordedChain(169);
  const hex = (label: string): string => hexOf('rbf-and-chains', label);
  chain.submitTx(hex('replacement-higher-fee'));
  chain.submitTx(hex('u2-chained'));
  expect(chain.mempool.map((m) => m.txid)).toEqual([
    '2de53c8e82687faba9c3a27343c2f49691d95a276c95437a9d59e401a839f97d',
    '76c47d835f24549d33c52ca9817107ddf3fa8d4ffe88e4211c6f8d8da6ed5944',
  ]);
  chain.submitTx(hex('replacement-of-parent-with-child'));
  expect(chain.mempool.map((m) => m.txid)).toEqual(['c8e229558553157789edc23cd851545e3aa9d1d1891dd076488fbdcb2481bc77']);
});

describe('expiry: dd/delta, updated at 163, expires at 193', () => {
  interface Step {
    height: number;
    name_show: { result?: { expires_in: number }; error?: { message: string } };
    name_show_allowExpired: { result: { expires_in: number; expired: boolean } };
    gettxout_name_coin: unknown;
    testmempoolaccept_update: Recorded[];
  }
  const sc = readFixtureJson<{ steps: Step[] }>('regtest', 'expiry', 'scenario.json');
  const update = hexOf('expiry', 'update');
  let chain: SimChain;
  test.each(sc.steps.map((s) => [s.height, s] as const))('tip %i', (height, step) => {
    chain = recordedChain(height);
    const st = chain.nameState('dd/delta')!;
    expect(st.expiresIn).toBe(step.name_show_allowExpired.result.expires_in);
    expect(st.expired).toBe(step.name_show_allowExpired.result.expired);
    // plain name_show refuses an expired name; nameState says expired instead
    expect(step.name_show.error !== undefined).toBe(st.expired);
    expect(chain.isSpendable('b516d0594a669e86b07ef1c927cc0db603d6eab8fde3301a0114b1b8f142a7b4', 1)).toBe(step.gettxout_name_coin !== null && (step.gettxout_name_coin as { result?: unknown }).result !== null);
    expectSame(chain.testAccept(update), step.testmempoolaccept_update[0]!);
  });
  test('a pending update not mined by updateHeight + 29 is evicted; ElectrumX still lists the coin', () => {
    chain = recordedChain(191);
    expect(chain.submitTx(update)).toBe('d7d98a8d9c62a1b75133ac5778b415f1e5a0aecab703acc33caff55156ce4716');
    chain.mineRaw([]); // 192, like the recording's generateblock with no transactions
    expect(chain.inMempool('d7d98a8d9c62a1b75133ac5778b415f1e5a0aecab703acc33caff55156ce4716')).toBe(false);
    expect(() => chain.submitTx(update)).toThrow('bad-txns-inputs-missingorspent');
    const owner = 'f5c3bda29927856287e729e7c7ae015707ca06d36bbbefc4166e16711904d50e';
    expect(chain.listUnspent(owner).map((u) => `${u.txid}:${u.vout}`)).toContain(
      'b516d0594a669e86b07ef1c927cc0db603d6eab8fde3301a0114b1b8f142a7b4:1',
    );
  });
  test('a pending update IS mined when a block comes in time (mine() takes the mempool)', () => {
    chain = recordedChain(191);
    chain.submitTx(update);
    chain.mine();
    expect(chain.nameState('dd/delta')).toMatchObject({ value: '{"ip":"192.0.2.64"}', height: 192, expiresIn: 30 });
  });
});
