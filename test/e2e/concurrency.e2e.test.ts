// Runs that overlap or die: hotplug, cron and LuCI may start `nmcddns update` all at once, and a
// router may lose power (or the OOM killer strike) at any moment of a run.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADDR_A, ADDR_B, ADDR_C, makeWorld, type World } from './world.ts';

const v4 = (a: string) => `{"ip":"${a}"}`;
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const broadcasts = (w: World) => w.sims.reduce((n, s) => n + (s.stats.byMethod['blockchain.transaction.broadcast'] ?? 0), 0);
/**
 * A child of the burst still running after this long is stuck, not slow (measured: the whole
 * burst takes 6 s idle, 11-15 s with the CPU loaded): it is killed so that the test fails on
 * its exit status with its debug log, instead of a bare vitest timeout that shows nothing.
 */
const STUCK_MS = 150_000;
const killIfStuck = (c: import('node:child_process').ChildProcess) => {
  const t = setTimeout(() => c.kill('SIGKILL'), STUCK_MS);
  c.once('exit', () => clearTimeout(t));
};
const leftovers = (w: World) => (existsSync(join(w.dir, 'run')) ? readdirSync(join(w.dir, 'run')).filter((n) => n !== 'status.json') : []);

describe('concurrent and killed runs', () => {
  it('a burst of 50 concurrent updates sends one transaction, serves every request, and leaves no lock', async () => {
    world = await makeWorld();
    const w = world;
    expect((await w.update()).json.action).toBe('updated');
    w.chain.mine();
    w.setConfig({ ip4_address: ADDR_B });
    const before = broadcasts(w);
    const runs = await Promise.all(Array.from({ length: 50 }, () => w.run(['update', '--json'], { onSpawn: killIfStuck })));
    for (const r of runs) expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 0, signal: null });
    const sent = runs.flatMap((r) => (r.json.rounds ?? [r.json]).filter((x: { action: string }) => x.action === 'updated'));
    expect(sent).toHaveLength(1);
    expect(broadcasts(w) - before).toBe(1);
    expect(w.chain.mempool).toHaveLength(1);
    // Deferred runs said so and returned at once; the rounds ran under the lock one after another.
    const deferred = runs.filter((r) => r.json.deferred === true);
    const rounds = runs.filter((r) => !r.json.deferred).reduce((n, r) => n + (r.json.rounds?.length ?? 1), 0);
    expect(deferred.length + runs.filter((r) => !r.json.deferred).length).toBe(50);
    // Measured: 2 (the round in progress, then one after the burst settled). 3 only if the
    // machine stalls for more than the 1 s settle time between two of the 50 process starts.
    expect(rounds).toBeLessThanOrEqual(3);
    expect(leftovers(w)).toEqual([]);
    w.chain.mine();
    expect(w.value()).toBe(v4(ADDR_B));
    // 50 node processes on 2 busy cores: room for a stuck child to be killed and reported.
  }, STUCK_MS + 90_000);

  // Each point is a request the simulator sees; the run is killed with SIGKILL right there.
  it.each([
    ['while connecting', 'server.version'],
    ['in the middle of the name lookup', 'blockchain.scripthash.listunspent'],
    ['while fetching transactions', 'blockchain.transaction.get'],
    ['after the server accepted the broadcast, before the reply', 'blockchain.transaction.broadcast'],
  ])('kill -9 %s: the next run is correct and takes over the lock', async (_label, method) => {
    world = await makeWorld();
    const w = world;
    expect((await w.update()).json.action).toBe('updated');
    w.chain.mine();
    w.setConfig({ ip4_address: ADDR_C });
    let victim: import('node:child_process').ChildProcess | undefined;
    w.sims[0]!.faults.transform = (m, _params, result) => {
      if (m === method && victim && victim.exitCode === null) victim.kill('SIGKILL');
      return result;
    };
    const killed = await w.run(['update', '--json'], { onSpawn: (c) => (victim = c) });
    w.sims[0]!.faults.transform = null;
    expect(killed.signal).toBe('SIGKILL');
    // Its lock is still there: a dead holder's.
    expect(existsSync(join(w.dir, 'run', 'run.lock'))).toBe(true);
    const next = await w.update();
    expect(next.code, next.stderr).toBe(0);
    const sentBeforeKill = method === 'blockchain.transaction.broadcast';
    // If the killed run's transaction reached the node, the next run sees it pending and waits.
    expect(next.json.action).toBe(sentBeforeKill ? 'waiting' : 'updated');
    expect(w.chain.mempool).toHaveLength(1);
    expect(leftovers(w)).toEqual([]);
    w.chain.mine();
    expect(w.value()).toBe(v4(ADDR_C));
    expect((await w.update()).json.action).toBe('unchanged');
  });

  it('kill -9 at random moments: never two transactions, and the chain ends at the configured value', async () => {
    world = await makeWorld();
    const w = world;
    const addresses = [ADDR_B, ADDR_C, ADDR_A, ADDR_B];
    let delay = 40;
    for (const a of addresses) {
      w.setConfig({ ip4_address: a });
      await w.run(['update', '--json'], { onSpawn: (c) => setTimeout(() => c.kill('SIGKILL'), delay) });
      delay += 90;
      expect(w.chain.mempool.length).toBeLessThanOrEqual(1);
    }
    const last = await w.update();
    expect(last.code, last.stderr).toBe(0);
    expect(['updated', 'replaced', 'waiting']).toContain(last.json.action);
    expect(w.chain.mempool).toHaveLength(1);
    w.chain.mine();
    expect(w.value()).toBe(v4(ADDR_B));
    expect(leftovers(w)).toEqual([]);
  });
});

describe('signals and dry runs', () => {
  it('SIGTERM during a run (server hanging) releases the lock; the next run goes through', async () => {
    world = await makeWorld();
    const w = world;
    w.sims[0]!.faults.hang = true;
    const r = await w.run(['update', '--json'], {
      onSpawn: (c) => {
        const t = setInterval(() => {
          if (existsSync(join(w.dir, 'run', 'run.lock'))) {
            clearInterval(t);
            setTimeout(() => c.kill('SIGTERM'), 200);
          }
        }, 20);
      },
    });
    expect(r.code).toBe(143);
    expect(existsSync(join(w.dir, 'run', 'run.lock'))).toBe(false);
    w.sims[0]!.faults.hang = false;
    expect((await w.update()).json.action).toBe('updated');
  });

  it('--dry-run signs but sends nothing and leaves the status alone', async () => {
    world = await makeWorld();
    const r = await world.update(['--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ action: 'updated', dryRun: true });
    expect(r.json.txid).toBeUndefined();
    expect(r.json.tx.hex).toMatch(/^00710000/);
    expect(r.json.tx.fee).toBeGreaterThan(0);
    expect(world.chain.mempool).toEqual([]);
    expect(world.sims[0]!.stats.byMethod['blockchain.transaction.broadcast'] ?? 0).toBe(0);
    expect((await world.run(['status', '--json'])).json.lastRun).toBeNull();
    // What it signed is what the node would accept.
    expect(world.chain.testAccept(r.json.tx.hex).allowed).toBe(true);
  });
});
