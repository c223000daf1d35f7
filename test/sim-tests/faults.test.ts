// The fault knobs, seen from a raw client over real sockets: each failure mode a public server
// can show really happens on the wire, and switching a knob back restores normal service.
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { resetFaults, startSimulator, SimChain, type Simulator } from '../sim/index.ts';
import { LineClient } from './replay.ts';

const VERSION = '{"jsonrpc":"2.0","method":"server.version","id":1,"params":["t",["1.4","1.4.3"]]}';
const req = (id: number, method: string, params: unknown[] = []): string => JSON.stringify({ jsonrpc: '2.0', method, id, params });

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ startHeight: 20 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => resetFaults(sim.faults));

async function session(): Promise<LineClient> {
  const c = await LineClient.open(sim.url);
  c.send(VERSION);
  expect(JSON.parse((await c.next())!)).toMatchObject({ result: ['ElectrumX 1.20.0', '1.4.3'] });
  return c;
}

test('refuse: the connection is reset straight away', async () => {
  sim.faults.refuse = true;
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const s = connect(sim.port, '127.0.0.1');
    s.on('error', (e) => resolve(e));
    s.on('close', () => resolve(null));
    s.on('connect', () => s.write(VERSION + '\n'));
  });
  expect(err?.code ?? 'closed').toMatch(/ECONNRESET|closed/);
});

test('delay: every reply waits the given time', async () => {
  const c = await session();
  sim.faults.delayMs = 300;
  const t0 = Date.now();
  c.send(req(2, 'server.ping'));
  expect(JSON.parse((await c.next())!)).toEqual({ jsonrpc: '2.0', result: null, id: 2 });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  c.close();
});

test('delayByMethod: a slow reply is overtaken by later ones (match replies by id)', async () => {
  const c = await session();
  sim.faults.delayByMethod = { 'server.features': 300 };
  c.send(req(2, 'server.features'));
  c.send(req(3, 'server.ping'));
  expect(JSON.parse((await c.next())!).id).toBe(3);
  expect(JSON.parse((await c.next())!).id).toBe(2);
  c.close();
});

test('sessionTimeoutMs: an idle session is closed, one that pings stays', async () => {
  // The busy session pings every 100 ms, a tenth of the idle timeout, so a loaded machine's late
  // timers cannot make it look idle; the loop runs past twice the timeout, so the idle one is due.
  const timeoutMs = 1000;
  const s2 = await startSimulator({ startHeight: 1, sessionTimeoutMs: timeoutMs });
  const idle = await LineClient.open(s2.url);
  const busy = await LineClient.open(s2.url);
  busy.send(VERSION);
  await busy.next();
  const t0 = Date.now();
  for (let i = 0; Date.now() - t0 < 2 * timeoutMs; i++) {
    await new Promise((r) => setTimeout(r, timeoutMs / 10));
    busy.send(req(10 + i, 'server.ping'));
    expect(await busy.next()).not.toBeNull();
  }
  expect(idle.closed).toBe(true);
  expect(busy.closed).toBe(false);
  busy.close();
  await s2.close();
});

test('hang: requests are read but never answered; the socket stays open', async () => {
  const c = await session();
  sim.faults.hang = true;
  c.send(req(2, 'server.ping'));
  expect(await c.next(500)).toBeNull();
  expect(c.closed).toBe(false);
  c.close();
});

test('onlyMethods: a fault limited to one method leaves the others alone', async () => {
  const c = await session();
  sim.faults.hang = true;
  sim.faults.onlyMethods = ['blockchain.transaction.broadcast'];
  c.send(req(2, 'server.ping'));
  expect(await c.next(1000)).not.toBeNull();
  c.send(req(3, 'blockchain.transaction.broadcast', ['00']));
  expect(await c.next(400)).toBeNull();
  c.close();
});

test('dropMidLine: half a reply line, then the connection closes', async () => {
  const c = await session();
  sim.faults.dropMidLine = true;
  let raw = '';
  c.socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
  c.send(req(2, 'server.features'));
  expect(await c.waitClosed()).toBe(true);
  expect(raw.length).toBeGreaterThan(0);
  expect(raw.length).toBeLessThan(1024);
  expect(raw.includes('\n')).toBe(false);
});

