// Agreement between servers: the pure combination rules, then real sessions to recorded
// ElectrumX views where one server lies.
import { afterEach, describe, expect, it } from 'vitest';
import { agreeNameStates, lookupAgreedNameState, type ServerAnswer } from '../../src/chain/agree.ts';
import { connectElectrum, type ElectrumClient } from '../../src/chain/electrum.ts';
import { ChainError } from '../../src/chain/errors.ts';
import type { NameState } from '../../src/chain/namestate.ts';
import { parseServerUrl } from '../../src/chain/servers.ts';
import { hexToBytes } from '../../src/sign/bytes.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { readFixtureJson } from '../helpers/fixtures.ts';
import { thrownBy } from '../helpers/thrown.ts';
import type { LineServer } from './loopback.ts';
import { startRecordedServer, type RecordedView } from './recorded.ts';

function state(server: string, over: Partial<NameState> = {}): NameState {
  return {
    server,
    tipHeight: 170,
    nameCoin: { txid: 'aa'.repeat(32), vout: 0, value: 1000000, script: new Uint8Array([0x53]), height: 165, name: 'dd/x', nameValue: '{"ip":"192.0.2.1"}', op: 'name_update' },
    confirmed: { txid: 'aa'.repeat(32), vout: 0, height: 165, value: '{"ip":"192.0.2.1"}', address: 'ncrt1qexample' },
    expiresIn: 25,
    expired: false,
    pending: null,
    feeCoins: [
      { txid: 'bb'.repeat(32), vout: 1, value: 5000, script: new Uint8Array(), height: 160 },
      { txid: 'cc'.repeat(32), vout: 0, value: 4000, script: new Uint8Array(), height: 160 },
    ],
    feeRate: 100,
    relayFeeRate: 100,
    estimatedFeeRate: 100,
    ...over,
  };
}

const fails = (fn: () => unknown): ChainError => thrownBy(ChainError, fn);

