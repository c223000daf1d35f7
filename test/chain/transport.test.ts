// The Electrum transport against real loopback servers: negotiation, pipelining, typed
// errors, and every hostile behaviour ending within its timeout with a clear error.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectElectrum, ElectrumClient } from '../../src/chain/electrum.ts';
import { ChainError, ServerError } from '../../src/chain/errors.ts';
import { connectAll, connectFirst } from '../../src/chain/failover.ts';
import { parseFingerprintList, PinStore } from '../../src/chain/pins.ts';
import { GENESIS_HASHES, parseServerUrl } from '../../src/chain/servers.ts';
import { VERSION } from '../../src/version.ts';
import { makeSelfSignedCert } from '../sim/certs.ts';
import { tempPinFiles } from './helpers.ts';
import { deadPort, electrumHandler, startLineServer, type LineServer } from './loopback.ts';

const servers: LineServer[] = [];
const clients: ElectrumClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(opts: Parameters<typeof startLineServer>[0]): Promise<LineServer> {
  const s = await startLineServer(opts);
  servers.push(s);
  return s;
}

const tmpPins = tempPinFiles('nmcddns-pins-');

/** Poll `check` until it holds or `ms` pass: waits for an event without betting on its timing. */
async function until(check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return check();
}

async function expectChainError(p: Promise<unknown>, code: string): Promise<ChainError> {
  const e = await p.then(
    () => {
      throw new Error(`expected a ChainError ${code}, got success`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ChainError);
  expect((e as ChainError).code).toBe(code);
  return e as ChainError;
}

describe('negotiation', () => {
  it('sends server.version first with the client name and the 1.4–1.6 range', async () => {
    const s = await serve({ onLine: electrumHandler({}, '1.4.2') });
    const c = await connectElectrum(parseServerUrl(s.url));
    clients.push(c);
    const first = JSON.parse(s.lines[0]!);
    expect(first).toEqual({ jsonrpc: '2.0', method: 'server.version', id: 1, params: [`nmcddns ${VERSION}`, ['1.4', '1.6']] });
    expect(c.protocolVersion).toBe('1.4.2');
    expect(c.serverSoftware).toBe('ElectrumX 1.16.0');
  });

  it('refuses a negotiated version outside the offered range, below or above it', async () => {
    const s = await serve({ onLine: electrumHandler({}, '1.2') });
    const e = await expectChainError(connectElectrum(parseServerUrl(s.url)), 'protocol');
    expect(e.message).toContain('negotiated protocol 1.2');
    // Above the range: methods the client relies on (blockchain.relayfee, …) may be gone.
    const newer = await serve({ onLine: electrumHandler({}, '1.7') });
    const e2 = await expectChainError(connectElectrum(parseServerUrl(newer.url)), 'protocol');
    expect(e2.message).toBe(`${newer.url}: the server negotiated protocol 1.7, outside the offered 1.4–1.6`);
  });

  it('turns an error answer to server.version into a protocol error', async () => {
    const s = await serve({
      onLine: (line, sock) => {
        const { id } = JSON.parse(line);
        sock.write(`${JSON.stringify({ jsonrpc: '2.0', error: { code: 1, message: 'unsupported protocol version: 1.6' }, id })}\n`);
      },
    });
    const e = await expectChainError(connectElectrum(parseServerUrl(s.url)), 'protocol');
    expect(e.message).toMatch(/refused server\.version: unsupported protocol version/);
  });

  it('refuses a server of another chain when the genesis hash is checked', async () => {
    const features = (genesis: string) => ({ 'server.features': () => ({ genesis_hash: genesis, server_version: 'ElectrumX 1.16.0', protocol_min: '1.4', protocol_max: '1.4.2' }) });
    const regtest = await serve({ onLine: electrumHandler(features(GENESIS_HASHES.regtest)) });
    const e = await expectChainError(connectElectrum(parseServerUrl(regtest.url), { genesisHash: GENESIS_HASHES.mainnet }), 'protocol');
    expect(e.message).toBe(`${regtest.url} serves another chain: genesis ${GENESIS_HASHES.regtest}, expected ${GENESIS_HASHES.mainnet}`);
    const c = await connectElectrum(parseServerUrl(regtest.url), { genesisHash: GENESIS_HASHES.regtest });
    clients.push(c);
    expect(regtest.lines.map((l) => JSON.parse(l).method)).toEqual(['server.version', 'server.features', 'server.version', 'server.features']);
  });

  it('reads the relay fee with blockchain.relayfee below 1.6 and mempool.get_info at 1.6', async () => {
    const methods = {
      'blockchain.relayfee': () => 0.001,
      'mempool.get_info': () => ({ mempoolminfee: 0.002, minrelaytxfee: 0.001, incrementalrelayfee: 1e-6 }),
    };
    const server142 = await serve({ onLine: electrumHandler(methods, '1.4.2') });
    const c14 = await connectElectrum(parseServerUrl(server142.url));
    clients.push(c14);
    expect(await c14.relayFee()).toBe(0.001);
    expect(server142.lines.map((l) => JSON.parse(l).method)).toContain('blockchain.relayfee');
    const server16 = await serve({ onLine: electrumHandler(methods, '1.6') });
    const c16 = await connectElectrum(parseServerUrl(server16.url));
    clients.push(c16);
    // mempoolminfee above minrelaytxfee: that is what entering this mempool costs.
    expect(await c16.relayFee()).toBe(0.002);
    expect(server16.lines.map((l) => JSON.parse(l).method)).not.toContain('blockchain.relayfee');
  });
});

describe('requests', () => {
  it('pipelines: several requests in flight, answers out of order reach the right caller', async () => {
    const held: Array<{ id: number; params: unknown[] }> = [];
    const s = await serve({
      onLine: (line, sock) => {
        const req = JSON.parse(line);
        if (req.method === 'server.version') {
          sock.write(`${JSON.stringify({ jsonrpc: '2.0', result: ['X', '1.4'], id: req.id })}\n`);
          return;
        }
        held.push(req);
        if (held.length === 3) {
          // Only once all three are in: answer newest first.
          for (const r of [...held].reverse()) sock.write(`${JSON.stringify({ jsonrpc: '2.0', result: r.params[0], id: r.id })}\n`);
        }
      },
    });
    const c = await connectElectrum(parseServerUrl(s.url));
    clients.push(c);
    const answers = await Promise.all([c.request('echo', ['a']), c.request('echo', ['b']), c.request('echo', ['c'])]);
    expect(answers).toEqual(['a', 'b', 'c']);
    expect(new Set(held.map((h) => h.id)).size).toBe(3);
  });

  it('surfaces server errors as ServerError with code and message', async () => {
    const s = await serve({ onLine: electrumHandler({}, '1.4') });
    const c = await connectElectrum(parseServerUrl(s.url));
    clients.push(c);
    const e = await c.request('blockchain.no_such_method').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServerError);
    expect((e as ServerError).rpcCode).toBe(-32601);
    expect((e as ServerError).isUnknownMethod).toBe(true);
    expect((e as ServerError).message).toContain('blockchain.no_such_method failed: unknown method');
    // The session survives a server error.
    await c.ping();
  });

  it('rejects a malformed reply with bad-reply naming the method', async () => {
    const s = await serve({ onLine: electrumHandler({ 'blockchain.scripthash.listunspent': () => [{ tx_hash: 'zz', tx_pos: 0, height: 1, value: 5 }] }) });
    const c = await connectElectrum(parseServerUrl(s.url));
    clients.push(c);
    const e = await expectChainError(c.listUnspent('00'.repeat(32)), 'bad-reply');
    expect(e.message).toContain('blockchain.scripthash.listunspent');
  });

  it('ignores notifications but keeps the newest tip from headers notifications', async () => {
    const s = await serve({
      onLine: (line, sock) => {
        const req = JSON.parse(line);
        if (req.method === 'server.version') {
          sock.write('{"jsonrpc":"2.0","method":"blockchain.relayfee"}\n');
          sock.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params: [{ height: 77, hex: 'AB' }] })}\n`);
          sock.write(`${JSON.stringify({ jsonrpc: '2.0', result: ['X', '1.4'], id: req.id })}    \n`);
        }
      },
    });
    const c = await connectElectrum(parseServerUrl(s.url));
    clients.push(c);
    expect(c.stats.notifications).toBe(2);
    expect(c.lastTip).toEqual({ height: 77, hex: 'ab' });
  });

  it('sends server.ping when idle (keep-alive) and closes cleanly', async () => {
    const s = await serve({ onLine: electrumHandler({}) });
    const c = await connectElectrum(parseServerUrl(s.url), { pingIntervalMs: 80 });
    clients.push(c);
    // Two pings while idle (a fixed 400 ms sleep could end before a loaded machine fired them).
    const pings = () => s.lines.filter((l) => JSON.parse(l).method === 'server.ping').length;
    expect(await until(() => pings() >= 2)).toBe(true);
    const pending = expectChainError(c.request('never.answered.but.closed'), 'connect');
    await c.close();
    await pending;
    expect(c.isClosed).toBe(true);
    await expectChainError(c.ping(), 'connect');
  });
});

describe('faults end within their timeout', () => {
  it('a dead server: connection refused', async () => {
    const port = await deadPort();
    const t0 = Date.now();
    const e = await expectChainError(connectElectrum(parseServerUrl(`tcp://127.0.0.1:${port}`)), 'connect');
    expect(e.message).toContain('ECONNREFUSED');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a hung server: accepts and never answers', async () => {
    const s = await serve({});
    const t0 = Date.now();
    const e = await expectChainError(connectElectrum(parseServerUrl(s.url), { requestTimeoutMs: 300 }), 'timeout');
    expect(e.message).toContain('no reply to server.version within 300 ms');
    expect(Date.now() - t0).toBeLessThan(3000); // 10× the timeout; without it: the 20 s default
  });

  it('a TLS server that never completes the handshake hits the connect timeout', async () => {
    const s = await serve({}); // plain TCP, silent: the ClientHello is never answered
    const t0 = Date.now();
    await expectChainError(connectElectrum(parseServerUrl(`tls://127.0.0.1:${s.port}`), { connectTimeoutMs: 300, pins: new PinStore({ file: tmpPins() }) }), 'timeout');
    expect(Date.now() - t0).toBeLessThan(3000); // 10× the timeout; without it: the 10 s default
  });

  it('a server that drops the connection in the middle of a reply', async () => {
    const s = await serve({
      onLine: (line, sock) => {
        const req = JSON.parse(line);
        if (req.method === 'server.version') sock.write(`${JSON.stringify({ jsonrpc: '2.0', result: ['X', '1.4'], id: req.id })}\n`);
        else {
          sock.write('{"jsonrpc":"2.0","result":[{"tx_hash":"00');
          setTimeout(() => sock.destroy(), 20);
        }
      },
    });
    const c = await connectElectrum(parseServerUrl(s.url));
    clients.push(c);
    const e = await expectChainError(c.listUnspent('00'.repeat(32)), 'connect');
    expect(e.message).toContain('closed the connection');
  });

  it('a server that sends garbage', async () => {
    const s = await serve({ onLine: (_l, sock) => sock.write('HTTP/1.1 400 Bad Request\r\n\r\n') });
    const e = await expectChainError(connectElectrum(parseServerUrl(s.url)), 'protocol');
    expect(e.message).toContain('not JSON: HTTP/1.1 400 Bad Request');
  });

  it('a server that sends a 50 MB line: dropped at the cap, memory bounded', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const s = await serve({
      onLine: (line, sock) => {
        const req = JSON.parse(line);
        if (req.method !== 'server.version') return;
        const pump = (): void => {
          while (sent < 50 * 1024 * 1024 && !sock.destroyed) {
            sent += chunk.length;
            if (!sock.write(chunk)) return void sock.once('drain', pump);
          }
        };
        pump();
      },
    });
    const t0 = Date.now();
    const e = await expectChainError(connectElectrum(parseServerUrl(s.url), { maxLineBytes: 1024 * 1024 }), 'line-too-long');
    expect(e.message).toContain('longer than 1048576 bytes');
    expect(Date.now() - t0).toBeLessThan(5000);
    // The client hung up long before the 50 MB were out.
    expect(sent).toBeLessThan(50 * 1024 * 1024);
  });

  it('the session deadline and the caller abort end a session', async () => {
    const s = await serve({ onLine: electrumHandler({ slow: () => undefined }) });
    // The session clock starts at connect, so it also covers server.version: 1 s leaves a loaded
    // machine room to negotiate (200 ms did not); then wait for the deadline to end the session.
    const c = await connectElectrum(parseServerUrl(s.url), { sessionTimeoutMs: 1000 });
    clients.push(c);
    expect(await until(() => c.isClosed)).toBe(true);
    expect(c.closeReason?.code).toBe('timeout');
    expect(c.closeReason?.message).toContain('session lasted longer than 1000 ms');
    const ac = new AbortController();
    const c2 = await connectElectrum(parseServerUrl(s.url), { signal: ac.signal });
    clients.push(c2);
    const hung = c2.request('hang.forever');
    ac.abort();
    await expectChainError(hung, 'aborted');
  });
});

describe('failover', () => {
  it('moves past a dead and a hung server to a working one', async () => {
    const hung = await serve({});
    const good = await serve({ onLine: electrumHandler({}) });
    const list = [`tcp://127.0.0.1:${await deadPort()}`, hung.url, good.url].map(parseServerUrl);
    const t0 = Date.now();
    // The request timeout also governs the good server's server.version: 2 s, not 300 ms, so a
    // loaded machine's slow reply is not taken for a hang.
    const { client, failures } = await connectFirst(list, { requestTimeoutMs: 2000 });
    clients.push(client);
    expect(client.server.url).toBe(good.url);
    expect(failures.map((f) => f.error.code)).toEqual(['connect', 'timeout']);
    expect(Date.now() - t0).toBeLessThan(10_000); // 5× the one timeout waited; the hung one alone would be forever
  });

  it('says what went wrong with every server when none works', async () => {
    const list = [`tcp://127.0.0.1:${await deadPort()}`, `tcp://127.0.0.1:${await deadPort()}`].map(parseServerUrl);
    const e = await expectChainError(connectFirst(list), 'no-server');
    expect(e.message).toContain(list[0]!.url);
    expect(e.message).toContain(list[1]!.url);
  });

  it('the run deadline bounds the whole search', async () => {
    const hung1 = await serve({});
    const hung2 = await serve({});
    const t0 = Date.now();
    const e = await expectChainError(connectFirst([hung1.url, hung2.url].map(parseServerUrl), { runTimeoutMs: 300 }), 'no-server');
    expect(e.message).toContain('aborted');
    expect(Date.now() - t0).toBeLessThan(3000); // 10× the deadline; without it: 2 × the 20 s request timeout
  });

  it('connectAll returns every working session and every failure', async () => {
    const a = await serve({ onLine: electrumHandler({}) });
    const b = await serve({ onLine: electrumHandler({}) });
    const dead = `tcp://127.0.0.1:${await deadPort()}`;
    const { clients: cs, failures } = await connectAll([a.url, dead, b.url].map(parseServerUrl));
    clients.push(...cs);
    expect(cs.map((c) => c.server.url).sort()).toEqual([a.url, b.url].sort());
    expect(failures.map((f) => f.server)).toEqual([dead]);
  });
});

describe('TLS pinning', () => {
  const certA = makeSelfSignedCert();
  const certB = makeSelfSignedCert();

  it('records the fingerprint on first use, accepts it again, refuses a changed certificate', async () => {
    const file = tmpPins();
    const s = await serve({ tls: certA, onLine: electrumHandler({}) });
    const server = parseServerUrl(s.url);
    const pins = new PinStore({ file });
    const c1 = await connectElectrum(server, { pins });
    clients.push(c1);
    expect(c1.pinSource).toBe('first-use');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [server.key]: certA.fingerprint });
    const c2 = await connectElectrum(server, { pins });
    clients.push(c2);
    expect(c2.pinSource).toBe('file');

    // Same host:port, other certificate.
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const s2 = await serve({ tls: certB, onLine: electrumHandler({}) });
    const moved = { ...server, port: s2.port, url: s2.url, key: server.key };
    writeFileSync(file, JSON.stringify({ [moved.key]: certA.fingerprint }));
    const e = await expectChainError(connectElectrum(moved, { pins }), 'tls-pin');
    expect(e.message).toContain(`now sha256 ${certB.fingerprint}`);
    expect(e.message).toContain(`nmcddns pins --forget ${server.key}`);
    // The refused certificate was not recorded.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [server.key]: certA.fingerprint });
    expect(s2.lines).toEqual([]); // nothing was sent to it
  });

  it('a configured fingerprint wins over the file and is never written', async () => {
    const file = tmpPins();
    const s = await serve({ tls: certB, onLine: electrumHandler({}) });
    const server = parseServerUrl(s.url);
    writeFileSync(file, JSON.stringify({ [server.key]: certA.fingerprint }));
    const configured = parseFingerprintList([`${server.key}=${certB.fingerprint.toUpperCase().match(/../g)!.join(':')}`]);
    const c = await connectElectrum(server, { pins: new PinStore({ file, configured }) });
    clients.push(c);
    expect(c.pinSource).toBe('config');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [server.key]: certA.fingerprint });

    const wrong = parseFingerprintList([`${server.key}=${certA.fingerprint}`]);
    const e = await expectChainError(connectElectrum(server, { pins: new PinStore({ file: tmpPins(), configured: wrong }) }), 'tls-pin');
    expect(e.message).toContain('does not match server_fingerprint');
  });

  it('fails over past a server whose certificate changed', async () => {
    const file = tmpPins();
    const bad = await serve({ tls: certB, onLine: electrumHandler({}) });
    const good = await serve({ tls: certA, onLine: electrumHandler({}) });
    writeFileSync(file, JSON.stringify({ [parseServerUrl(bad.url).key]: certA.fingerprint }));
    const { client, failures } = await connectFirst([bad.url, good.url].map(parseServerUrl), { pins: new PinStore({ file }) });
    clients.push(client);
    expect(client.server.url).toBe(good.url);
    expect(failures[0]!.error.code).toBe('tls-pin');
  });
});
