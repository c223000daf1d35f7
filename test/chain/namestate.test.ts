// Name-state lookups against a loopback server answering with ElectrumX's recorded views of the
// fixture scenarios (pending update, mined, chained updates, expiry) and the recorded
// transactions; then names elsewhere, absent names, and servers that lie.
import * as bitcoin from 'bitcoinjs-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { connectElectrum, type ElectrumClient } from '../../src/chain/electrum.ts';
import { ChainError } from '../../src/chain/errors.ts';
import { assertUpdatable, lookupNameState, nmcPerKbToSatPerVb, type NameState } from '../../src/chain/namestate.ts';
import { parseServerUrl } from '../../src/chain/servers.ts';
import { hexToBytes } from '../../src/sign/bytes.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { readFixtureJson } from '../helpers/fixtures.ts';
import type { LineServer } from './loopback.ts';
import { recordedTransactions, startRecordedServer, type RecordedView } from './recorded.ts';

const regtest = getNetwork('regtest');
const KEY1_P2WPKH = hexToBytes('001450115c5bf71fc8ec663a8825f4fcefde347912c0');
const KEY2_P2WPKH = hexToBytes('001461982b8bf49a013093a409e0826afb7091182661');
const KEY3_P2WPKH = hexToBytes('00146c1fbb516bb7d68e7ea8579e8a71de4ca8717017');
const KEY1_SH = '1b95aec922244f4af50e2b04a266c6955a42271246de38924a0ffc04abdc520d';
const KEY2_SH = 'f5c3bda29927856287e729e7c7ae015707ca06d36bbbefc4166e16711904d50e';
const ALPHA_SH = '1459811f851c4b4c0684a1789134a301b91279182a42f7831b6c0ddd966bffd8';
const DELTA_SH = '72180aacbe138ccccda705eaa221263c133cb9600d2bbc5db8af74a32f6f4ea4';

type Recorded = { owner: { listunspent: { result: unknown[] }; get_history: { result: unknown[] } }; name_index: { get_history: { result: unknown[] } } };

const open: Array<LineServer | ElectrumClient> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function lookup(view: RecordedView, name: string, hotScript: Uint8Array): Promise<NameState> {
  const server = await startRecordedServer(view);
  open.push(server);
  const client = await connectElectrum(parseServerUrl(server.url), { pingIntervalMs: 0, requestTimeoutMs: 3000 });
  open.push(client);
  return lookupNameState(client, { name, hotScript, network: regtest });
}

async function lookupError(view: RecordedView, name: string, hotScript: Uint8Array): Promise<ChainError> {
  const e = await lookup(view, name, hotScript).then(
    () => { throw new Error('expected the lookup to fail'); },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ChainError);
  return e as ChainError;
}

function viewOf(rec: Recorded, tip: number, ownerSh: string, indexSh: string): RecordedView {
  return { tip, listunspent: { [ownerSh]: rec.owner.listunspent.result }, history: { [ownerSh]: rec.owner.get_history.result, [indexSh]: rec.name_index.get_history.result } };
}

const pendingView = (): RecordedView => viewOf(readFixtureJson<Recorded>('regtest', 'p2wpkh-update', 'update.electrum-pending.json'), 164, KEY1_SH, ALPHA_SH);
const minedView = (): RecordedView => viewOf(readFixtureJson<Recorded>('regtest', 'p2wpkh-update', 'update.electrum-after-mined.json'), 165, KEY1_SH, ALPHA_SH);

