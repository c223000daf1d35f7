// The chain client against the project's ElectrumX regtest simulator (test/sim/) over real TCP
// and TLS sockets: a whole lookup → sign → broadcast → mine cycle, TLS pinning, every fault
// knob, and servers that lie — each ending in time, failing over or refusing to act.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectElectrum, type ElectrumClient } from '../../src/chain/electrum.ts';
import type { ChainError } from '../../src/chain/errors.ts';
import { connectFirst } from '../../src/chain/failover.ts';
import { assertUpdatable, lookupNameState } from '../../src/chain/namestate.ts';
import { PinStore } from '../../src/chain/pins.ts';
import { parseServerUrl } from '../../src/chain/servers.ts';
import { openChain, type ChainSessions } from '../../src/chain/session.ts';
import { hotKeyFromWif, hotScript, hotAddress } from '../../src/sign/keys.ts';
import { buildNameUpdate } from '../../src/sign/update.ts';
import { replacementPolicy } from '../../src/decide/fees.ts';
import { makeSelfSignedCert, startSimulator, type Simulator } from '../sim/index.ts';
import { chainError, FAST, holdExample, HOT, key, NAME, query, regtest, tempPinFiles } from './helpers.ts';

const other = hotKeyFromWif('cTM6CN9jmW8iVyXNxwfcKm2MGSc3f2RFxPwxxsXb9KQ755WrMNBw', regtest, 'p2wpkh');
// For the fault cases: short, so that "ends within its timeout" is measurable, yet long enough
// that the healthy server's replies (the failover target, the other methods mid-session) never
// hit it on a busy 2-core machine: 500 ms did (timeouts where a good reply was expected).
const SHORT = { ...FAST, connectTimeoutMs: 3000, requestTimeoutMs: 2000 };
/**
 * Wall-clock bound on a fault case: 7.5× the request timeout, room for a loaded CI, and still
 * below what a missed timeout costs (a hang is forever, the delay case waits DELAY_MS).
 */
const FAULT_BOUND_MS = 15_000;
/** Far beyond SHORT's request timeout: a client that waited for the reply would overrun FAULT_BOUND_MS. */
const DELAY_MS = 20_000;

const sims: Simulator[] = [];
const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
  for (const s of sims.splice(0)) await s.close();
});

async function sim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator(opts);
  sims.push(s);
  return s;
}

/** A simulator with dd/example at the hot address and one 1 NMC fee coin. */
async function world(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await sim(opts);
  holdExample(s);
  return s;
}

const pinFile = tempPinFiles('nmcddns-simpins-');

async function client(s: Simulator, extra: Parameters<typeof connectElectrum>[1] = {}): Promise<ElectrumClient> {
  const c = await connectElectrum(parseServerUrl(s.url), { ...FAST, pins: new PinStore({ file: pinFile() }), ...extra });
  closers.push(c);
  return c;
}

async function chainOf(servers: Simulator[], minServers: number): Promise<ChainSessions> {
  const chain = await openChain({ network: 'regtest', servers: servers.map((s) => s.url), minServers, pinFile: pinFile(), transport: FAST });
  closers.push(chain);
  return chain;
}

function sign(state: Awaited<ReturnType<ChainSessions['lookup']>>, value: string) {
  return buildNameUpdate({
    key, name: NAME, value, nameCoin: state.nameCoin!, feeCoins: state.feeCoins.filter((c) => c.height > 0),
    fee: { feeRate: state.feeRate, maxFee: 200_000, maxFeeRate: 1000 }, expiresIn: state.expiresIn ?? undefined,
  });
}

