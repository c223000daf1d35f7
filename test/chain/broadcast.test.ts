// Broadcast: every recorded ElectrumX broadcast answer (accepted, re-broadcast, each rejection)
// replayed over a real socket, judged against the locally computed txid, and categorised.
import { afterEach, describe, expect, it } from 'vitest';
import { broadcastTo, broadcastToAll, classifyRejection, rejectReason, type RejectCategory } from '../../src/chain/broadcast.ts';
import { connectElectrum, type ElectrumClient } from '../../src/chain/electrum.ts';
import { parseServerUrl } from '../../src/chain/servers.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { decodeNameTransaction } from '../../src/sign/tx-decode.ts';
import { electrumHandler, startLineServer, type LineServer } from './loopback.ts';
import { loadTranscript, startReplay } from './replay.ts';

const open: Array<LineServer | ElectrumClient> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

/** The namecoind reason of every rejection the fixtures recorded → the category it must get. */
const EXPECTED: ReadonlyArray<[string, RejectCategory]> = [
  ['mempool-script-verify-flag-failed (Signature must be zero', 'other'],
  ['mempool-script-verify-flag-failed (Data push larger than necessary)', 'other'],
  ['tx-nonname-with-name-input', 'name-rule'],
  ['tx-nameupdate-name-mismatch', 'name-rule'],
  ['tx-nameupdate-without-name-input', 'name-rule'],
  ['tx-name-greedy', 'name-rule'],
  ['bad-txns-inputs-missingorspent', 'missing-inputs'],
  ['Unspendable output exceeds maximum configured by user (maxburnamount)', 'other'],
  ['Transaction outputs already in utxo set', 'already-known'],
  ['min relay fee not met', 'fee-too-low'],
  ['insufficient fee, rejecting replacement', 'fee-too-low'],
  ['Fee exceeds maximum configured by user', 'other'],
];

const BROADCAST_SESSIONS: ReadonlyArray<[string, string]> = [
  ['p2wpkh-update', 'electrum-broadcast.jsonl'],
  ['p2pkh-update', 'electrum-broadcast.jsonl'],
  ['surplus-fee', 'electrum-broadcast.jsonl'],
  ['rejections', 'electrum-broadcast.jsonl'],
  ['rbf-and-chains', 'electrum-main.jsonl'],
  ['expiry', 'electrum-main.jsonl'],
];

describe('classifyRejection', () => {
  it('reads the reason out of the ElectrumX wrapper, without the echoed hex', () => {
    expect(rejectReason('the transaction was rejected by network rules.\n\ntx-name-greedy, Greedy name operation\n[0071abcd]')).toBe('tx-name-greedy, Greedy name operation');
  });

  it.each([
    ['txn-mempool-conflict', 'conflict'],
    ['txn-already-in-mempool', 'already-known'],
    ['txn-already-known', 'already-known'],
    ['mempool min fee not met, 100 < 200', 'fee-too-low'],
    ['tx-nameupdate-expired', 'name-rule'],
    ['txn-mempool-name-error', 'name-rule'],
    ['missing-inputs', 'missing-inputs'],
    ['something nobody has seen', 'other'],
  ] as const)('%s → %s', (reason, category) => {
    expect(classifyRejection(`the transaction was rejected by network rules.\n\n${reason}\n[00]`)).toBe(category);
  });

  it('does not look inside the echoed raw transaction', () => {
    // Hex cannot spell a reason, but a lying server could append anything after "\n[".
    expect(classifyRejection('the transaction was rejected by network rules.\n\nweird\n[txn-already-in-mempool]')).toBe('other');
  });
});

describe('recorded broadcasts, replayed', () => {
  it.each(BROADCAST_SESSIONS)('%s/%s: each answer gets the right outcome', async (scenario, file) => {
    const exchanges = loadTranscript(file, scenario);
    const server = await startReplay(exchanges, { exactIds: false });
    open.push(server);
    const client = await connectElectrum(parseServerUrl(server.url), { clientName: 'nmcddns-fixtures', protocol: ['1.4', '1.4.3'], pingIntervalMs: 0, requestTimeoutMs: 3000 });
    open.push(client);
    let broadcasts = 0;
    for (const ex of exchanges) {
      const req = JSON.parse(ex.sent) as { method: string; params: string[] };
      if (req.method !== 'blockchain.transaction.broadcast') continue;
      broadcasts++;
      const hex = req.params[0]!;
      const txid = decodeNameTransaction(hex, getNetwork('regtest')).txid;
      const reply = JSON.parse(ex.received[0]!) as { result?: string; error?: { message: string } };
      const r = await broadcastTo(client, hex, txid);
      if (reply.result !== undefined) {
        expect(reply.result).toBe(txid); // the recording itself: ElectrumX returned our txid
        expect(r).toMatchObject({ ok: true, outcome: 'accepted', txid });
      } else {
        const reason = rejectReason(reply.error!.message);
        const expected = EXPECTED.find(([prefix]) => reason.startsWith(prefix));
        expect(expected, `no expected category for recorded reason ${reason}`).toBeDefined();
        expect(r.category, reason).toBe(expected![1]);
        expect(r.ok).toBe(expected![1] === 'already-known');
        expect(r.outcome).toBe(expected![1] === 'already-known' ? 'already-known' : 'rejected');
        expect(r.message).not.toContain('\n');
        expect(r.message).not.toContain(hex.slice(0, 40)); // the echoed hex is not repeated
      }
    }
    expect(broadcasts).toBeGreaterThan(0);
    expect(server.unmatched).toEqual([]);
  });
});

describe('broadcastToAll', () => {
  it('checks every returned txid against the local one and reports each server', async () => {
    const hex = loadTranscript('electrum-broadcast.jsonl', 'p2wpkh-update').map((e) => JSON.parse(e.sent)).find((r) => r.method === 'blockchain.transaction.broadcast').params[0] as string;
    const txid = decodeNameTransaction(hex, getNetwork('regtest')).txid;
    const honest = await startLineServer({ onLine: electrumHandler({ 'blockchain.transaction.broadcast': () => txid }) });
    const liar = await startLineServer({ onLine: electrumHandler({ 'blockchain.transaction.broadcast': () => 'ab'.repeat(32) }) });
    const rejecting = await startLineServer({ onLine: electrumHandler({ 'blockchain.transaction.broadcast': () => { throw new Error('the transaction was rejected by network rules.\n\ntxn-mempool-conflict\n[00]'); } }) });
    open.push(honest, liar, rejecting);
    const clients = await Promise.all([honest, liar, rejecting].map((s) => connectElectrum(parseServerUrl(s.url), { pingIntervalMs: 0 })));
    open.push(...clients);
    // A session that dies before the broadcast counts as unreachable.
    const dying = await startLineServer({ onLine: electrumHandler({}) });
    open.push(dying);
    const dead = await connectElectrum(parseServerUrl(dying.url), { pingIntervalMs: 0 });
    await dying.close();
    await dead.closed;
    const report = await broadcastToAll([...clients, dead], hex, txid.toUpperCase());
    expect(report.txid).toBe(txid);
    expect(report.accepted).toBe(true);
    expect(report.results.map((r) => [r.outcome, r.ok])).toEqual([
      ['accepted', true],
      ['txid-mismatch', false],
      ['rejected', false],
      ['unreachable', false],
    ]);
    expect(report.results[1]!.message).toContain('did not relay this transaction');
    expect(report.results[2]!.category).toBe('conflict');
  });
});