describe('agreeNameStates', () => {
  it('agrees: highest tip, fee coins every server lists, highest rates', () => {
    // b has the higher tip, so its state is the base; the coin only b lists (cc…) must not be used.
    const a = state('tls://a:1', { tipHeight: 170, expiresIn: 25, feeRate: 120, feeCoins: [state('x').feeCoins[0]!] });
    const b = state('tls://b:1', { tipHeight: 171, expiresIn: 24, estimatedFeeRate: null });
    const r = agreeNameStates('dd/x', [{ server: a.server, state: a }, { server: b.server, state: b }], { minServers: 2 });
    expect(r.tipHeight).toBe(171);
    expect(r.expiresIn).toBe(24);
    expect(r.server).toBe('tls://b:1');
    expect(r.feeCoins.map((c) => c.txid)).toEqual(['bb'.repeat(32)]);
    expect(r.feeRate).toBe(120);
    expect(r.estimatedFeeRate).toBe(100);
    expect(r.servers).toEqual(['tls://a:1', 'tls://b:1']);
  });

  it('tips too far apart', () => {
    const e = fails(() => agreeNameStates('dd/x', [
      { server: 'tls://a:1', state: state('tls://a:1', { tipHeight: 170 }) },
      { server: 'tls://b:1', state: state('tls://b:1', { tipHeight: 173 }) },
    ], { minServers: 2 }));
    expect(e.code).toBe('disagree');
    expect(e.message).toBe('Electrum servers disagree about the tip height of dd/x (more than 2 blocks apart): tls://a:1 says 170, tls://b:1 says 173; publishing nothing');
  });

  it.each([
    ['name coin', { nameCoin: { ...state('x').nameCoin!, txid: 'dd'.repeat(32) } }],
    ['name value', { nameCoin: { ...state('x').nameCoin!, nameValue: '{"ip":"203.0.113.9"}' } }],
    ['latest confirmed update', { confirmed: { ...state('x').confirmed!, height: 160 } }],
    ['pending update', { pending: { txid: 'ee'.repeat(32), value: '{}', fee: 1, vsize: 1, feeRate: 1 } }],
  ] as const)('a different %s is a disagreement naming both servers', (field, over) => {
    const e = fails(() => agreeNameStates('dd/x', [
      { server: 'tls://a:1', state: state('tls://a:1') },
      { server: 'tls://b:1', state: state('tls://b:1', over as Partial<NameState>) },
    ], { minServers: 2 }));
    expect(e.code).toBe('disagree');
    expect(e.message).toContain(`disagree about the ${field} of dd/x`);
    expect(e.message).toContain('tls://a:1 says');
    expect(e.message).toContain('tls://b:1 says');
  });

  it('broken servers are left out while enough remain, else too few', () => {
    const broken: ServerAnswer = { server: 'tls://c:1', error: new ChainError('timeout', 'tls://c:1: no reply', 'tls://c:1') };
    const ok = agreeNameStates('dd/x', [{ server: 'tls://a:1', state: state('tls://a:1') }, broken, { server: 'tls://b:1', state: state('tls://b:1') }], { minServers: 2 });
    expect(ok.failures.map((f) => f.server)).toEqual(['tls://c:1']);
    const e = fails(() => agreeNameStates('dd/x', [{ server: 'tls://a:1', state: state('tls://a:1') }, broken], {
      minServers: 2,
      failures: [{ server: 'tls://d:1', error: new ChainError('connect', 'tls://d:1: cannot connect: ECONNREFUSED', 'tls://d:1') }],
    }));
    expect(e.code).toBe('too-few-servers');
    expect(e.message).toContain('only 1 of 3 Electrum servers answered about dd/x, min_servers is 2');
    expect(e.message).toContain('tls://c:1: no reply');
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('the same verdict from all servers is passed on; mixed verdicts are a disagreement', () => {
    const notFound = (s: string): ServerAnswer => ({ server: s, error: new ChainError('name-not-found', 'dd/x does not exist', s) });
    expect(fails(() => agreeNameStates('dd/x', [notFound('tls://a:1'), notFound('tls://b:1')], { minServers: 2 })).code).toBe('name-not-found');
    const e = fails(() => agreeNameStates('dd/x', [notFound('tls://a:1'), { server: 'tls://b:1', state: state('tls://b:1') }], { minServers: 2 }));
    expect(e.code).toBe('disagree');
    expect(e.message).toContain('tls://a:1 says: dd/x does not exist');
    expect(e.message).toContain(`tls://b:1 sees the name coin ${'aa'.repeat(32)}:0`);
  });
});

describe('lookupAgreedNameState over real sessions', () => {
  const open: Array<LineServer | ElectrumClient> = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });
  type Recorded = { owner: { listunspent: { result: unknown[] } }; name_index: { get_history: { result: unknown[] } } };
  const KEY1_SH = '1b95aec922244f4af50e2b04a266c6955a42271246de38924a0ffc04abdc520d';
  const ALPHA_SH = '1459811f851c4b4c0684a1789134a301b91279182a42f7831b6c0ddd966bffd8';
  const pending = readFixtureJson<Recorded>('regtest', 'p2wpkh-update', 'update.electrum-pending.json');
  const honest: RecordedView = { tip: 164, listunspent: { [KEY1_SH]: pending.owner.listunspent.result }, history: { [ALPHA_SH]: pending.name_index.get_history.result } };
  // The liar hides the pending update: it lists the old name coin as unspent.
  const liar: RecordedView = {
    ...honest,
    listunspent: { [KEY1_SH]: [...pending.owner.listunspent.result.filter((u) => (u as { height: number }).height > 0), { tx_hash: 'da8aca81cef822a2274abf7e5e2ae5f02cad8742d93edadc47b53b6be46daa28', tx_pos: 0, height: 163, value: 1000000 }] },
  };

  async function sessions(views: RecordedView[]): Promise<ElectrumClient[]> {
    const servers = await Promise.all(views.map((v) => startRecordedServer(v)));
    open.push(...servers);
    const clients = await Promise.all(servers.map((s) => connectElectrum(parseServerUrl(s.url), { pingIntervalMs: 0, requestTimeoutMs: 3000 })));
    open.push(...clients);
    return clients;
  }
  const query = { name: 'dd/alpha', hotScript: hexToBytes('001450115c5bf71fc8ec663a8825f4fcefde347912c0'), network: getNetwork('regtest') };

  it('two honest servers agree on the pending update', async () => {
    const r = await lookupAgreedNameState(await sessions([honest, honest]), query, { minServers: 2 });
    expect(r.pending?.txid).toBe('3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5');
    expect(r.servers).toHaveLength(2);
  });

  it('a server that hides the pending update makes the lookup fail closed', async () => {
    const clients = await sessions([honest, liar]);
    const e = await lookupAgreedNameState(clients, query, { minServers: 2 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChainError);
    expect((e as ChainError).code).toBe('disagree');
    expect((e as ChainError).message).toContain(`${clients[0]!.server.url} says 3cc77075df254af91c5550a03d659a64071e8194139b6608a82f16f0912153e5:0`);
    expect((e as ChainError).message).toContain(`${clients[1]!.server.url} says da8aca81cef822a2274abf7e5e2ae5f02cad8742d93edadc47b53b6be46daa28:0`);
  });
});
