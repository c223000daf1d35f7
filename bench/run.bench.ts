// One full `nmcddns update` against the simulator (TLS): what a router pays per run, and what
// one run costs a public server (they are few, and every router running nmcddns polls them).
//  1. wall time and peak RSS of the CLI process for an update and for a no-op run, as ratios to
//     a bare `node -e 0` measured the same way in the same run (median of RUNS);
//  2. requests, connections and bytes the simulator saw for one no-op run and one update.
// Peak RSS is the child's own getrusage maxrss, written by a preloaded exit hook, so the bench
// process (which hosts the simulator) does not count. The simulator checks every broadcast
// signature with bitcore, as a node would; that server-side time (~0.2 s here) is in the
// update's wall time the way a real server's latency is.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatKeyFile, generateHotKey, hotScript } from '../src/sign/keys.ts';
import { getNetwork } from '../src/sign/network.ts';
import { startSimulator, type Simulator } from '../test/sim/index.ts';

const RUNS = 7;
const BUNDLE = resolve('dist/nmcddns.mjs');
const HOOK =
  "data:text/javascript,import{appendFileSync}from'node:fs';process.on('exit',()=>appendFileSync(process.env.NMCDDNS_BENCH_RSS,process.resourceUsage().maxRSS+'\\n'))";

const dir = mkdtempSync(join(tmpdir(), 'nmcddns-bench-'));
const rssFile = join(dir, 'rss');

interface Sample {
  ms: number;
  rssKiB: number;
  code: number | null;
  out: string;
}

function measure(args: string[]): Promise<Sample> {
  writeFileSync(rssFile, '');
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', HOOK, ...args], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NMCDDNS_BENCH_RSS: rssFile } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      done({ ms, rssKiB: Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()), code, out });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const network = getNetwork('regtest');
  const key = generateHotKey(network, 'p2wpkh');
  const keyFile = join(dir, 'hotkey');
  writeFileSync(keyFile, formatKeyFile(key), { mode: 0o600 });
  const sim: Simulator = await startSimulator({ tls: true });
  sim.chain.registerName('dd/bench', '{}', hotScript(key));
  sim.chain.fund(hotScript(key), 100_000_000);
  sim.chain.mine();
  const configFile = join(dir, 'nmcddns.json');
  const config = (ip4: string) =>
    writeFileSync(
      configFile,
      JSON.stringify({
        name: 'dd/bench', network: 'regtest', server: [sim.url], server_fingerprint: [`${sim.host}:${sim.port}=${sim.certFingerprint}`],
        key_file: keyFile, state_dir: join(dir, 'run'), pin_file: join(dir, 'pins.json'),
        ip4_source: 'static', ip4_address: ip4, ip6_source: 'none', min_interval: 0, log_level: 'warn',
      }),
    );
  const update = [BUNDLE, '--config', configFile, 'update', '--json'];

  const bare: Sample[] = [];
  const updates: Sample[] = [];
  const noops: Sample[] = [];
  const load = { update: { requests: 0, bytesIn: 0, bytesOut: 0, connections: 0 }, noop: { requests: 0, bytesIn: 0, bytesOut: 0, connections: 0 } };
  const snap = () => ({ ...sim.stats });
  for (let i = 0; i < RUNS; i++) {
    bare.push(await measure(['-e', '0']));
    config(i % 2 === 0 ? '81.2.69.160' : '81.2.69.142');
    let before = snap();
    const u = await measure(update);
    const action = (JSON.parse(u.out) as { action: string }).action;
    if (action !== 'updated') throw new Error(`run ${i}: expected an update, got ${action}`);
    updates.push(u);
    if (i === 0) load.update = { requests: sim.stats.requests - before.requests, bytesIn: sim.stats.bytesIn - before.bytesIn, bytesOut: sim.stats.bytesOut - before.bytesOut, connections: sim.stats.connections - before.connections };
    sim.chain.mine();
    before = snap();
    const n = await measure(update);
    if ((JSON.parse(n.out) as { action: string }).action !== 'unchanged') throw new Error(`run ${i}: expected unchanged`);
    noops.push(n);
    if (i === 0) load.noop = { requests: sim.stats.requests - before.requests, bytesIn: sim.stats.bytesIn - before.bytesIn, bytesOut: sim.stats.bytesOut - before.bytesOut, connections: sim.stats.connections - before.connections };
  }
  await sim.close();
  rmSync(dir, { recursive: true, force: true });

  const bMs = median(bare.map((s) => s.ms));
  const bRss = median(bare.map((s) => s.rssKiB));
  const row = (label: string, xs: Sample[]) => {
    const ms = median(xs.map((s) => s.ms));
    const rss = median(xs.map((s) => s.rssKiB));
    console.log(`${label.padEnd(24)} wall ${ms.toFixed(0).padStart(5)} ms (${(ms / bMs).toFixed(2)}× node -e 0)   peak RSS ${(rss / 1024).toFixed(1).padStart(5)} MiB (${(rss / bRss).toFixed(2)}×)`);
  };
  console.log(`median of ${RUNS} runs each, one TLS server on loopback`);
  console.log(`${'node -e 0'.padEnd(24)} wall ${bMs.toFixed(0).padStart(5)} ms                   peak RSS ${(bRss / 1024).toFixed(1).padStart(5)} MiB`);
  row('update (sends a tx)', updates);
  row('update (no-op)', noops);
  for (const [label, l] of [['server load, update', load.update], ['server load, no-op', load.noop]] as const) {
    console.log(`${label.padEnd(24)} ${l.connections} connection(s), ${l.requests} requests, ${l.bytesIn} bytes to the server, ${l.bytesOut} bytes from it`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
