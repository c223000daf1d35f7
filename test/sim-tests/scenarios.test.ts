// The recorded broadcast scenarios replayed through the simulator's ElectrumX front end over
// real sockets, with blocks mined where the recording mined them: every accepted transaction is
// accepted with its txid, every rejection comes back with namecoind's message wrapped the ElectrumX
// way, and every index query (listunspent, get_mempool, get_history, get_balance on the owner and
// the name-index scripthash, pending and mined) equals the recorded line byte for byte.
// Differences allowed: the three fee coins whose raw tx is not in the fixtures are stand-ins
// (STAND_INS: their txids are mapped back to the recorded ones), and get_value_proof merkle items
// that cover a coinbase.
import { afterEach, describe, expect, test } from 'vitest';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { STAND_INS, recordedChain, RECORDED_BLOCK_TIMES } from '../sim/recorded.ts';
import type { SimChain } from '../sim/chain.ts';
import { replay, tolerateBlockData, transcript } from './replay.ts';

const fromStandIn = (s: string): string => STAND_INS.get(s) ?? s;

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Scenario {
  dir: string;
  file: string;
  startTip: number;
  /** entry index -> what the recording did to the chain just before that request */
  actions: Record<number, (c: SimChain) => void>;
  endTip: number;
}

const SCENARIOS: Scenario[] = [
  { dir: 'p2wpkh-update', file: 'electrum-broadcast.jsonl', startTip: 164, actions: { 10: (c) => c.mine() }, endTip: 165 },
  { dir: 'p2pkh-update', file: 'electrum-broadcast.jsonl', startTip: 165, actions: { 10: (c) => c.mine() }, endTip: 166 },
  { dir: 'surplus-fee', file: 'electrum-broadcast.jsonl', startTip: 166, actions: { 11: (c) => c.mine() }, endTip: 167 },
  { dir: 'rejections', file: 'electrum-broadcast.jsonl', startTip: 167, actions: { 10: (c) => c.mine(1, { time: RECORDED_BLOCK_TIMES.get(168)! }) }, endTip: 168 },
  { dir: 'rbf-and-chains', file: 'electrum-main.jsonl', startTip: 169, actions: { 38: (c) => c.mine(1, { time: RECORDED_BLOCK_TIMES.get(170)! }) }, endTip: 170 },
  // expiry: tip 191 (expires_in 2); then empty blocks (generateblock []) to 192, 193, 194
  {
    dir: 'expiry',
    file: 'electrum-main.jsonl',
    startTip: 191,
    actions: { 10: (c) => c.mineRaw([]), 27: (c) => c.mineRaw([]), 29: (c) => c.mineRaw([]) },
    endTip: 194,
  },
];

describe.each(SCENARIOS)('$dir: recorded ElectrumX session', (sc) => {
  test.each(['tcp', 'tls'])('over %s', async (kind) => {
    const chain = recordedChain(sc.startTip);
    sim = await startSimulator({ chain, tls: kind === 'tls' });
    const lines = transcript('regtest', sc.dir, sc.file);
    const report = await replay(lines, {
      url: sim.url,
      certPem: sim.certPem,
      before: (i) => sc.actions[i]?.(chain),
      map: fromStandIn,
      tolerate: tolerateBlockData,
    });
    expect(chain.tipHeight).toBe(sc.endTip);
    // only get_value_proof (expiry) may carry coinbase-dependent merkle items
    for (const t of report.tolerated) {
      if (t.method === 'blockchain.name.get_value_proof') continue;
      expect(t.paths).toEqual(['result (unordered mempool rows)']);
    }
    // What the mempool path mined is what the recording mined: same txids, same block positions.
    if (sc.endTip <= 170) {
      const reference = recordedChain(sc.endTip);
      for (let h = sc.startTip + 1; h <= sc.endTip; h++) {
        expect(chain.blockTxids(h)!.slice(1)).toEqual(reference.blockTxids(h)!.slice(1));
      }
    }
  });
});

test('rejections: the non-minimal-push spend the mempool refused is still minable (generateblock)', async () => {
  const chain = recordedChain(168);
  const hex = transcript('regtest', 'rejections', 'electrum-broadcast.jsonl')
    .map((l) => (l.sent ? (JSON.parse(l.sent) as { method: string; params: string[] }) : null))
    .filter((r) => r?.method === 'blockchain.transaction.broadcast')
    .at(-1)!.params[0]!;
  expect(() => chain.submitTx(hex)).toThrow(/Data push larger than necessary/);
  chain.mineRaw([hex]);
  expect(chain.nameState('dd/echo')).toMatchObject({ value: '{"ip":"192.0.2.56"}', height: 169, expiresIn: 30 });
  expect(chain.blockTxids(169)!.slice(1)).toEqual(recordedChain(169).blockTxids(169)!.slice(1));
});
