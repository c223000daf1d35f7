// Two sessions to one operator are one opinion: with the built-in list a run never counts two
// of them towards min_servers. Real sockets to simulators on loopback, injected as the built-in
// list with operator labels (`builtin`), so no public server is ever contacted. A configured
// list carries no labels: each of its servers counts, as before.
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_SERVERS, DEFAULT_SERVERS, operatorOf, parseServerUrl, resolveServers, type BuiltinServer, type ServerAddress } from '../../src/chain/servers.ts';
import { candidateServers, openChain, type ChainSessions, type ChainSettings } from '../../src/chain/session.ts';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { chainError, FAST, holdExample, query, tempPinFiles } from './helpers.ts';

const sims: Simulator[] = [];
const chains: ChainSessions[] = [];
afterEach(async () => {
  for (const c of chains.splice(0)) await c.close();
  for (const s of sims.splice(0)) await s.close();
});

const pinFile = tempPinFiles('nmcddns-operators-');

/** One simulator per label, all on one chain holding dd/example with a fee coin; keyed by label. */
async function world(...labels: string[]): Promise<Record<string, Simulator>> {
  const first = await startSimulator();
  holdExample(first);
  sims.push(first);
  const out: Record<string, Simulator> = { [labels[0]!]: first };
  for (const label of labels.slice(1)) {
    const s = await startSimulator({ chain: first.chain });
    sims.push(s);
    out[label] = s;
  }
  return out;
}

/** The operator of a label: 'A1' → 'A'. */
const builtinOf = (w: Record<string, Simulator>): BuiltinServer[] => Object.entries(w).map(([label, s]) => ({ url: s.url, operator: label[0]! }));
/** An order function putting the candidates in the order of `labels`. */
const inOrder = (w: Record<string, Simulator>, labels: readonly string[]) => (l: readonly ServerAddress[]): ServerAddress[] =>
  labels.map((label) => l.find((s) => s.url === w[label]!.url)!);
const connections = (w: Record<string, Simulator>): Record<string, number> => Object.fromEntries(Object.entries(w).map(([k, s]) => [k, s.stats.connections]));
const labelsOf = (w: Record<string, Simulator>, urls: readonly string[]): string[] => urls.map((u) => Object.keys(w).find((k) => w[k]!.url === u)!);

async function open(w: Record<string, Simulator>, minServers: number, extra: Partial<ChainSettings> = {}): Promise<ChainSessions> {
  const chain = await openChain({ network: 'regtest', minServers, pinFile: pinFile(), transport: FAST, builtin: builtinOf(w), ...extra });
  chains.push(chain);
  return chain;
}

const PERMUTATIONS = [
  ['A1', 'A2', 'B'], ['A1', 'B', 'A2'], ['A2', 'A1', 'B'],
  ['A2', 'B', 'A1'], ['B', 'A1', 'A2'], ['B', 'A2', 'A1'],
];

