// The simulator's CLI as another process would use it: bundled with esbuild, started with
// --tls --port 0 --fixture-setup, it prints its url and certificate fingerprint, serves the
// fixture names, takes commands on stdin and exits on quit.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FIXTURES, REPO_ROOT } from '../helpers/fixtures.ts';
import { LineClient } from './replay.ts';
import { certFingerprint } from '../sim/certs.ts';

let dir: string;
let bundle: string;
beforeAll(async () => {
  // inside the repo so that the bundle finds node_modules (ESM ignores NODE_PATH); removed after
  dir = mkdtempSync(join(REPO_ROOT, 'test', 'sim-tests', '.cli-build-'));
  bundle = join(dir, 'sim.mjs');
  await build({
    entryPoints: [join(REPO_ROOT, 'test/sim/cli.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('--tls --port 0 --fixture-setup: one JSON line, then a working server driven from stdin', async () => {
  const child = spawn(process.execPath, [bundle, '--tls', '--port', '0', '--fixture-setup'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NMCDDNS_FIXTURES: FIXTURES },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
  try {
    const hello = await next();
    expect(hello.url).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    expect(hello.fingerprint).toBe(certFingerprint(hello.certPem as string));
    expect(hello.tipHeight).toBe(164);
    const c = await LineClient.open(hello.url as string, hello.certPem as string);
    c.send('{"jsonrpc":"2.0","method":"server.version","id":1,"params":["t","1.4.3"]}');
    await c.next();
    // dd/alpha's name index, as in the recording: registered at 163
    c.send('{"jsonrpc":"2.0","method":"blockchain.scripthash.get_history","id":2,"params":["1459811f851c4b4c0684a1789134a301b91279182a42f7831b6c0ddd966bffd8"]}');
    const hist = JSON.parse((await c.next())!).result as { height: number }[];
    expect(hist.map((h) => h.height)).toEqual([163]);
    // key1 p2wpkh: the name coin and four fee coins
    c.send('{"jsonrpc":"2.0","method":"blockchain.scripthash.listunspent","id":3,"params":["1b95aec922244f4af50e2b04a266c6955a42271246de38924a0ffc04abdc520d"]}');
    const utxos = JSON.parse((await c.next())!).result as { value: number }[];
    expect(utxos.map((u) => u.value)).toEqual([1_000_000, 100_000_000, 100_000_000, 100_000_000, 100_000_000]);
    child.stdin!.write('mine 2\n');
    expect(await next()).toMatchObject({ ok: true, tipHeight: 166 });
    child.stdin!.write('state dd/charlie\n');
    expect(await next()).toMatchObject({ ok: true, state: { name: 'dd/charlie', value: '{"ip":"192.0.2.3"}', height: 163, value_sat: 5_000_000 } });
    child.stdin!.write('faults {"hang":true}\n');
    expect(await next()).toEqual({ ok: true });
    c.send('{"jsonrpc":"2.0","method":"server.ping","id":4,"params":[]}');
    expect(await c.next(300)).toBeNull();
    c.close();
    child.stdin!.write('quit\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
  } finally {
    child.kill();
  }
});