test('garbage: a line that is not JSON', async () => {
  const c = await session();
  sim.faults.garbage = true;
  c.send(req(2, 'server.ping'));
  const line = (await c.next())!;
  expect(() => JSON.parse(line)).toThrow();
  c.close();
});

test('oversizedLine: a 50 MB line without a newline until its end', async () => {
  const c = await session();
  sim.faults.oversizedLine = 50_000_000;
  let bytes = 0;
  let newlineAt = -1;
  const done = new Promise<void>((resolve) => {
    c.socket.removeAllListeners('data');
    c.socket.on('data', (d: Buffer) => {
      const nl = d.indexOf(0x0a);
      if (nl >= 0 && newlineAt < 0) {
        newlineAt = bytes + nl;
        resolve();
      }
      bytes += d.length;
    });
  });
  c.send(req(2, 'server.ping'));
  await done;
  expect(newlineAt).toBe(50_000_000 - 1);
  c.close();
});

test('oversizedLine endless: bytes keep coming until the client hangs up', async () => {
  const c = await session();
  sim.faults.oversizedLine = 'endless';
  let bytes = 0;
  const got = new Promise<void>((resolve) => {
    c.socket.removeAllListeners('data');
    c.socket.on('data', (d: Buffer) => {
      expect(d.includes(0x0a)).toBe(false);
      bytes += d.length;
      if (bytes > 5_000_000) resolve();
    });
  });
  c.send(req(2, 'server.ping'));
  await got;
  c.close();
  // the server notices and stops; it still serves others
  resetFaults(sim.faults);
  const d = await session();
  d.close();
});

describe('lies', () => {
  test('tipHeight, estimateFee, relayFee', async () => {
    const c = await session();
    sim.faults.lies = { tipHeight: 999, estimateFee: 0.5, relayFee: 0.00001 };
    c.send(req(2, 'blockchain.headers.subscribe'));
    expect(JSON.parse((await c.next())!).result.height).toBe(999);
    c.send(req(3, 'blockchain.estimatefee', [2]));
    expect(JSON.parse((await c.next())!).result).toBe(0.5);
    c.send(req(4, 'blockchain.relayfee'));
    expect(JSON.parse((await c.next())!).result).toBe(0.00001);
    c.close();
  });

  test('broadcast: a wrong txid, or a rejection with namecoind text', async () => {
    const c = await session();
    sim.faults.lies = { broadcastTxid: 'ab'.repeat(32) };
    c.send(req(2, 'blockchain.transaction.broadcast', ['0011']));
    expect(JSON.parse((await c.next())!).result).toBe('ab'.repeat(32));
    sim.faults.lies = { rejectBroadcast: 'txn-mempool-conflict' };
    c.send(req(3, 'blockchain.transaction.broadcast', ['0011']));
    expect(JSON.parse((await c.next())!).error).toEqual({
      code: 1,
      message: 'the transaction was rejected by network rules.\n\ntxn-mempool-conflict\n[0011]',
    });
    c.close();
  });

  test('nameValue: the name output shows another value (and no longer hashes to its txid)', async () => {
    const chain = new SimChain({ startHeight: 10 });
    const owner = Uint8Array.from(Buffer.from('001450115c5bf71fc8ec663a8825f4fcefde347912c0', 'hex'));
    const coin = chain.registerName('dd/lie', '{"ip":"192.0.2.1"}', owner);
    const liar = await startSimulator({ chain });
    liar.faults.lies = { nameValue: { name: 'dd/lie', value: '{"ip":"203.0.113.9"}' } };
    const c = await LineClient.open(liar.url);
    c.send(VERSION);
    await c.next();
    c.send(req(2, 'blockchain.transaction.get', [coin.txid]));
    const hex = JSON.parse((await c.next())!).result as string;
    expect(Buffer.from(hex, 'hex').includes(Buffer.from('203.0.113.9'))).toBe(true);
    expect(hex).not.toBe(chain.rawTx(coin.txid));
    liar.faults.lies = { hideOutpoints: [`${coin.txid}:${coin.vout}`] };
    c.send(req(3, 'blockchain.scripthash.listunspent', [SimChain.ownerScripthash(owner)]));
    expect(JSON.parse((await c.next())!).result).toEqual([]);
    c.close();
    await liar.close();
  });

  test('transform: any result rewritten', async () => {
    const c = await session();
    sim.faults.transform = (method, _params, result) => (method === 'server.ping' ? 'pong' : result);
    c.send(req(2, 'server.ping'));
    expect(JSON.parse((await c.next())!).result).toBe('pong');
    c.close();
  });
});