describe('built-in list: one session per operator', () => {
  it.each(PERMUTATIONS)('order %s %s %s, min_servers 2: one of A1/A2 and B, never A1 and A2', async (...order) => {
    const w = await world('A1', 'A2', 'B');
    const chain = await open(w, 2, { order: inOrder(w, order) });
    const firstA = order.find((l) => l.startsWith('A'))!;
    const otherA = firstA === 'A1' ? 'A2' : 'A1';
    expect(connections(w)).toEqual({ [firstA]: 1, [otherA]: 0, B: 1 });
    expect(labelsOf(w, chain.clients.map((c) => c.server.url)).sort()).toEqual([firstA, 'B']);
    const state = await chain.lookup(query);
    expect(labelsOf(w, state.servers).sort()).toEqual([firstA, 'B']);
    expect(connections(w)).toEqual({ [firstA]: 1, [otherA]: 0, B: 1 });
  });

  it('the default random order, 8 runs: never both of one operator', async () => {
    const w = await world('A1', 'A2', 'B');
    for (let run = 0; run < 8; run++) {
      const before = connections(w);
      const chain = await open(w, 2);
      const now = connections(w);
      const delta = (k: string): number => now[k]! - before[k]!;
      expect(delta('A1') + delta('A2')).toBe(1);
      expect(delta('B')).toBe(1);
      await chain.close();
    }
  });

  it("a dead operator's machine is replaced by its other machine", async () => {
    const w = await world('A1', 'A2', 'B');
    w.A1!.faults.refuse = true;
    const chain = await open(w, 2, { order: inOrder(w, ['A1', 'A2', 'B']) });
    expect(labelsOf(w, chain.clients.map((c) => c.server.url))).toEqual(['A2', 'B']);
    expect(chain.failures.map((f) => [labelsOf(w, [f.server])[0], f.error.code])).toEqual([['A1', 'connect']]);
    expect(connections(w)).toEqual({ A1: 1, A2: 1, B: 1 });
  });

  it('only A1 and A2 alive: too-few-servers saying what to do, with every failure', async () => {
    const w = await world('A1', 'A2', 'B');
    w.B!.faults.refuse = true;
    const e = await chainError(open(w, 2, { order: inOrder(w, ['A1', 'B', 'A2']) }));
    expect(e.code).toBe('too-few-servers');
    const advice =
      "only 1 independent Electrum server answered (A); min_servers is 2: add a server you trust (list server 'tls://host:port') " +
      `or set min_servers 1 to rely on one operator; publishing nothing. Not used, same operator as a session: ${w.A2!.url}. `;
    expect(e.message.startsWith(advice)).toBe(true);
    expect(e.message.slice(advice.length)).toMatch(new RegExp(`^${w.B!.url.replace(/[.:/]/g, '\\$&')}: \\S`));
    expect(connections(w)).toEqual({ A1: 1, A2: 0, B: 1 });
  });

  it('a list of one operator only: the same advice, nothing else to report', async () => {
    const w = await world('A1', 'A2');
    const e = await chainError(open(w, 2, { order: inOrder(w, ['A2', 'A1']) }));
    expect(e.message).toBe(
      "only 1 independent Electrum server answered (A); min_servers is 2: add a server you trust (list server 'tls://host:port') " +
        `or set min_servers 1 to rely on one operator; publishing nothing. Not used, same operator as a session: ${w.A1!.url}.`,
    );
    expect(connections(w)).toEqual({ A1: 0, A2: 1 });
    // min_servers 1, as the advice says: one session, the lookup goes through.
    const chain = await open(w, 1, { order: inOrder(w, ['A2', 'A1']) });
    expect((await chain.lookup(query)).confirmed?.value).toBe('{"ip":"192.0.2.1"}');
  });

  it('nothing answers: advice for that case', async () => {
    const w = await world('A1', 'B');
    for (const s of Object.values(w)) s.faults.refuse = true;
    const e = await chainError(open(w, 2));
    expect(e.code).toBe('too-few-servers');
    expect(e.message).toMatch(/^no built-in Electrum server answered; min_servers is 2: check that the router reaches the internet, or add a server you trust \(list server 'tls:\/\/host:port'\); publishing nothing\. /);
    for (const s of Object.values(w)) expect(e.message).toContain(`${s.url}: `);
  });
});

describe('built-in list: replacements during the lookup', () => {
  /** The server negotiates, then never answers listunspent: it breaks during the lookup. */
  const breakDuringLookup = (s: Simulator): void => {
    s.faults.onlyMethods = ['blockchain.scripthash.listunspent'];
    s.faults.hang = true;
  };
  const SLOW = { ...FAST, requestTimeoutMs: 1000 };

  it('B breaks: the replacement is C, not A2 (A already answered)', async () => {
    const w = await world('A1', 'B', 'A2', 'C');
    breakDuringLookup(w.B!);
    const chain = await open(w, 2, { order: inOrder(w, ['A1', 'B', 'A2', 'C']), transport: SLOW });
    const state = await chain.lookup(query);
    expect(labelsOf(w, state.servers)).toEqual(['A1', 'C']);
    expect(connections(w)).toEqual({ A1: 1, B: 1, A2: 0, C: 1 });
  });

  it("A1 breaks: its operator's other machine may replace it", async () => {
    const w = await world('A1', 'B', 'A2');
    breakDuringLookup(w.A1!);
    const chain = await open(w, 2, { order: inOrder(w, ['A1', 'B', 'A2']), transport: SLOW });
    const state = await chain.lookup(query);
    expect(labelsOf(w, state.servers)).toEqual(['B', 'A2']);
    expect(connections(w)).toEqual({ A1: 1, B: 1, A2: 1 });
  });

  it('B breaks and only A2 is left: too-few-servers with the advice, A2 never contacted', async () => {
    const w = await world('A1', 'B', 'A2');
    breakDuringLookup(w.B!);
    const chain = await open(w, 2, { order: inOrder(w, ['A1', 'B', 'A2']), transport: SLOW });
    const e = await chainError(chain.lookup(query));
    expect(e.code).toBe('too-few-servers');
    expect(e.message).toContain(`${w.B!.url}: no reply to blockchain.scripthash.listunspent`);
    expect(e.message).toContain("only 1 independent Electrum server answered (A); min_servers is 2: add a server you trust (list server 'tls://host:port') or set min_servers 1 to rely on one operator");
    expect(connections(w)).toEqual({ A1: 1, B: 1, A2: 0 });
  });
});

