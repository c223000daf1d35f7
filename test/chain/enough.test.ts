// A run opens only the sessions it needs (min_servers), over real sockets to the simulator:
// public Namecoin Electrum servers are few and every router polls them. Dead candidates are
// replaced by the next ones in order, the run deadline bounds the search, and the built-in list
// is tried in a fresh random order each run.
import { afterEach, describe, expect, it } from 'vitest';
import { connectEnough, shuffleServers } from '../../src/chain/failover.ts';
import { PinStore } from '../../src/chain/pins.ts';
import { DEFAULT_SERVERS, parseServerUrl, type ServerAddress } from '../../src/chain/servers.ts';
import { candidateServers, openChain, type ChainSessions, type ChainSettings } from '../../src/chain/session.ts';
import { hotKeyFromWif, hotScript } from '../../src/sign/keys.ts';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { chainError, FAST, holdExample, query, regtest, tempPinFiles } from './helpers.ts';

const sims: Simulator[] = [];
const chains: ChainSessions[] = [];
afterEach(async () => {
  for (const c of chains.splice(0)) await c.close();
  for (const s of sims.splice(0)) await s.close();
});

/** `n` servers on one chain holding dd/example at the hot address with a fee coin. */
async function servers(n: number): Promise<Simulator[]> {
  const first = await startSimulator();
  holdExample(first);
  const out = [first];
  for (let i = 1; i < n; i++) out.push(await startSimulator({ chain: first.chain }));
  sims.push(...out);
  return out;
}

const pinFile = tempPinFiles('nmcddns-enough-');
const connections = (list: readonly Simulator[]): number[] => list.map((s) => s.stats.connections);

async function open(list: readonly Simulator[], minServers: number, extra: Partial<ChainSettings> = {}): Promise<ChainSessions> {
  const chain = await openChain({ network: 'regtest', servers: list.map((s) => s.url), minServers, pinFile: pinFile(), transport: FAST, ...extra });
  chains.push(chain);
  return chain;
}

describe('openChain opens min_servers sessions, no more', () => {
  it('4 configured servers, min_servers 2: the first two see a connection, the lookup agrees over them', async () => {
    const list = await servers(4);
    const chain = await open(list, 2);
    expect(connections(list)).toEqual([1, 1, 0, 0]);
    expect(chain.clients.map((c) => c.server.url)).toEqual([list[0]!.url, list[1]!.url]);
    expect(chain.failures).toEqual([]);
    const state = await chain.lookup(query);
    expect(state.servers).toEqual([list[0]!.url, list[1]!.url]);
    expect(state.confirmed?.value).toBe('{"ip":"192.0.2.1"}');
    expect(connections(list)).toEqual([1, 1, 0, 0]); // the lookup reuses the sessions
  });

  it('a dead first server is replaced by the third; the fourth is never contacted', async () => {
    const list = await servers(4);
    list[0]!.faults.refuse = true;
    const chain = await open(list, 2);
    expect(chain.clients.map((c) => c.server.url)).toEqual([list[1]!.url, list[2]!.url]);
    expect(chain.failures.map((f) => [f.server, f.error.code])).toEqual([[list[0]!.url, 'connect']]);
    expect(connections(list)).toEqual([1, 1, 1, 0]);
    const state = await chain.lookup(query);
    expect(state.servers).toEqual([list[1]!.url, list[2]!.url]);
    expect(state.failures.map((f) => f.server)).toEqual([list[0]!.url]);
  });

  it('a session that breaks during the lookup is replaced by the next candidate', async () => {
    const list = await servers(4);
    // The first negotiates, then never answers listunspent: without a replacement every run with
    // this configured list would stop at it.
    list[0]!.faults.onlyMethods = ['blockchain.scripthash.listunspent'];
    list[0]!.faults.hang = true;
    const chain = await open(list, 2, { transport: { ...FAST, requestTimeoutMs: 1000 } });
    expect(connections(list)).toEqual([1, 1, 0, 0]);
    const state = await chain.lookup(query);
    expect(state.servers).toEqual([list[1]!.url, list[2]!.url]);
    expect(state.failures.map((f) => [f.server, f.error.code])).toEqual([[list[0]!.url, 'timeout']]);
    expect(connections(list)).toEqual([1, 1, 1, 0]); // one replacement, no more
    expect(chain.clients.map((c) => c.server.url)).toContain(list[2]!.url); // it gets the broadcast and the close

    // Out of candidates: too few, naming the broken one.
    const two = await servers(2);
    two[0]!.faults.onlyMethods = ['blockchain.scripthash.listunspent'];
    two[0]!.faults.hang = true;
    const short = await open(two, 2, { transport: { ...FAST, requestTimeoutMs: 1000 } });
    const e = await chainError(short.lookup(query));
    expect(e.code).toBe('too-few-servers');
    expect(e.message).toContain(`${two[0]!.url}: no reply to blockchain.scripthash.listunspent`);
  });

  it('a name verdict (not at the hot address) is an answer: no replacement is opened for it', async () => {
    const list = await servers(3);
    const other = hotScript(hotKeyFromWif('cTcpidRjJoBS9sh4VHjGDygfhgWiDDYvknPiY7Xxf7jxmJazB7D1', regtest, 'p2pkh'));
    const chain = await open(list, 2);
    const e = await chainError(chain.lookup({ ...query, hotScript: other }));
    expect(e.code).toBe('name-not-owned');
    expect(connections(list)).toEqual([1, 1, 0]);
  });

  it('sessions come back in candidate order, whichever negotiates first', async () => {
    const list = await servers(2);
    list[0]!.faults.delayMs = 300; // the first candidate answers last
    const chain = await open(list, 2);
    expect(chain.clients.map((c) => c.server.url)).toEqual([list[0]!.url, list[1]!.url]);
  });

  it('too few live servers: too-few-servers naming each failure', async () => {
    const list = await servers(3);
    list[0]!.faults.refuse = true;
    list[2]!.faults.garbage = true;
    const e = await chainError(open(list, 2));
    expect(e.code).toBe('too-few-servers');
    expect(e.message).toContain('only 1 of 3 Electrum servers could be used, min_servers is 2; publishing nothing');
    expect(e.message).toContain(`${list[0]!.url}: `);
    expect(e.message).toContain(`${list[2]!.url}: `);
    expect(e.message).not.toContain(`${list[1]!.url}: `);
    expect(connections(list)).toEqual([1, 1, 1]);
  });

  it("connect 'all' (diagnostics) still tries every server", async () => {
    const list = await servers(4);
    list[3]!.faults.refuse = true;
    const chain = await open(list, 1, { connect: 'all' });
    expect(connections(list)).toEqual([1, 1, 1, 1]);
    expect(chain.clients).toHaveLength(3);
    expect(chain.failures.map((f) => f.server)).toEqual([list[3]!.url]);
  });

  it('12 hung servers: the search ends within the run deadline, every server accounted for', async () => {
    const list = await servers(12);
    for (const s of list) s.faults.hang = true;
    // Without the deadline: 12 servers / 2 lanes × 5 s each = 30 s. The bound is 10× the run
    // deadline (room for a loaded 2-core CI), and still half of what ignoring it would cost.
    const transport = { ...FAST, connectTimeoutMs: 1000, requestTimeoutMs: 5000, runTimeoutMs: 1500 };
    const t0 = Date.now();
    const e = await chainError(open(list, 2, { transport }));
    const took = Date.now() - t0;
    expect(e.code).toBe('too-few-servers');
    expect(took).toBeLessThan(15_000);
    for (const s of list) expect(e.message).toContain(`${s.url}: `);
    expect(e.message).toContain('not tried, the run deadline passed');
    for (const n of connections(list)) expect(n).toBeLessThanOrEqual(1);
  });
});