test('two servers on one chain agree; a fork lies consistently', async () => {
  const chain = new SimChain({ startHeight: 10 });
  const owner = Uint8Array.from(Buffer.from('001450115c5bf71fc8ec663a8825f4fcefde347912c0', 'hex'));
  chain.registerName('dd/two', 'honest', owner);
  const a = await startSimulator({ chain });
  const b = await startSimulator({ chain, tls: true });
  const fork = chain.fork();
  const c3 = await startSimulator({ chain: fork });
  fork.forceNameUpdate('dd/two', 'lie');
  const ask = async (s: Simulator): Promise<unknown> => {
    const c = await LineClient.open(s.url, s.certPem);
    c.send(VERSION);
    await c.next();
    c.send(req(2, 'blockchain.scripthash.get_history', [SimChain.nameScripthash('dd/two')]));
    const r = JSON.parse((await c.next())!).result;
    c.close();
    return r;
  };
  const [ra, rb, rc] = [await ask(a), await ask(b), await ask(c3)];
  expect(ra).toEqual(rb);
  expect(rc).not.toEqual(ra);
  expect((rc as unknown[]).length).toBe(2);
  await Promise.all([a.close(), b.close(), c3.close()]);
});

test('notifications: headers and scripthash subscriptions fire on mine and on broadcast', async () => {
  const c = await session();
  c.send(req(2, 'blockchain.headers.subscribe'));
  const first = JSON.parse((await c.next())!).result;
  expect(first.height).toBe(sim.chain.tipHeight);
  const owner = Uint8Array.from(Buffer.from('00146c1fbb516bb7d68e7ea8579e8a71de4ca8717017', 'hex'));
  const sh = SimChain.ownerScripthash(owner);
  c.send(req(3, 'blockchain.scripthash.subscribe', [sh]));
  expect(JSON.parse((await c.next())!).result).toBeNull();
  sim.chain.fund(owner, 5_000_000);
  const n1 = JSON.parse((await c.next())!);
  expect(n1.method).toBe('blockchain.scripthash.subscribe');
  expect(n1.params[0]).toBe(sh);
  expect(n1.params[1]).toMatch(/^[0-9a-f]{64}$/);
  sim.chain.mine();
  const got = [JSON.parse((await c.next())!), JSON.parse((await c.next())!)];
  const methods = got.map((g) => g.method).sort();
  expect(methods).toEqual(['blockchain.headers.subscribe', 'blockchain.scripthash.subscribe']);
  const hdr = got.find((g) => g.method === 'blockchain.headers.subscribe');
  expect(hdr.params[0].height).toBe(first.height + 1);
  c.close();
});

test('server.version: a range the server does not speak is refused and the session closed', async () => {
  const c = await LineClient.open(sim.url);
  c.send(req(1, 'server.version', ['t', ['1.0', '1.2']]));
  expect(JSON.parse((await c.next())!).error).toEqual({ code: 1, message: "unsupported protocol version: ['1.0', '1.2']" });
  expect(await c.waitClosed()).toBe(true);
});

test('an old server (protocolMax 1.4.2) negotiates down and lacks get_value_proof', async () => {
  const old = await startSimulator({ startHeight: 5, protocolMax: '1.4.2', serverVersion: 'ElectrumX 1.16.0' });
  const c = await LineClient.open(old.url);
  c.send(req(1, 'server.version', ['t', ['1.4', '1.6']]));
  expect(JSON.parse((await c.next())!).result).toEqual(['ElectrumX 1.16.0', '1.4.2']);
  c.send(req(2, 'blockchain.name.get_value_proof', ['00'.repeat(32)]));
  expect(JSON.parse((await c.next())!).error.code).toBe(-32601);
  c.send(req(3, 'server.features'));
  expect(JSON.parse((await c.next())!).result.protocol_max).toBe('1.4.2');
  c.close();
  await old.close();
});