describe('a configured list has no operators: each server counts', () => {
  it('two configured servers: both used and agreeing, as before, whatever the built-in labels say', async () => {
    const w = await world('A1', 'A2');
    // The same two servers labelled one operator in the built-in list do not matter: the user's list wins.
    const chain = await open(w, 2, { servers: [w.A1!.url, w.A2!.url] });
    expect(chain.clients.map((c) => c.server.url)).toEqual([w.A1!.url, w.A2!.url]);
    expect(chain.clients.map((c) => c.server.operator)).toEqual([undefined, undefined]);
    const state = await chain.lookup(query);
    expect(state.servers).toEqual([w.A1!.url, w.A2!.url]);
    expect(connections(w)).toEqual({ A1: 1, A2: 1 });
  });

  it('too few configured servers: the old message, no built-in advice', async () => {
    const w = await world('A1', 'A2');
    w.A2!.faults.refuse = true;
    const e = await chainError(open(w, 2, { servers: [w.A1!.url, w.A2!.url] }));
    expect(e.message).toContain('only 1 of 2 Electrum servers could be used, min_servers is 2; publishing nothing');
    expect(e.message).not.toContain('independent');
  });
});

describe('the built-in mainnet list', () => {
  const mainnet = resolveServers(undefined, 'mainnet');
  const byOperator = (op: string): string[] => mainnet.filter((s) => s.operator === op).map((s) => s.key).sort();

  it('labels every entry, grouping the machines of one operator', () => {
    for (const s of mainnet) expect(s.operator, s.url).toMatch(/\S/);
    expect(byOperator('bitcoins.sk')).toEqual(['46.229.238.187:57002', 'nmc.bitcoins.sk:50002', 'nmc2.bitcoins.sk:57002']);
    expect(byOperator('dotbit.zone')).toEqual([1, 2, 3, 4].map((n) => `electrumx${n}.nmc.dotbit.zone:50002`));
    expect(byOperator('ovh-198.50.223')).toEqual(['198.50.223.25:50002', '198.50.223.27:50002']);
    expect(DEFAULT_SERVERS.mainnet).toEqual(BUILTIN_SERVERS.mainnet.map((s) => s.url));
  });

  it('holds the proposed servers, TLS only, each its own operator, and no .bit name', () => {
    const proposed = ['electrumx.testls.space:50002', '162.212.154.52:50002', '23.158.233.10:50002', 'electrum.nmc.ethicnology.com:50002', 'namecoin.stackwallet.com:57002'];
    const keys = mainnet.map((s) => s.key);
    for (const p of proposed) expect(keys).toContain(p);
    const ops = proposed.map((p) => operatorOf(mainnet.find((s) => s.key === p)!));
    expect(new Set(ops).size).toBe(proposed.length);
    for (const op of ops) expect(mainnet.filter((s) => operatorOf(s) === op)).toHaveLength(1);
    for (const s of mainnet) expect(s.transport, s.url).toBe('tls');
    expect(mainnet.some((s) => s.host.endsWith('.bit'))).toBe(false);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the default shuffle is a permutation and keeps each label with its server', () => {
    const labelOf = new Map(mainnet.map((s) => [s.url, s.operator]));
    for (let i = 0; i < 50; i++) {
      const order = candidateServers({ network: 'mainnet' });
      expect(order.map((s) => s.url).sort()).toEqual(mainnet.map((s) => s.url).sort());
      for (const s of order) expect(s.operator).toBe(labelOf.get(s.url));
    }
  });

  it('a configured server has no label and counts as itself', () => {
    const s = parseServerUrl('tls://nmc2.bitcoins.sk:57002');
    expect(s.operator).toBeUndefined();
    expect(operatorOf(s)).toBe('nmc2.bitcoins.sk:57002');
    expect(resolveServers(['tls://nmc2.bitcoins.sk:57002'], 'mainnet')[0]!.operator).toBeUndefined();
  });
});