describe('a whole update cycle through two agreeing servers', () => {
  it.each([['tcp', false], ['tls', true]] as const)('over %s: lookup, sign, broadcast to both, pending, mined', async (_t, tls) => {
    const a = await world({ tls });
    const b = await sim({ tls, chain: a.chain });
    const chain = await chainOf([a, b], 2);
    const before = await chain.lookup(query);
    expect(before.servers).toEqual([a.url, b.url]);
    expect(before.confirmed?.value).toBe('{"ip":"192.0.2.1"}');
    expect(before.expiresIn).toBe(a.chain.nameState(NAME)!.expiresIn); // the simulator's own count
    expect(before.expiresIn).toBe(29); // registered, then one more block for the fee coin
    expect(before.pending).toBeNull();
    expect(before.feeCoins).toHaveLength(1);

    const tx = sign(before, '{"ip":"192.0.2.2"}');
    const report = await chain.broadcast(tx.hex, tx.txid);
    expect(report.accepted).toBe(true);
    expect(report.results.map((r) => r.outcome).sort()).toEqual(['accepted', 'accepted']); // the second is a re-broadcast: txid again
    expect(a.chain.inMempool(tx.txid)).toBe(true);

    const pending = await chain.lookup(query);
    expect(pending.pending).toMatchObject({ txid: tx.txid, value: '{"ip":"192.0.2.2"}', fee: tx.fee, vsize: tx.vsize });
    expect(pending.nameCoin).toMatchObject({ txid: tx.txid, height: 0 });
    expect(pending.confirmed?.value).toBe('{"ip":"192.0.2.1"}');

    a.chain.mine();
    const mined = await chain.lookup(query);
    expect(mined.pending).toBeNull();
    expect(mined.confirmed).toMatchObject({ txid: tx.txid, value: '{"ip":"192.0.2.2"}', address: hotAddress(key) });
    expect(mined.expiresIn).toBe(30);
  });
});

describe('name states on the simulator', () => {
  it('expired: after 30 blocks the name is expired and cannot be updated', async () => {
    const s = await world();
    s.chain.mine(28);
    const c = await client(s);
    const at1 = await lookupNameState(c, query);
    expect(at1.expiresIn).toBe(1);
    expect(() => assertUpdatable(at1, NAME)).toThrow(/next block/);
    s.chain.mine(1);
    const at0 = await lookupNameState(c, query);
    expect(at0).toMatchObject({ expiresIn: 0, expired: true });
    expect(() => assertUpdatable(at0, NAME)).toThrow(`${NAME} expired at height ${at0.tipHeight}`);
  });

  it('a name that sits at another address, and one that does not exist', async () => {
    const s = await world();
    s.chain.registerName('dd/elsewhere', '{}', hotScript(other));
    const c = await client(s);
    const e = await chainError(lookupNameState(c, { ...query, name: 'dd/elsewhere' }));
    expect(e.code).toBe('name-not-owned');
    expect(e.message).toBe(`dd/elsewhere is not owned by this key: it sits at ${hotAddress(other)}, the hot address is ${hotAddress(key)}`);
    expect((await chainError(lookupNameState(c, { ...query, name: 'dd/nobody' }))).code).toBe('name-not-found');
  });

  it('no fee coins: only the name coin', async () => {
    const s = await sim();
    s.chain.registerName(NAME, '{"ip":"192.0.2.1"}', HOT);
    const state = await lookupNameState(await client(s), query);
    expect(state.feeCoins).toEqual([]);
    expect(state.nameCoin?.value).toBe(1_000_000);
  });

  it('a hot address with many coins: at most maxFundingTxs transactions are fetched, the name coin first', async () => {
    const s = await world();
    for (let i = 0; i < 30; i++) s.chain.fund(HOT, 200_000 + i * 1000);
    s.chain.mine();
    const c = await client(s);
    const before = s.stats.byMethod['blockchain.transaction.get'] ?? 0;
    const st = await lookupNameState(c, { ...query, maxFundingTxs: 5 });
    expect(s.stats.byMethod['blockchain.transaction.get']! - before).toBe(5);
    expect(st.nameCoin?.name).toBe(NAME);
    // The biggest coins were kept: the 1 NMC coin and the three largest small ones.
    expect(st.feeCoins.map((f) => f.value)).toEqual([100_000_000, 229_000, 228_000, 227_000]);
  });

  it('at protocol 1.4.2 (ElectrumX 1.16) the relay fee comes from blockchain.relayfee', async () => {
    const s = await world({ protocolMax: '1.4.2', serverVersion: 'ElectrumX 1.16.0', relayFee: 0.0012, estimateFee: -1 });
    const c = await client(s);
    expect(c.protocolVersion).toBe('1.4.2');
    const st = await lookupNameState(c, query);
    expect(st.relayFeeRate).toBe(120);
    expect(st.feeRate).toBe(120);
    expect(s.stats.byMethod['blockchain.relayfee']).toBe(1);
    expect(s.stats.byMethod['mempool.get_info']).toBeUndefined();
  });
});

