// Bundle size and cold start: what a router pays on every run before doing any work.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUNDLE = 'dist/nmcddns.mjs';
const WASM = 'dist/secp256k1.wasm';
const BUNDLE_BUDGET = 200 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function wallMs(args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

const bundle = readFileSync(BUNDLE);
const bytes = bundle.length;
const gz = gzipSync(bundle, { level: 9 }).length;
const wasm = statSync(WASM).size;
const wasmGz = gzipSync(readFileSync(WASM), { level: 9 }).length;
console.log(`bundle ${BUNDLE}: ${bytes} bytes, ${gz} gzip bytes (budget ${BUNDLE_BUDGET} bytes: ${bytes <= BUNDLE_BUDGET ? 'ok' : 'OVER'})`);
console.log(`wasm ${WASM}: ${wasm} bytes, ${wasmGz} gzip bytes`);

const RUNS = 15;
const bare = wallMs(['-e', '0'], RUNS);
const version = wallMs([BUNDLE, '--version'], RUNS);
console.log(`cold start (median of ${RUNS}): node -e 0 ${bare.toFixed(1)} ms, nmcddns --version ${version.toFixed(1)} ms, ratio ${(version / bare).toFixed(2)}`);
if (bytes > BUNDLE_BUDGET) process.exitCode = 1;
