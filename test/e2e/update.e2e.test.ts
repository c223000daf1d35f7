// End-to-end: the built dist/nmcddns.mjs as a child process against the Electrum simulator over
// TLS (certificate pinned by fingerprint in the config). Every scenario checks what reached the
// chain (the simulator's mempool and mined value), not only what the CLI printed.
import { afterEach, describe, expect, it } from 'vitest';
import { generateHotKey, hotScript } from '../../src/sign/keys.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { ADDR_A, ADDR_B, ADDR_C, makeWorld, type World } from './world.ts';

const v4 = (a: string) => `{"ip":"${a}"}`;
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function published(opts: Parameters<typeof makeWorld>[0] = {}): Promise<World> {
  world = await makeWorld(opts);
  const r = await world.update();
  expect(r.code, r.stderr).toBe(0);
  expect(r.json.action).toBe('updated');
  world.chain.mine();
  expect(world.value()).toBe(v4(ADDR_A));
  return world;
}

describe('nmcddns update against the simulator (TLS)', () => {
  it('first publish: signs, broadcasts, and the value is on chain after a block', async () => {
    world = await makeWorld();
    expect(world.value()).toBe('{}');
    const r = await world.update();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ action: 'updated', name: 'dd/example', value: v4(ADDR_A) });
    expect(r.json.txid).toMatch(/^[0-9a-f]{64}$/);
    expect(world.chain.mempool.map((t) => t.txid)).toEqual([r.json.txid]);
    world.chain.mine();
    expect(world.value()).toBe(v4(ADDR_A));
    // The key never shows up, even at log_level debug.
    const wif = /\(([^)]+)\)/.exec((await import('node:fs')).readFileSync(world.keyPath, 'utf8'))![1]!;
    expect(r.stdout + r.stderr).not.toContain(wif);
  });

  it('unchanged: a second run sends nothing', async () => {
    const w = await published();
    const broadcasts = w.sims[0]!.stats.byMethod['blockchain.transaction.broadcast'] ?? 0;
    const r = await w.update();
    expect(r.code).toBe(0);
    expect(r.json.action).toBe('unchanged');
    expect(r.json.txid).toBeUndefined();
    expect(w.chain.mempool).toEqual([]);
    expect(w.sims[0]!.stats.byMethod['blockchain.transaction.broadcast'] ?? 0).toBe(broadcasts);
  });

  it('change: a new address is published', async () => {
    const w = await published();
    w.setConfig({ ip4_address: ADDR_B });
    const r = await w.update();
    expect(r.json).toMatchObject({ action: 'updated', value: v4(ADDR_B) });
    w.chain.mine();
    expect(w.value()).toBe(v4(ADDR_B));
  });

  it('renew near expiry: the same value again once expires_in ≤ renew_blocks', async () => {
    const w = await published();
    const before = w.chain.nameState(w.name)!;
    w.chain.mine(19); // expires_in 11
    expect(w.chain.nameState(w.name)!.expiresIn).toBe(11);
    expect((await w.update()).json.action).toBe('unchanged');
    w.chain.mine(1); // expires_in 10 = renew_blocks on regtest
    const r = await w.update();
    expect(r.json).toMatchObject({ action: 'renewed', value: v4(ADDR_A) });
    w.chain.mine();
    const after = w.chain.nameState(w.name)!;
    expect(after.value).toBe(before.value);
    expect(after.height).toBeGreaterThan(before.height);
    expect(after.expiresIn).toBe(30);
  });

  it('nothing reachable near expiry: renews with the value already on chain instead of letting the name go', async () => {
    const w = await published();
    // The WAN is now behind a CGNAT with no upstream gateway to ask: nothing may be published.
    w.setConfig({ ip4_address: '100.64.7.9', upnp: false });
    const far = await w.update();
    expect(far.code).toBe(7);
    expect(far.json).toMatchObject({ action: 'refused' });
    expect(w.chain.mempool).toEqual([]);
    w.chain.mine(20); // expires_in 10 = renew_blocks on regtest
    const r = await w.update();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.action).toBe('renewed');
    expect(r.json.reason).toMatch(/nothing reachable.*value already on chain/);
    expect(w.chain.mempool.map((t) => t.txid)).toEqual([r.json.txid]);
    w.chain.mine();
    const after = w.chain.nameState(w.name)!;
    expect(after.value).toBe(v4(ADDR_A)); // the last checked address, never the CGNAT one
    expect(after.expiresIn).toBe(30);
  });

  it('an expired name (or one a block from expiry) is refused with what the owner must do; nothing sent', async () => {
    const w = await published();
    w.chain.mine(29); // expires_in 1: the coin has left the node's UTXO set (fixtures/regtest/expiry)
    let r = await w.update();
    expect(r.code).toBe(1);
    expect(r.json.action).toBe('refused');
    expect(r.json.reason).toMatch(/expires in 1 block.*register it again/);
    w.chain.mine(5);
    r = await w.update();
    expect(r.code).toBe(1);
    expect(r.json.reason).toMatch(/has expired.*register it again/);
    expect(w.chain.mempool).toEqual([]);
  });

  it('a UCI config file, as on the router, drives the same run', async () => {
    world = await makeWorld();
    const c = world.config as Record<string, string | string[] | number>;
    const uci = [
      "config nmcddns 'main'",
      `	option name '${c.name}'`,
      "	option network 'regtest'",
      ...(c.server as string[]).map((u) => `	list server '${u}'`),
      ...(c.server_fingerprint as string[]).map((f) => `	list server_fingerprint '${f}'`),
      `	option key_file '${c.key_file}'`,
      `	option state_dir '${c.state_dir}'`,
      `	option pin_file '${c.pin_file}'`,
      "	option ip4_source 'static'",
      `	option ip4_address '${ADDR_B}'`,
      "	option ip6_source 'none'",
      `	option template '{"txt":"served by a router"}'`,
    ].join('\n');
    const file = `${world.dir}/nmcddns.uci`;
    (await import('node:fs')).writeFileSync(file, `${uci}\n`);
    const r = await world.run(['--config', file, 'update', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.action).toBe('updated');
    world.chain.mine();
    expect(world.value()).toBe(`{"ip":"${ADDR_B}","txt":"served by a router"}`);
  });

  it('RBF: a pending update with an outdated value is replaced, not chained', async () => {
    const w = await published();
    w.setConfig({ ip4_address: ADDR_B });
    const first = await w.update();
    expect(first.json.action).toBe('updated');
    w.setConfig({ ip4_address: ADDR_C });
    const second = await w.update();
    expect(second.code, second.stderr).toBe(0);
    expect(second.json).toMatchObject({ action: 'replaced', value: v4(ADDR_C) });
    // The mempool holds only the replacement; the first one is gone (BIP125 accepted by the node policy).
    expect(w.chain.mempool.map((t) => t.txid)).toEqual([second.json.txid]);
    expect(w.chain.inMempool(first.json.txid)).toBe(false);
    const [oldTx, newTx] = [first, second].map((r) => r.stderr.match(/fee (\d+) sat/)![1]).map(Number);
    expect(newTx!).toBeGreaterThan(oldTx!);
    // A third run with the same address waits for the block.
    expect((await w.update()).json.action).toBe('waiting');
    w.chain.mine();
    expect(w.value()).toBe(v4(ADDR_C));
  });

  it('RBF above max_fee_rate: refused with exit 6, saying the replacement is what needs the higher rate; nothing sent', async () => {
    const w = await published({ config: { fee_rate: 100, max_fee_rate: 100 } });
    w.setConfig({ ip4_address: ADDR_B });
    const first = await w.update();
    expect(first.json.action).toBe('updated');
    w.setConfig({ ip4_address: ADDR_C });
    const second = await w.update();
    expect(second.code).toBe(6);
    expect(second.json.action).toBe('refused');
    expect(second.json.reason).toMatch(/replacing it needs more than that .* above max_fee_rate 100: raise max_fee_rate, or let the pending update confirm/);
    expect(w.chain.mempool.map((t) => t.txid)).toEqual([first.json.txid]);
  });

  it('min_interval: a change soon after a transaction waits; the last address goes out after the interval', async () => {
    const w = await published({ config: { min_interval: 600 } });
    w.setConfig({ ip4_address: ADDR_B });
    const r = await w.update();
    expect(r.json.action).toBe('waiting');
    expect(r.json.reason).toMatch(/min_interval is 600 s/);
    expect(w.chain.mempool).toEqual([]);
    // Losing the cache (tmpfs after a reboot) only loses the timer.
    (await import('node:fs')).rmSync(`${w.dir}/run/status.json`);
    expect((await w.update()).json.action).toBe('updated');
  });

  it('min_interval: a flapping WAN waits, the run records when it is due, and the run then sends the last address in one transaction', async () => {
    const { existsSync, readFileSync } = await import('node:fs');
    const interval = 10; // s: long enough that a loaded machine starts the runs below within it
    const w = await published({ config: { min_interval: interval } });
    const sentAt = Date.parse((await w.run(['status', '--json'])).json.lastBroadcast.at);
    const due = sentAt + interval * 1000;
    const alarm = `${w.dir}/run/retry_at`;
    w.setConfig({ ip4_address: ADDR_B });
    const held = await w.update();
    expect(held.json.action).toBe('waiting');
    expect(Date.parse(held.json.retryAt)).toBe(due);
    expect(held.json.retryIn).toBeGreaterThan(0);
    expect(held.json.retryIn).toBeLessThanOrEqual(interval);
    // The same moment for LuCI (status --json) and, in Unix seconds, for the periodic shell loop.
    expect((await w.run(['status', '--json'])).json.retryAt).toBe(held.json.retryAt);
    expect(readFileSync(alarm, 'utf8')).toBe(`${Math.ceil(due / 1000)}\n`);
    w.setConfig({ ip4_address: ADDR_C });
    expect((await w.update()).json.action).toBe('waiting');
    expect(w.chain.mempool).toEqual([]);
    // The run started at that moment sends the address of that moment, and clears the alarm.
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 100));
    const sent = await w.update();
    expect(sent.json).toMatchObject({ action: 'updated', value: v4(ADDR_C) });
    expect(sent.json.retryAt).toBeUndefined();
    expect(w.chain.mempool).toHaveLength(1);
    expect(existsSync(alarm)).toBe(false);
    expect((await w.run(['status', '--json'])).json).toMatchObject({ retryAt: null, retryIn: null });
  }, 60_000);

  it('fee from surplus: a name coin holding 0.05 NMC pays its own fee without any fee coin', async () => {
    world = await makeWorld({ nameAmount: 5_000_000, funds: [] });
    const r = await world.update();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.action).toBe('updated');
    expect(r.json.funds).toMatchObject({ feeCoins: 0, balanceSat: 5_000_000 });
    world.chain.mine();
    const st = world.chain.nameState(world.name)!;
    expect(st.value).toBe(v4(ADDR_A));
    expect(st.value_sat).toBeLessThan(5_000_000);
    expect(st.value_sat).toBeGreaterThanOrEqual(1_000_000);
  });

  it('refuses when the name sits at another address: exit 1, nothing sent', async () => {
    const other = generateHotKey(getNetwork('regtest'));
    world = await makeWorld({ ownerScript: hotScript(other) });
    const r = await world.update();
    expect(r.code).toBe(1);
    expect(r.json.action).toBe('refused');
    expect(r.json.reason).toMatch(/not owned by this key/);
    expect(r.json.reason).toContain(world.hotAddress);
    expect(world.chain.mempool).toEqual([]);
  });

  it('refuses above the fee cap (max_fee, and a server estimate above max_fee_rate): exit 6, nothing sent', async () => {
    world = await makeWorld({ config: { max_fee: 1000 } });
    let r = await world.update();
    expect(r.code).toBe(6);
    expect(r.json.reason).toMatch(/above max_fee 1000 sat;/);
    expect(world.chain.mempool).toEqual([]);
    world.setConfig({ max_fee: 200000 });
    world.sims[0]!.faults.lies.estimateFee = 0.05; // 5000 sat/vB
    r = await world.update();
    expect(r.code).toBe(6);
    expect(r.json.reason).toMatch(/max_fee_rate|maxFeeRate/);
    expect(world.chain.mempool).toEqual([]);
  });

  it('two servers that disagree: exit 5 naming both, nothing sent anywhere', async () => {
    world = await makeWorld({ servers: 2 });
    const fork = world.chain.fork();
    fork.forceNameUpdate(world.name, '{"ip":"6.6.6.6"}');
    world.sims[1]!.useChain(fork);
    const r = await world.update();
    expect(r.code).toBe(5);
    expect(r.json.reason).toMatch(/disagree/);
    expect(r.json.reason).toContain(world.sims[0]!.url);
    expect(r.json.reason).toContain(world.sims[1]!.url);
    expect(world.chain.mempool).toEqual([]);
    expect(fork.mempool).toEqual([]);
    // The two agreeing again: it goes through.
    world.sims[1]!.useChain(world.chain);
    expect((await world.update()).json.action).toBe('updated');
  });

  it('a broadcast every server rejects: exit 5 with the node\'s reason, and no min_interval timer started', async () => {
    world = await makeWorld({ config: { min_interval: 600 } });
    world.sims[0]!.faults.lies.rejectBroadcast = 'min relay fee not met, 100 < 24300';
    const r = await world.update();
    expect(r.code).toBe(5);
    expect(r.json.action).toBe('refused');
    expect(r.json.reason).toMatch(/no server accepted [0-9a-f]{64}: .*min relay fee not met/);
    expect(world.chain.mempool).toEqual([]);
    const s = (await world.run(['status', '--json'])).json;
    expect(s.lastRun).toMatchObject({ action: 'refused', exitCode: 5 });
    expect(s.lastBroadcast).toBeNull();
    // Not rate-limited: nothing was sent, so the next run may try at once.
    world.sims[0]!.faults.lies.rejectBroadcast = undefined;
    expect((await world.update()).json.action).toBe('updated');
  });

  it('a bad key file or config with a live server: its exit code, and the server never contacted', async () => {
    world = await makeWorld();
    const { chmodSync } = await import('node:fs');
    chmodSync(world.keyPath, 0o644);
    const r = await world.update();
    expect(r.code).toBe(4);
    expect(r.json.message).toContain(`chmod 600 ${world.keyPath}`);
    chmodSync(world.keyPath, 0o600);
    world.setConfig({ max_fee_rate: 50 });
    expect((await world.update()).code).toBe(3);
    expect(world.sims[0]!.stats.connections).toBe(0);
    expect(world.chain.mempool).toEqual([]);
  });

  it('trust on first use: the pin is recorded, listed, and forgotten with pins --forget', async () => {
    world = await makeWorld({ config: { server_fingerprint: [] } });
    expect((await world.update()).json.action).toBe('updated');
    const sim = world.sims[0]!;
    const hostPort = `${sim.host}:${sim.port}`;
    const listed = await world.run(['pins', '--json']);
    expect(listed.json.pins).toEqual({ [hostPort]: sim.certFingerprint });
    const forgot = await world.run(['pins', '--forget', hostPort, '--json']);
    expect(forgot.code).toBe(0);
    expect(forgot.json.forgotten).toBe(hostPort);
    expect((await world.run(['pins', '--json'])).json.pins).toEqual({});
    expect((await world.run(['pins', '--forget', hostPort])).code).toBe(1);
  });

  it('status says running while a run holds the lock', async () => {
    world = await makeWorld();
    const w = world;
    w.sims[0]!.faults.delayMs = 1500;
    const running = w.update();
    const { existsSync } = await import('node:fs');
    while (!existsSync(`${w.dir}/run/run.lock`)) await new Promise((r) => setTimeout(r, 20));
    const s = await w.run(['status', '--json']);
    expect(s.json.running).toBe(true);
    // A run started now defers to the running one and exits 0 at once.
    const deferred = await w.update();
    expect(deferred.json).toMatchObject({ action: 'waiting', deferred: true, exitCode: 0 });
    w.sims[0]!.faults.delayMs = 0;
    const done = await running;
    expect(done.json.rounds?.map((x: { action: string }) => x.action) ?? [done.json.action]).toContain('updated');
    expect((await w.run(['status', '--json'])).json.running).toBe(false);
  });

  it('status --json after runs: what LuCI shows', async () => {
    const w = await published();
    w.setConfig({ ip4_address: ADDR_B });
    const u = await w.update();
    const s = await w.run(['status', '--json']);
    expect(s.code).toBe(0);
    expect(s.json).toMatchObject({
      name: 'dd/example',
      network: 'regtest',
      hotAddress: w.hotAddress,
      running: false,
      lastRun: { action: 'updated', txid: u.json.txid, exitCode: 0 },
      addresses: { ipv4: { address: ADDR_B, via: 'static' }, ipv6: { address: null, via: 'none' } },
      chain: { value: v4(ADDR_A), pending: { txid: u.json.txid, value: v4(ADDR_B) } },
      funds: { feeCoins: 1 },
    });
    expect(s.json.chain.expiresIn).toBeGreaterThan(0);
    expect(s.json.funds.updatesLeft).toBeGreaterThan(1000);
    expect(Date.parse(s.json.lastRun.finishedAt)).toBeGreaterThanOrEqual(Date.parse(s.json.lastRun.startedAt));
  });
});