describe('TLS pinning against the simulator', () => {
  it('first use records the fingerprint; a changed certificate is refused; a configured pin wins', async () => {
    const s = await world({ tls: true });
    const file = pinFile();
    const server = parseServerUrl(s.url);
    const c1 = await connectElectrum(server, { ...FAST, pins: new PinStore({ file }) });
    closers.push(c1);
    expect(c1.pinSource).toBe('first-use');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [server.key]: s.certFingerprint });

    // "The same server" (same host:port) comes back with another certificate.
    const port = s.port;
    await s.close();
    sims.splice(sims.indexOf(s), 1);
    const rotated = await sim({ tls: true, port, cert: makeSelfSignedCert() });
    const e = await chainError(connectElectrum(server, { ...FAST, pins: new PinStore({ file }) }));
    expect(e.code).toBe('tls-pin');
    expect(e.message).toContain(`nmcddns pins --forget ${server.key}`);
    expect(rotated.stats.requests).toBe(0);

    const configured = new Map([[server.key, rotated.certFingerprint!]]);
    const c2 = await connectElectrum(server, { ...FAST, pins: new PinStore({ file, configured }) });
    closers.push(c2);
    expect(c2.pinSource).toBe('config');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [server.key]: s.certFingerprint }); // never rewritten
    writeFileSync(file, '{}');
  });
});