describe('lookupNameState on recorded ElectrumX views', () => {
  it('a pending update (p2wpkh-update, tip 164): name coin in the mempool, fee from its inputs', async () => {
    const s = await lookup(pendingView(), 'dd/alpha', KEY1_P2WPKH);
    expect(s.tipHeight).toBe(164);
    expect(s.nameCoin).toMatchObject({ txid: '3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5', vout: 0, value: 1000000, height: 0, name: 'dd/alpha', nameValue: '{"ip":"192.0.2.11"}', op: 'name_update' });
    expect(s.confirmed).toEqual({ txid: 'da8aca81cef822a2274abf7e5e2ae5f02cad8742d93edadc47b53b6be46daa28', vout: 0, height: 163, value: '{"ip":"192.0.2.1"}', address: 'ncrt1q2qg4cklhrlywce363qjlfl80mc68jykqvk2uzu' });
    // Recorded: vsize 240, fee 48000 sat (200 sat/vB); the server's `fee` field was not used.
    expect(s.pending).toMatchObject({ txid: '3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5', value: '{"ip":"192.0.2.11"}', fee: 48000, vsize: 240, feeRate: 200 });
    // What a replacement must spend, though listunspent hides it while the update is pending.
    expect(s.pending!.nameInput).toMatchObject({ txid: 'da8aca81cef822a2274abf7e5e2ae5f02cad8742d93edadc47b53b6be46daa28', vout: 0, value: 1000000 });
    expect(s.pending!.feeInputs.map((c) => [c.txid, c.vout, c.value])).toEqual([['c601515b702079bf907eb72b9d52ba82511fde9e7f231ee0f3faf1c3bae0553f', 0, 100000000]]);
    expect(s.expiresIn).toBe(163 + 30 - 164);
    expect(s.expired).toBe(false);
    // The three 1 NMC coins and the pending change; the name coin is not among them.
    expect(s.feeCoins.map((c) => `${c.txid.slice(0, 8)}:${c.vout}:${c.height}`).sort()).toEqual(['2d9dcaeb:1:164', '2f70df3f:0:164', '3cc77075:1:0', '9c51e64e:0:164']);
    expect(s.feeCoins.every((c) => c.script.length === 22)).toBe(true);
    expect(s.feeRate).toBe(100);
    expect(s.relayFeeRate).toBe(100);
    expect(s.estimatedFeeRate).toBe(100);
  });

  it('the same update after it was mined (tip 165): confirmed, no pending, expires_in 30', async () => {
    const s = await lookup(minedView(), 'dd/alpha', KEY1_P2WPKH);
    expect(s.pending).toBeNull();
    expect(s.nameCoin).toMatchObject({ txid: '3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5', vout: 0, height: 165 });
    expect(s.confirmed).toMatchObject({ txid: '3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5', height: 165, value: '{"ip":"192.0.2.11"}' });
    // name_show after mining: expires_in 30.
    expect(s.expiresIn).toBe(readFixtureJson<{ expires_in: number }>('regtest', 'p2wpkh-update', 'update.name_show.json').expires_in);
    expect(() => assertUpdatable(s, 'dd/alpha')).not.toThrow();
  });

  it('two chained pending updates (rbf-and-chains): the newest is pending, fee of that one alone', async () => {
    const sc = readFixtureJson<{ electrum_chain_pending: Recorded; electrum_after_mined: Recorded }>('regtest', 'rbf-and-chains', 'scenario.json');
    const s = await lookup(viewOf(sc.electrum_chain_pending, 169, KEY1_SH, ALPHA_SH), 'dd/alpha', KEY1_P2WPKH);
    expect(s.pending).toMatchObject({ txid: '76c47d835f24549d33c52ca9817107ddf3fa8d4ffe88e4211c6f8d8da6ed5944', value: '{"ip":"192.0.2.54"}', fee: 48000, vsize: 240, feeRate: 200 });
    // u2 spends the unconfirmed name output of the replacement and fee coin b.
    expect(s.pending!.nameInput).toMatchObject({ txid: '2de53c8e82687faba9c3a27343c2f49691d95a276c95437a9d59e401a839f97d', vout: 0 });
    expect(s.pending!.feeInputs.map((c) => `${c.txid}:${c.vout}`)).toEqual(['2f70df3fed30fa0a16ee9d71151887007c7c8712d223ab7cc9e7e2b0caf6c70e:0']);
    expect(s.confirmed?.height).toBe(165);
    // After mining both in block 170 the later one (spending the other) is the confirmed state.
    const m = await lookup(viewOf(sc.electrum_after_mined, 170, KEY1_SH, ALPHA_SH), 'dd/alpha', KEY1_P2WPKH);
    expect(m.confirmed).toMatchObject({ txid: '76c47d835f24549d33c52ca9817107ddf3fa8d4ffe88e4211c6f8d8da6ed5944', height: 170, value: '{"ip":"192.0.2.54"}' });
    expect(m.pending).toBeNull();
  });

  it('an expired name (expiry, tip 193): ElectrumX still lists the coin; the client computes the expiry', async () => {
    const sc = readFixtureJson<{ steps: Array<{ height: number; electrum_view: Recorded }> }>('regtest', 'expiry', 'scenario.json');
    const step = sc.steps.find((st) => st.height === 193)!;
    const view = viewOf(step.electrum_view, 193, KEY2_SH, DELTA_SH);
    // 9d516bab… (a key2 fee coin) is the one recorded funding transaction the fixtures lack.
    view.listunspent[KEY2_SH] = view.listunspent[KEY2_SH]!.filter((u) => !(u as { tx_hash: string }).tx_hash.startsWith('9d516bab'));
    const s = await lookup(view, 'dd/delta', KEY2_P2WPKH);
    expect(s.nameCoin).toMatchObject({ txid: 'b516d0594a669e86b07ef1c927cc0db603d6eab8fde3301a0114b1b8f142a7b4', vout: 1, height: 163, op: 'name_firstupdate' });
    expect(s.expiresIn).toBe(0);
    expect(s.expired).toBe(true);
    expect(() => assertUpdatable(s, 'dd/delta')).toThrow(/dd\/delta expired at height 193 \(last update at 163, tip 193\)/);
    // One block earlier (expires_in 1) Core already dropped the coin: refused as well.
    const s192 = await lookup({ ...view, tip: 192 }, 'dd/delta', KEY2_P2WPKH);
    expect(s192.expired).toBe(false);
    let e: unknown;
    try { assertUpdatable(s192, 'dd/delta'); } catch (x) { e = x; }
    expect((e as ChainError).code).toBe('name-expired');
    expect((e as ChainError).message).toContain('expires at height 193, the next block');
  });

  it('a name whose coin sits at another address', async () => {
    const view = minedView();
    const e = await lookupError(view, 'dd/alpha', KEY3_P2WPKH);
    expect(e.code).toBe('name-not-owned');
    expect(e.message).toBe('dd/alpha is not owned by this key: it sits at ncrt1q2qg4cklhrlywce363qjlfl80mc68jykqvk2uzu, the hot address is ncrt1qds0mk5ttkltgul4g270g5uw7fj58zuqhcsthcg');
  });

  it('a name that does not exist', async () => {
    const e = await lookupError(minedView(), 'dd/nonexistent', KEY1_P2WPKH);
    expect(e.code).toBe('name-not-found');
    expect(e.message).toMatch(/^dd\/nonexistent does not exist/);
  });

  it('no fee coins: only the name coin at the hot address', async () => {
    const view = minedView();
    view.listunspent[KEY1_SH] = view.listunspent[KEY1_SH]!.filter((u) => (u as { value: number }).value === 1000000);
    const s = await lookup(view, 'dd/alpha', KEY1_P2WPKH);
    expect(s.feeCoins).toEqual([]);
    expect(s.nameCoin?.value).toBe(1000000);
  });

  it('the fee rate follows estimatefee, floored at the relay fee and the network minimum', async () => {
    expect((await lookup({ ...minedView(), estimateFee: 0.0025 }, 'dd/alpha', KEY1_P2WPKH)).feeRate).toBe(250);
    const none = await lookup({ ...minedView(), estimateFee: -1, relayFee: 0.0012 }, 'dd/alpha', KEY1_P2WPKH);
    expect(none.estimatedFeeRate).toBeNull();
    expect(none.feeRate).toBe(120);
    // A server claiming a zero relay fee does not take the rate below Core's 100 sat/vB.
    expect((await lookup({ ...minedView(), estimateFee: 0.00001, relayFee: 0 }, 'dd/alpha', KEY1_P2WPKH)).feeRate).toBe(100);
    expect(nmcPerKbToSatPerVb(0.001)).toBe(100);
    expect(nmcPerKbToSatPerVb(1e-6)).toBe(0.1);
  });
});

