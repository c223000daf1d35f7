// The rpcd exec plugin /usr/libexec/rpcd/luci.nmcddns, run as a real process the way rpcd runs
// it (`list`, `call <method>` with JSON on stdin, one JSON object on stdout), under dash and
// under a busybox-only PATH (as on OpenWrt, with and without busybox's setsid), against a
// stand-in CLI (luci-fixtures/fake-nmcddns.mjs) and, when the built CLI has it, the real
// `nmcddns status --json`.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_CLI, LUCI_FIXTURES, RPCD_PLUGIN, realCli, realCliWrapper, recordView, viewPaths } from './luci-fixtures/views.ts';
import { emptyStatus, writeStatus, type StatusCache } from '../../src/state/status.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Until rpcd would see the call finished: the process exited AND its stdout/stderr closed. */
  ms: number;
}

const scratch = mkdtempSync(join(tmpdir(), 'nmcddns-luci-rpcd-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// A PATH holding only busybox applets (plus node for the stand-in CLI), like an OpenWrt shell.
function busyboxPath(name: string, withSetsid: boolean): string | null {
  const bb = '/usr/bin/busybox';
  if (!existsSync(bb)) return null;
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const applets = spawnSync(bb, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const a of applets) {
    if (a === 'setsid' && !withSetsid) continue;
    symlinkSync(bb, join(dir, a));
  }
  symlinkSync(process.execPath, join(dir, 'node'));
  return dir;
}

interface Shell {
  label: string;
  sh: string;
  path: string;
  detaches: boolean; // starts the run in its own session (setsid present)
}
const shells: Shell[] = [{ label: 'dash (/bin/sh)', sh: '/bin/sh', path: process.env.PATH ?? '/usr/bin:/bin', detaches: true }];
{
  const withSetsid = busyboxPath('bb-setsid', true);
  const without = busyboxPath('bb-plain', false);
  if (withSetsid) shells.push({ label: 'busybox sh with setsid', sh: join(withSetsid, 'sh'), path: withSetsid, detaches: true });
  if (without) shells.push({ label: 'busybox sh without setsid', sh: join(without, 'sh'), path: without, detaches: false });
  else console.warn('busybox not found: the plugin runs under dash only (apt-get install busybox)');
}

function runPlugin(shell: Shell, args: string[], env: Record<string, string>, stdin = '{}'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(shell.sh, [RPCD_PLUGIN, ...args], {
      env: { PATH: shell.path, HOME: scratch, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
    // rpcd writes the arguments only for `call`; `list` gets none.
    if (args[0] === 'call') p.stdin.end(stdin);
    else p.stdin.end();
  });
}

function json(r: Run): Record<string, unknown> {
  expect(r.code, r.stderr).toBe(0);
  const v = JSON.parse(r.stdout) as unknown;
  expect(typeof v === 'object' && v !== null && !Array.isArray(v), `an object: ${r.stdout}`).toBe(true);
  return v as Record<string, unknown>;
}

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let state: string;
/** What the stand-in CLI was asked so far ('' before its first call). */
const calls = (): string => (existsSync(join(state, 'calls.log')) ? readFileSync(join(state, 'calls.log'), 'utf8') : '');
let env: Record<string, string>;
beforeEach(() => {
  state = mkdtempSync(join(scratch, 'state-'));
  for (const f of ['status.json', 'check.json', 'setup.json']) copyFileSync(join(LUCI_FIXTURES, f), join(state, f));
  env = { NMCDDNS_BIN: FAKE_CLI, FAKE_NMCDDNS_STATE: state };
});

const WIF_DESCRIPTOR = 'wpkh(TfakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFak)';

describe.each(shells)('rpcd plugin under $label', (shell) => {
  it('lists exactly the methods the views call, without arguments', async () => {
    const listed = json(await runPlugin(shell, ['list'], env));
    const declared = new Set<string>();
    for (const p of viewPaths()) for (const c of (await recordView(p)).rpc) declared.add(c.method);
    expect(Object.keys(listed).sort()).toEqual([...declared].sort());
    for (const sig of Object.values(listed)) expect(sig).toEqual({});
  });

  it('answers status with exactly what `nmcddns status --json` printed', async () => {
    const r = await runPlugin(shell, ['call', 'status'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(readFileSync(join(state, 'status.json'), 'utf8').trim());
    expect(json(r)).toEqual(JSON.parse(readFileSync(join(LUCI_FIXTURES, 'status.json'), 'utf8')));
  });

  it('answers check and setup from the CLI', async () => {
    expect(json(await runPlugin(shell, ['call', 'check'], env))).toEqual(JSON.parse(readFileSync(join(state, 'check.json'), 'utf8')));
    expect(json(await runPlugin(shell, ['call', 'setup'], env))).toEqual(JSON.parse(readFileSync(join(state, 'setup.json'), 'utf8')));
    const log = calls();
    expect(log).toMatch(/ check --json\n/);
    expect(log).toMatch(/ setup --json\n/);
  });

  it('update returns {"started":true} at once while the run goes on', async () => {
    // The run lasts long enough that a loaded 2-core CI still sees it going on while the plugin
    // has long returned: returning in under a quarter of the run's time proves it did not wait.
    const runMs = 8000;
    const r = await runPlugin(shell, ['call', 'update'], { ...env, FAKE_NMCDDNS_RUN_MS: String(runMs) });
    expect(json(r)).toEqual({ started: true });
    expect(r.ms).toBeLessThan(runMs / 4);
    // The run started, is still going after the plugin is gone, and then finishes.
    await waitFor('the run to start', () => (/ update\n/.test(calls()) ? true : undefined));
    const during = json(await runPlugin(shell, ['call', 'status'], env));
    expect(during.running).toBe(true);
    expect(calls()).not.toMatch(/finished/);
    const after = await waitFor('the run to finish', () => {
      const st = JSON.parse(readFileSync(join(state, 'status.json'), 'utf8')) as { running: boolean; lastRun: { action: string } };
      return st.running ? undefined : st;
    }, 4 * runMs);
    expect(after.lastRun.action).toBe('updated');
    // `update` with no --json: the plugin does not wait for output it would never read.
    expect(calls()).toMatch(/^\d+ update$/m);
  }, 60_000);

  it.runIf(shell.detaches)('the started run leaves the caller\'s process group (setsid), so killing rpcd\'s child group spares it', async () => {
    const p = spawn(shell.sh, [RPCD_PLUGIN, 'call', 'update'], {
      env: { PATH: shell.path, ...env, FAKE_NMCDDNS_RUN_MS: '1500' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, so -pid below names exactly that group
    });
    p.stdin.end('{}');
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await new Promise((r) => p.on('close', r));
    expect(JSON.parse(out)).toEqual({ started: true });
    await waitFor('the run to start', () => (/ update\n/.test(calls()) ? true : undefined));
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      // ESRCH: nothing left in that group, which is the point
    }
    await waitFor('the run to finish despite the kill', () => (/finished/.test(calls()) ? true : undefined));
  });

  it('keygen makes a key, answers with the setup, and never prints the key', async () => {
    const r = await runPlugin(shell, ['call', 'keygen'], { ...env, FAKE_NMCDDNS_LEAK: '1' });
    const res = json(r);
    expect(res.generated).toBe(true);
    expect(res.setup).toEqual(JSON.parse(readFileSync(join(state, 'setup.json'), 'utf8')));
    expect(readFileSync(join(state, 'hotkey'), 'utf8')).toContain(WIF_DESCRIPTOR);
    expect(r.stdout + r.stderr).not.toContain('TfakeFake');
    expect(calls()).toMatch(/ keygen --json\n.* setup --json\n/);
  });

  it('keygen with a key already there overwrites nothing and says why', async () => {
    writeFileSync(join(state, 'hotkey'), 'old key\n');
    const res = json(await runPlugin(shell, ['call', 'keygen'], env));
    expect(res.generated).toBe(false);
    expect(String(res.error)).toMatch(/already exists; refusing to overwrite/);
    expect(res.exitCode).toBe(1);
    expect(res.setup).toEqual(JSON.parse(readFileSync(join(state, 'setup.json'), 'utf8')));
    expect(readFileSync(join(state, 'hotkey'), 'utf8')).toBe('old key\n');
  });

  it('refuses to pass on an answer that holds a WIF descriptor', async () => {
    writeFileSync(join(state, 'setup.json'), JSON.stringify({ hotAddress: 'nc1qx', oops: WIF_DESCRIPTOR }));
    const r = await runPlugin(shell, ['call', 'setup'], env);
    expect(String(json(r).error)).toMatch(/looks like a private key/);
    expect(r.stdout).not.toContain('TfakeFake');
    // A 66-hex public key in a descriptor is not mistaken for one.
    writeFileSync(join(state, 'setup.json'), JSON.stringify({ descriptor: `wpkh(02${'ab'.repeat(32)})` }));
    expect(json(await runPlugin(shell, ['call', 'setup'], env)).descriptor).toBe(`wpkh(02${'ab'.repeat(32)})`);
  });

  it('turns a failing CLI into {"error"} with its message, quotes and backslashes intact', async () => {
    const bad = join(state, 'bad-cli');
    writeFileSync(bad, '#!/bin/sh\nprintf \'%s\\n\' \'nmcddns: option "name": \\ is not allowed\' \'see docs/config.md\' >&2\nexit 3\n', { mode: 0o755 });
    const res = json(await runPlugin(shell, ['call', 'status'], { ...env, NMCDDNS_BIN: bad }));
    expect(res).toEqual({ error: 'nmcddns: option "name": \\ is not allowed see docs/config.md', exitCode: 3 });
  });

  it('says the package is missing when the CLI is not there', async () => {
    const missing = { ...env, NMCDDNS_BIN: join(state, 'no-such-nmcddns') };
    expect(String(json(await runPlugin(shell, ['call', 'status'], missing)).error)).toMatch(/no-such-nmcddns not found or not executable: is the nmcddns package installed\?/);
    expect(json(await runPlugin(shell, ['call', 'update'], missing))).toMatchObject({ started: false });
  });

  it('rejects an unknown method with an error object', async () => {
    const r = await runPlugin(shell, ['call', 'format_flash'], env);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: "unknown method 'format_flash'" });
    expect(calls()).toBe('');
  });
});

describe('rpcd plugin with the real CLI (node dist/nmcddns.mjs)', () => {
  const real = realCli();
  const setupReal = (extra: Record<string, string> = {}) => realCliWrapper(mkdtempSync(join(scratch, 'real-')), real.bundle, extra);
  const direct = (bin: string, ...args: string[]) => spawnSync(bin, args, { encoding: 'utf8' });

  it.runIf(real.available)('answers status with byte for byte what `nmcddns status --json` prints', async () => {
    const w = setupReal();
    const d = direct(w.bin, 'status', '--json');
    expect(d.status, d.stderr).toBe(0);
    const r = await runPlugin(shells[0]!, ['call', 'status'], { NMCDDNS_BIN: w.bin });
    expect(r.stdout).toBe(d.stdout);
    const st = json(r);
    expect(st).toMatchObject({ name: 'dd/example', network: 'regtest', hotAddress: null, lastRun: null });
  });

  it.runIf(real.available)('the same for an agent that has run: a status cache the agent\'s own writer laid down', async () => {
    const w = setupReal();
    const hot = (JSON.parse(direct(w.bin, 'keygen', '--json').stdout) as { hotAddress: string }).hotAddress;
    const sample = JSON.parse(readFileSync(join(LUCI_FIXTURES, 'status.json'), 'utf8')) as StatusCache;
    writeStatus(w.stateDir, { ...emptyStatus('dd/example', 'regtest', hot), lastRun: sample.lastRun, lastBroadcast: sample.lastBroadcast, addresses: sample.addresses, chain: sample.chain, funds: sample.funds, value: sample.value, retryAt: new Date(Date.now() + 600_000).toISOString() });
    const d = direct(w.bin, 'status', '--json');
    expect(d.status, d.stderr).toBe(0);
    for (const shell of shells) {
      const r = await runPlugin(shell, ['call', 'status'], { NMCDDNS_BIN: w.bin });
      // retryIn counts down: equal but for it when a second passed between the two calls.
      const strip = (t: string) => t.replace(/"retryIn": ?\d+/, '"retryIn":0');
      expect(strip(r.stdout), shell.label).toBe(strip(d.stdout));
      expect(json(r)).toMatchObject({ hotAddress: hot, addresses: sample.addresses, funds: sample.funds, lastRun: sample.lastRun });
    }
  });

  it.runIf(real.available)('the hand-written samples have the shape of the real status output', () => {
    const w = setupReal();
    const realKeys = Object.keys(JSON.parse(direct(w.bin, 'status', '--json').stdout) as object).sort();
    for (const f of ['status.json', 'never-run-status.json']) {
      const sample = JSON.parse(readFileSync(join(LUCI_FIXTURES, f), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(sample).filter((k) => k !== '_comment').sort(), f).toEqual(realKeys);
    }
  });

  it.runIf(real.available)('keygen through the plugin writes a real key, answers with the real setup, never prints the key', async () => {
    const w = setupReal();
    for (const shell of shells) {
      // a fresh key file for each shell
      rmSync(w.keyFile, { force: true });
      const r = await runPlugin(shell, ['call', 'keygen'], { NMCDDNS_BIN: w.bin });
      const res = json(r);
      expect(res.generated, shell.label).toBe(true);
      const setup = direct(w.bin, 'setup', '--json');
      expect(res.setup).toEqual(JSON.parse(setup.stdout));
      const keyLine = readFileSync(w.keyFile, 'utf8').trim();
      const wif = /^w?pkh\(([^)]+)\)/.exec(keyLine)?.[1];
      expect(wif).toBeDefined();
      expect(r.stdout + r.stderr).not.toContain(wif!);
      expect((res.setup as { hotAddress: string }).hotAddress).toBe(json(await runPlugin(shell, ['call', 'status'], { NMCDDNS_BIN: w.bin })).hotAddress);
    }
    // And a second keygen keeps the key.
    const before = readFileSync(w.keyFile, 'utf8');
    const again = json(await runPlugin(shells[0]!, ['call', 'keygen'], { NMCDDNS_BIN: w.bin }));
    expect(again.generated).toBe(false);
    expect(String(again.error)).toMatch(/exists|overwrite/);
    expect(readFileSync(w.keyFile, 'utf8')).toBe(before);
  });

  it.runIf(real.available)('passes check --json on even when the CLI exits non-zero (nothing publishable)', async () => {
    const w = setupReal({ ip4_source: 'static', ip4_address: '203.0.113.7', ip6_source: 'none', upnp: '0' });
    const d = direct(w.bin, 'check', '--json');
    expect(d.status).not.toBe(0);
    const r = await runPlugin(shells[0]!, ['call', 'check'], { NMCDDNS_BIN: w.bin });
    expect(r.stdout.trim()).toBe(d.stdout.trim());
    expect(json(r)).toMatchObject({ ipv4: { address: null, via: 'none' } });
  });

  it.runIf(real.available)('setup without a key is an error object carrying the CLI\'s message', async () => {
    const w = setupReal();
    const d = direct(w.bin, 'setup', '--json');
    const res = json(await runPlugin(shells[0]!, ['call', 'setup'], { NMCDDNS_BIN: w.bin }));
    if (d.stdout.trim().startsWith('{')) expect(res).toEqual(JSON.parse(d.stdout));
    else {
      expect(res.exitCode).toBe(d.status);
      expect(String(res.error)).toBe(d.stderr.trim().replace(/[\n\r\t]/g, ' '));
    }
  });
});

describe('shell quality', () => {
  it('shellcheck -s sh finds nothing in the plugin', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', RPCD_PLUGIN], { encoding: 'utf8' });
    if (r.error) {
      if (process.env.CI === 'true') throw new Error('shellcheck missing under CI');
      console.warn('SKIPPED: shellcheck not installed');
      return;
    }
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
