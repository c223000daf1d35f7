// The run lock against real processes: stale locks of dead, reused and rebooted pids are taken
// over; many processes racing for one stale lock still leave exactly one holder at a time; a
// burst of requests while a run is going on costs at most the rounds it needs and no request is
// lost.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockHolder, runSerialized, selfOwner, tryAcquire } from '../../src/state/lock.ts';

const tmpDirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'nmcddns-lock-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

let worker: string;
beforeAll(async () => {
  // A child that takes part in the race, built from the real module.
  const dir = tmp();
  const entry = join(dir, 'worker.ts');
  writeFileSync(
    entry,
    `import { appendFileSync } from 'node:fs';
import { runSerialized, tryAcquire } from ${JSON.stringify(join(process.cwd(), 'src/state/lock.ts'))};
const [mode, stateDir, log, holdMs] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t = () => Number(process.hrtime.bigint() / 1000n);
if (mode === 'race') {
  const got = tryAcquire(stateDir);
  if (got.acquired) {
    appendFileSync(log, 'start ' + process.pid + ' ' + t() + '\\n');
    await sleep(Number(holdMs));
    appendFileSync(log, 'end ' + process.pid + ' ' + t() + '\\n');
    got.lock.release();
  }
} else {
  const requested = t();
  const r = await runSerialized(stateDir, async () => {
    appendFileSync(log, 'round ' + process.pid + ' ' + t() + '\\n');
    await sleep(Number(holdMs));
    appendFileSync(log, 'roundend ' + process.pid + ' ' + t() + '\\n');
  });
  appendFileSync(log, (r.ran ? 'ran ' : 'deferred ') + process.pid + ' ' + requested + '\\n');
}
`,
  );
  worker = join(dir, 'worker.mjs');
  await build({ entryPoints: [entry], outfile: worker, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
});

function runWorkers(n: number, args: string[]): Promise<void> {
  return Promise.all(
    Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
    })),
  ).then(() => undefined);
}

function events(log: string): { kind: string; pid: number; t: number }[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [kind, pid, t] = l.split(' ');
    return { kind: kind!, pid: Number(pid), t: Number(t) };
  });
}

function assertNoOverlap(ev: { kind: string; t: number }[], start: string, end: string): number {
  const sorted = [...ev].filter((e) => e.kind === start || e.kind === end).sort((a, b) => a.t - b.t);
  let depth = 0;
  let max = 0;
  for (const e of sorted) {
    depth += e.kind === start ? 1 : -1;
    max = Math.max(max, depth);
  }
  expect(max).toBe(1);
  return sorted.filter((e) => e.kind === start).length;
}

describe('run lock', () => {
  it('is held by one process; a second attempt sees the live holder; release frees it', () => {
    const dir = tmp();
    const a = tryAcquire(dir);
    expect(a.acquired).toBe(true);
    const b = tryAcquire(dir);
    expect(b).toMatchObject({ acquired: false, holder: { pid: process.pid } });
    expect(lockHolder(dir)?.pid).toBe(process.pid);
    if (a.acquired) a.lock.release();
    expect(lockHolder(dir)).toBeNull();
    const c = tryAcquire(dir);
    expect(c.acquired).toBe(true);
    if (c.acquired) c.lock.release();
    expect(readdirSync(dir).filter((n) => n.startsWith('run.lock'))).toEqual([]);
  });

  it.each([
    ['a dead pid', () => ({ pid: deadPid(), startedAt: 1 })],
    ['a reused pid (same pid, other start time)', () => ({ ...selfOwner(), procStart: '1' })],
    ['a pid from before a reboot', () => ({ ...selfOwner(), bootId: '00000000-0000-0000-0000-000000000000' })],
  ])('takes over the lock of %s', (_label, owner) => {
    const dir = tmp();
    writeFileSync(join(dir, 'run.lock'), JSON.stringify(owner()));
    const got = tryAcquire(dir);
    expect(got.acquired).toBe(true);
    if (got.acquired) {
      expect(JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')).pid).toBe(process.pid);
      got.lock.release();
    }
  });

  it('takes over a corrupt lock file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'run.lock'), '');
    expect(tryAcquire(dir).acquired).toBe(true);
  });

  it('20 processes racing for a dead holder\'s lock: one holder at a time', async () => {
    const dir = tmp();
    const log = join(dir, 'log');
    writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid: deadPid(), startedAt: 1 }));
    await runWorkers(20, ['race', dir, log, '150']);
    const starts = assertNoOverlap(events(log), 'start', 'end');
    expect(starts).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });

  it('a burst of 30 requests: rounds never overlap, every deferred request is served by a later round, no lock left', async () => {
    const dir = tmp();
    const log = join(dir, 'log');
    await runWorkers(30, ['serial', dir, log, '400']);
    const ev = events(log);
    const rounds = assertNoOverlap(ev, 'round', 'roundend');
    const roundStarts = ev.filter((e) => e.kind === 'round').map((e) => e.t);
    const deferred = ev.filter((e) => e.kind === 'deferred');
    expect(deferred.length + ev.filter((e) => e.kind === 'ran').length).toBe(30);
    for (const d of deferred) expect(roundStarts.some((t) => t > d.t)).toBe(true);
    // Far fewer rounds than requests: each round serves every request that came before it.
    expect(rounds).toBeLessThan(10);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    expect(existsSync(join(dir, 'again'))).toBe(false);
  });

  it('runSerialized in one process returns the rounds it ran', async () => {
    const dir = tmp();
    const r = await runSerialized(dir, async () => 7);
    expect(r).toEqual({ ran: true, rounds: [7] });
  });
});
