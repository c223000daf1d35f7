// Electrum client under a hostile server, and the cost of one name-state lookup.
//  1. Peak RSS while a server (a separate process, so its memory does not count) streams an
//     endless line: the client must drop it at the line cap, every time, and stay flat.
//  2. Requests and bytes of one lookupNameState against the recorded p2wpkh-update view.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { connectElectrum, DEFAULT_MAX_LINE_BYTES } from '../src/chain/electrum.ts';
import { ChainError } from '../src/chain/errors.ts';
import { lookupNameState } from '../src/chain/namestate.ts';
import { parseServerUrl } from '../src/chain/servers.ts';
import { hexToBytes } from '../src/sign/bytes.ts';
import { getNetwork } from '../src/sign/network.ts';

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const HOSTILE = `
const net = require('node:net');
const chunk = Buffer.alloc(64 * 1024, 0x61);
const srv = net.createServer((s) => {
  s.on('error', () => {});
  s.once('data', () => {
    s.write('{"jsonrpc":"2.0","result":"');
    const pump = () => { while (!s.destroyed && s.write(chunk)) {} if (!s.destroyed) s.once('drain', pump); };
    pump();
  });
});
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
`;

async function hostileServer(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', HOSTILE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((res) => createInterface({ input: child.stdout! }).once('line', res));
  return { port: Number(line), stop: () => child.kill() };
}

async function endlessLine(maxLineBytes: number, connections: number): Promise<{ peakRss: number; baseRss: number; received: number }> {
  const { port, stop } = await hostileServer();
  gc();
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 2);
  let received = 0;
  try {
    for (let i = 0; i < connections; i++) {
      const e = await connectElectrum(parseServerUrl(`tcp://127.0.0.1:${port}`), { maxLineBytes, pingIntervalMs: 0 }).then(
        () => new Error('the hostile server was accepted'),
        (x: unknown) => x,
      );
      if (!(e instanceof ChainError) || e.code !== 'line-too-long') throw e;
      received += maxLineBytes;
    }
  } finally {
    clearInterval(sampler);
    stop();
  }
  return { peakRss, baseRss, received };
}

const mb = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

// Each case runs in a fresh process (this same file, with arguments), so one case's garbage
// and heap growth do not colour the next one's figures.
if (process.argv[2] === 'endless') {
  const r = await endlessLine(Number(process.argv[3]), Number(process.argv[4]));
  console.log(JSON.stringify(r));
  process.exit(0);
}
for (const [cap, n] of [[DEFAULT_MAX_LINE_BYTES, 1], [DEFAULT_MAX_LINE_BYTES, 200], [16 * MiB, 5]] as const) {
  const child = spawn(process.execPath, ['--expose-gc', process.argv[1]!, 'endless', String(cap), String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = await new Promise<string>((res) => createInterface({ input: child.stdout! }).once('line', res));
  const r = JSON.parse(out) as { peakRss: number; baseRss: number; received: number };
  console.log(
    `endless line, line cap ${mb(cap)}${cap === DEFAULT_MAX_LINE_BYTES ? ' (default)' : ''}: ${n} connection(s), each dropped at the cap (${mb(r.received)} taken in all); ` +
      `RSS ${mb(r.baseRss)} before, peak ${mb(r.peakRss)} (+${mb(r.peakRss - r.baseRss)})`,
  );
}

// One name-state lookup against the recorded view (fixtures via the test helpers).
process.env.NMCDDNS_FIXTURES ??= resolve(process.cwd(), '..', 'shared', 'fixtures');
const { startRecordedServer, recordedTransactions } = await import('../test/chain/recorded.ts');
recordedTransactions(); // build the fixture index before timing
const { readFixtureJson } = await import('../test/helpers/fixtures.ts');
type Recorded = { owner: { listunspent: { result: unknown[] } }; name_index: { get_history: { result: unknown[] } } };
const rec = readFixtureJson<Recorded>('regtest', 'p2wpkh-update', 'update.electrum-pending.json');
const KEY1_SH = '1b95aec922244f4af50e2b04a266c6955a42271246de38924a0ffc04abdc520d';
const ALPHA_SH = '1459811f851c4b4c0684a1789134a301b91279182a42f7831b6c0ddd966bffd8';
const server = await startRecordedServer({ tip: 164, listunspent: { [KEY1_SH]: rec.owner.listunspent.result }, history: { [ALPHA_SH]: rec.name_index.get_history.result } });
const client = await connectElectrum(parseServerUrl(server.url), { pingIntervalMs: 0 });
const before = { ...client.stats };
const t0 = performance.now();
const state = await lookupNameState(client, { name: 'dd/alpha', hotScript: hexToBytes('001450115c5bf71fc8ec663a8825f4fcefde347912c0'), network: getNetwork('regtest') });
const ms = performance.now() - t0;
const s = client.stats;
console.log(
  `lookupNameState dd/alpha (pending update, ${rec.owner.listunspent.result.length} coins at the hot address): ` +
    `${s.requests - before.requests} requests, ${s.bytesSent - before.bytesSent} bytes sent, ${s.bytesReceived - before.bytesReceived} bytes received, ` +
    `${ms.toFixed(1)} ms on loopback (unpadded replies; ElectrumX pads each to ≥ 1024 bytes); pending ${state.pending?.txid.slice(0, 16)}…`,
);
console.log(`  (plus the session: server.version ${before.requests} request, ${before.bytesSent} + ${before.bytesReceived} bytes)`);
await client.close();
await server.close();

// The same lookup against the simulator, which pads every reply like ElectrumX 1.20.0 does.
{
  const { startSimulator } = await import('../test/sim/index.ts');
  const { hotKeyFromWif, hotScript } = await import('../src/sign/keys.ts');
  const regtest = getNetwork('regtest');
  const hot = hotScript(hotKeyFromWif('cTcpidRjJoBS9sh4VHjGDygfhgWiDDYvknPiY7Xxf7jxmJazB7D1', regtest, 'p2wpkh'));
  const sim = await startSimulator({ tls: true });
  sim.chain.registerName('dd/example', '{"ip":"192.0.2.1"}', hot);
  sim.chain.fund(hot, 100_000_000, { confirm: true });
  const { PinStore } = await import('../src/chain/pins.ts');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const pins = new PinStore({ file: resolve(mkdtempSync(resolve(tmpdir(), 'nmcddns-bench-')), 'pins.json') });
  const c = await connectElectrum(parseServerUrl(sim.url), { pingIntervalMs: 0, pins });
  const b0 = { ...c.stats };
  const t1 = performance.now();
  await lookupNameState(c, { name: 'dd/example', hotScript: hot, network: regtest });
  const ms1 = performance.now() - t1;
  console.log(
    `lookupNameState dd/example on the simulator over TLS (padded like ElectrumX; name coin + 1 fee coin): ` +
      `${c.stats.requests - b0.requests} requests, ${c.stats.bytesSent - b0.bytesSent} bytes sent, ${c.stats.bytesReceived - b0.bytesReceived} bytes received, ${ms1.toFixed(1)} ms`,
  );
  await c.close();
  await sim.close();
}