describe('lying servers are caught by the checks a single server allows', () => {
  it('a transaction that does not hash to the txid asked for', async () => {
    const other = recordedTransactions().get('da8aca81cef822a2274abf7e5e2ae5f02cad8742d93edadc47b53b6be46daa28')!;
    const e = await lookupError({ ...minedView(), txOverride: (t) => (t.startsWith('3cc77075') ? other : undefined) }, 'dd/alpha', KEY1_P2WPKH);
    expect(e.code).toBe('bad-reply');
    expect(e.message).toContain('asked for transaction 3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5, got da8aca81');
  });

  it('a listed value that the transaction does not hold', async () => {
    const view = minedView();
    view.listunspent[KEY1_SH] = view.listunspent[KEY1_SH]!.map((u) => ((u as { value: number }).value === 1000000 ? { ...(u as object), value: 5000000 } : u));
    const e = await lookupError(view, 'dd/alpha', KEY1_P2WPKH);
    expect(e.code).toBe('bad-reply');
    expect(e.message).toContain('holds 5000000 sat, the transaction says 1000000');
  });

  it('a name index row pointing at a transaction without the name is skipped', async () => {
    const view = minedView();
    // Append a bogus newer row (a fee coin's funding tx) to the name index history.
    view.history[ALPHA_SH] = [...view.history[ALPHA_SH]!, { tx_hash: '2d9dcaebe138f684a2c40c4ee22e29f398cb2eb43c6985e05ccd6d4392731db5', height: 165 }];
    const s = await lookup(view, 'dd/alpha', KEY1_P2WPKH);
    expect(s.confirmed?.txid).toBe('3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5');
  });

  it('a pending update whose input points at an output that does not exist', async () => {
    // The liar serves a mempool "update" of its own making; it hashes to the txid it lists, but
    // its name input is output 7 of a transaction that has no output 7.
    const PENDING = '3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5';
    const forged = bitcoin.Transaction.fromHex(recordedTransactions().get(PENDING)!);
    forged.ins[0]!.index = 7;
    const forgedId = forged.getId();
    const view = pendingView();
    view.listunspent[KEY1_SH] = view.listunspent[KEY1_SH]!.map((u) => ((u as { tx_hash: string }).tx_hash === PENDING ? { ...(u as object), tx_hash: forgedId } : u));
    const e = await lookupError({ ...view, txOverride: (t) => (t === forgedId ? forged.toHex() : undefined) }, 'dd/alpha', KEY1_P2WPKH);
    expect(e.code).toBe('bad-reply');
    expect(e.server).toMatch(/^tcp:\/\/127\.0\.0\.1:/);
    expect(e.message).toMatch(new RegExp(`^${e.server}: the pending update ${forgedId} spends [0-9a-f]{64}:7, which does not exist$`));
  });

  it('a listunspent that contradicts the name index', async () => {
    const view = minedView();
    // Hide the newest update from the name index: the coin listed is newer than the index claims.
    view.history[ALPHA_SH] = view.history[ALPHA_SH]!.slice(0, 1);
    const e = await lookupError(view, 'dd/alpha', KEY1_P2WPKH);
    expect(e.code).toBe('bad-reply');
    expect(e.message).toContain('contradicts itself about dd/alpha');
  });
});