describe('fault knobs: each ends within its timeout, and failover finds the good server', () => {
  const cases: Array<[string, (s: Simulator) => void, string]> = [
    ['refuse', (s) => { s.faults.refuse = true; }, 'connect'],
    ['hang', (s) => { s.faults.hang = true; }, 'timeout'],
    ['delay beyond the request timeout', (s) => { s.faults.delayMs = DELAY_MS; }, 'timeout'],
    ['drop mid-line', (s) => { s.faults.dropMidLine = true; }, 'connect'],
    ['garbage', (s) => { s.faults.garbage = true; }, 'protocol'],
    ['a 50 MB line', (s) => { s.faults.oversizedLine = 50 * 1024 * 1024; }, 'line-too-long'],
    ['an endless line', (s) => { s.faults.oversizedLine = 'endless'; }, 'line-too-long'],
  ];

  it.each(cases)('%s', async (_name, breakIt, code) => {
    const bad = await world();
    const good = await sim({ chain: bad.chain });
    breakIt(bad);
    const t0 = Date.now();
    const e = await chainError(connectElectrum(parseServerUrl(bad.url), SHORT));
    expect(e.code).toBe(code);
    expect(e.server).toBe(bad.url);
    expect(e.message.startsWith(`${bad.url}: `)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(FAULT_BOUND_MS);
    const { client: c, failures } = await connectFirst([bad.url, good.url].map(parseServerUrl), SHORT);
    closers.push(c);
    expect(c.server.url).toBe(good.url);
    expect(failures.map((f) => f.error.code)).toEqual([code]);
    expect((await lookupNameState(c, query)).confirmed?.value).toBe('{"ip":"192.0.2.1"}');
  }, 60_000);

  it('a fault that hits only the name-state methods mid-session', async () => {
    const s = await world();
    const c = await client(s, SHORT);
    s.faults.onlyMethods = ['blockchain.transaction.get'];
    s.faults.hang = true;
    const t0 = Date.now();
    const e = await chainError(lookupNameState(c, query));
    expect(e.code).toBe('timeout');
    expect(e.message).toContain(`no reply to blockchain.transaction.get within ${SHORT.requestTimeoutMs} ms`);
    expect(Date.now() - t0).toBeLessThan(FAULT_BOUND_MS);
  });
});

describe('lying servers: no broadcast on a lie two servers do not confirm', () => {
  async function honestAndLiar(lie: (liar: Simulator, honest: Simulator) => void | Promise<void>): Promise<{ honest: Simulator; liar: Simulator; error: ChainError }> {
    const honest = await world();
    const liar = await sim({ chain: honest.chain });
    await lie(liar, honest);
    const chain = await chainOf([honest, liar], 2);
    const error = await chainError(chain.lookup(query));
    // The run stops at the lookup: nothing reached either server's broadcast method.
    expect(honest.stats.byMethod['blockchain.transaction.broadcast']).toBeUndefined();
    expect(liar.stats.byMethod['blockchain.transaction.broadcast']).toBeUndefined();
    expect(honest.chain.mempool).toEqual([]);
    return { honest, liar, error };
  }

  it('about the tip', async () => {
    const { error, liar } = await honestAndLiar((l) => { l.faults.lies.tipHeight = 500; });
    expect(error.code).toBe('disagree');
    expect(error.message).toContain('tip height');
    expect(error.message).toContain(`${liar.url} says 500`);
  });

  it('about the name coin (hidden, as if it had moved)', async () => {
    const { error } = await honestAndLiar((l, h) => {
      const st = h.chain.nameState(NAME)!;
      l.faults.lies.hideOutpoints = [`${st.txid}:${st.vout}`];
    });
    // The liar then says the name is not at the hot address: a verdict the honest one contradicts.
    expect(error.code).toBe('disagree');
    expect(error.message).toMatch(/says: dd\/example/);
  });

  it('about the value, consistently (a forked chain with another update)', async () => {
    const { error } = await honestAndLiar((l, h) => {
      const fork = h.chain.fork();
      fork.forceNameUpdate(NAME, '{"ip":"203.0.113.66"}');
      l.useChain(fork);
    });
    expect(error.code).toBe('disagree');
    expect(error.message).toMatch(/name coin|latest confirmed update|name value/);
  });

  it('about the value, clumsily (rewritten transactions no longer hash to their txid)', async () => {
    const { error } = await honestAndLiar((l) => { l.faults.lies.nameValue = { name: NAME, value: '{"ip":"203.0.113.66"}' }; });
    // The liar is caught alone and dropped; one server left is fewer than min_servers 2.
    expect(error.code).toBe('too-few-servers');
    expect(error.message).toContain('asked for transaction');
  });

  it('about the fee: the signer caps what a server can make it pay', async () => {
    const honest = await world();
    const liar = await sim({ chain: honest.chain });
    liar.faults.lies.estimateFee = 1.0; // 100,000 sat/vB
    const chain = await chainOf([honest, liar], 2);
    const state = await chain.lookup(query);
    expect(state.feeRate).toBe(100_000);
    expect(() => sign(state, '{"ip":"192.0.2.9"}')).toThrow(/above/);
  });

  it('about the broadcast txid', async () => {
    const honest = await world();
    const liar = await sim({ chain: honest.chain });
    liar.faults.lies.broadcastTxid = 'ab'.repeat(32);
    const chain = await chainOf([liar, honest], 2);
    const state = await chain.lookup(query);
    const tx = sign(state, '{"ip":"192.0.2.3"}');
    const report = await chain.broadcast(tx.hex, tx.txid);
    expect(report.results.map((r) => r.outcome)).toEqual(['txid-mismatch', 'accepted']);
    expect(report.accepted).toBe(true);
  });

  it('a pending update can be replaced (RBF) from what the lookup reports', async () => {
    const s = await world();
    const chain = await chainOf([s], 1);
    const first = sign(await chain.lookup(query), '{"ip":"192.0.2.6"}');
    expect((await chain.broadcast(first.hex, first.txid)).accepted).toBe(true);
    const pending = await chain.lookup(query);
    const p = pending.pending!;
    expect(p.txid).toBe(first.txid);
    expect(p.nameInput).not.toBeNull();
    // Replace it: same name input and fee inputs, the BIP125 floor from decide/fees.
    const policy = replacementPolicy(p, pending.feeRate, p.vsize);
    const repl = buildNameUpdate({
      key, name: NAME, value: '{"ip":"192.0.2.7"}', nameCoin: p.nameInput!, feeCoins: p.feeInputs,
      fee: { feeRate: policy.feeRate, minFee: policy.minFee, maxFee: 200_000, maxFeeRate: 1000 }, expiresIn: pending.expiresIn ?? undefined,
    });
    const r = await chain.broadcast(repl.hex, repl.txid);
    expect(r.results[0]).toMatchObject({ outcome: 'accepted' });
    const after = await chain.lookup(query);
    expect(after.pending).toMatchObject({ txid: repl.txid, value: '{"ip":"192.0.2.7"}' });
    expect(s.chain.inMempool(first.txid)).toBe(false);
  });

  it('rejections are categorised (a same-fee replacement is fee-too-low)', async () => {
    const s = await world();
    const chain = await chainOf([s], 1);
    const state = await chain.lookup(query);
    const first = sign(state, '{"ip":"192.0.2.4"}');
    expect((await chain.broadcast(first.hex, first.txid)).accepted).toBe(true);
    const same = sign(state, '{"ip":"192.0.2.5"}'); // same inputs, same rate: BIP125 refuses it
    const r = await chain.broadcast(same.hex, same.txid);
    expect(r.accepted).toBe(false);
    expect(r.results[0]).toMatchObject({ outcome: 'rejected', category: 'fee-too-low' });
  });
});