describe('connectEnough', () => {
  it('wants more than there are: returns every one that works', async () => {
    const list = await servers(2);
    const r = await connectEnough(list.map((s) => parseServerUrl(s.url)), 5, { ...FAST, pins: new PinStore({ file: pinFile() }) });
    try {
      expect(r.clients.map((c) => c.server.url)).toEqual(list.map((s) => s.url));
      expect(r.failures).toEqual([]);
    } finally {
      await Promise.all(r.clients.map((c) => c.close()));
    }
  });

  it.each([0, -1, 1.5, Number.NaN])('want %s is refused', async (want) => {
    await expect(connectEnough([], want)).rejects.toThrow(/want must be a whole number ≥ 1/);
  });
});

describe('candidate order', () => {
  const mainnet = DEFAULT_SERVERS.mainnet.map(parseServerUrl);
  const urls = (l: readonly ServerAddress[]): string[] => l.map((s) => s.url);

  it('the built-in list goes through the order function; a configured list keeps its order', () => {
    const reverse = (l: readonly ServerAddress[]): ServerAddress[] => [...l].reverse();
    expect(urls(candidateServers({ network: 'mainnet', order: reverse }))).toEqual(urls(mainnet).reverse());
    expect(urls(candidateServers({ network: 'mainnet', servers: [], order: reverse }))).toEqual(urls(mainnet).reverse());
    const mine = ['tcp://b.example:1', 'tls://a.example:2', 'tls://c.example:3'];
    expect(urls(candidateServers({ network: 'mainnet', servers: mine, order: reverse }))).toEqual(mine);
  });

  it('openChain connects to the built-in list in the injected order', async () => {
    const list = await servers(3);
    let given: string[] = [];
    // Regtest's built-in list is one local server; the injected order replaces it with the simulators, last first.
    const order = (l: readonly ServerAddress[]): ServerAddress[] => {
      given = urls(l);
      return [...list].reverse().map((s) => parseServerUrl(s.url));
    };
    const chain = await openChain({ network: 'regtest', minServers: 1, pinFile: pinFile(), transport: FAST, order });
    chains.push(chain);
    expect(given).toEqual(DEFAULT_SERVERS.regtest);
    expect(chain.clients.map((c) => c.server.url)).toEqual([list[2]!.url]);
    expect(connections(list)).toEqual([0, 0, 1]);
  });

  it('the default shuffle is a permutation, different from run to run, each server sometimes first', () => {
    const firsts = new Set<string>();
    const orders = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const order = urls(candidateServers({ network: 'mainnet' }));
      expect([...order].sort()).toEqual(urls(mainnet).sort());
      firsts.add(order[0]!);
      orders.add(order.join(' '));
    }
    // 17 servers, 300 runs: a given one is never first with probability (16/17)^300 ≈ 1.3e-8.
    expect(firsts.size).toBe(mainnet.length);
    expect(orders.size).toBeGreaterThan(250); // 17! orders: repeats are vanishingly rare
  });

  it('shuffleServers leaves its input alone and keeps every element', () => {
    const input = Object.freeze([1, 2, 3, 4, 5]);
    const out = shuffleServers(input);
    expect(out).not.toBe(input);
    expect([...out].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(shuffleServers([])).toEqual([]);
    expect(shuffleServers(['only'])).toEqual(['only']);
  });
});
