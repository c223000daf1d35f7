// `nmcddns doctor` and `setup` against the simulator: a correct setup passes every check; each
// thing the owner can get wrong is found and comes with its fix.
import { chmodSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { generateHotKey, hotScript } from '../../src/sign/keys.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { makeWorld, type World } from './world.ts';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const cold = () => hotScript(generateHotKey(getNetwork('regtest')));
const check = (r: { json: { checks: { id: string; status: string; message: string; fix?: string }[] } }, id: string) => r.json.checks.find((c) => c.id === id)!;

describe('nmcddns doctor', () => {
  it('passes a setup done as `setup` says: d/ imports dd/ with ns/ds pinned, name at the hot address, funded', async () => {
    world = await makeWorld();
    const plan = (await world.run(['setup', '--json'])).json;
    world.chain.registerName('d/example', plan.domainValue, cold());
    const r = await world.run(['doctor', '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.checks.map((c: { id: string; status: string }) => `${c.id}:${c.status}`)).toEqual([
      'config:ok', 'key:ok', 'reachability:ok', 'servers:ok', 'pins:ok', 'name:ok', 'expiry:ok', 'funds:ok', 'import:ok',
    ]);
    expect(world.chain.mempool).toEqual([]); // read-only
    // The key appears nowhere, at log_level debug (world.ts), in setup's output or doctor's.
    const wif = /\(([^)]+)\)/.exec(readFileSync(world.keyPath, 'utf8'))![1]!;
    expect(r.stdout + r.stderr).not.toContain(wif);
    const setupText = await world.run(['setup']);
    expect(setupText.stdout + setupText.stderr).not.toContain(wif);
  });

  it('finds a d/ name that does not import, or lets a hot key add ns', async () => {
    world = await makeWorld();
    world.chain.registerName('d/example', '{"ip":"81.2.69.1"}', cold());
    let r = await world.run(['doctor', '--json']);
    expect(r.code).toBe(1);
    expect(check(r, 'import')).toMatchObject({ status: 'fail' });
    expect(check(r, 'import').fix).toContain('{"import":[["dd/example"]],"ns":[],"ds":[]}');
    await world.close();
    world = await makeWorld();
    world.chain.registerName('d/example', '{"import":"dd/example"}', cold());
    r = await world.run(['doctor']);
    expect(r.code).toBe(0); // a warning, not a failure
    expect(r.stdout).toMatch(/\[WARN\] import: d\/example imports dd\/example, but "ns":\[\] is not pinned/);
  });

  it('finds a world-readable key, a name at another address and an unfunded hot address, each with its fix', async () => {
    world = await makeWorld({ ownerScript: cold(), funds: [] });
    chmodSync(world.keyPath, 0o644);
    let r = await world.run(['doctor', '--json']);
    expect(r.code).toBe(1);
    expect(check(r, 'key')).toMatchObject({ status: 'fail', fix: `chmod 600 ${world.keyPath}` });
    chmodSync(world.keyPath, 0o600);
    r = await world.run(['doctor', '--json']);
    expect(check(r, 'name').status).toBe('fail');
    expect(check(r, 'name').message).toMatch(/not owned by this key/);
    expect(check(r, 'name').fix).toContain(`"destAddress":"${world.hotAddress}"`);
    await world.close();
    world = await makeWorld({ funds: [] });
    r = await world.run(['doctor', '--json']);
    expect(check(r, 'funds')).toMatchObject({ status: 'fail' });
    expect(check(r, 'funds').fix).toContain(`sendtoaddress ${world.hotAddress}`);
  });

  it('finds disagreeing servers and a changed certificate', async () => {
    world = await makeWorld({ servers: 2 });
    const fork = world.chain.fork();
    fork.forceNameUpdate(world.name, '{"ip":"6.6.6.6"}');
    world.sims[1]!.useChain(fork);
    let r = await world.run(['doctor', '--json']);
    expect(check(r, 'name')).toMatchObject({ status: 'fail' });
    expect(check(r, 'name').message).toMatch(/disagree/);
    world.setConfig({ server_fingerprint: [`${world.sims[0]!.host}:${world.sims[0]!.port}=${'0'.repeat(64)}`] });
    r = await world.run(['doctor', '--json']);
    expect(check(r, 'pins').status).toBe('fail');
    expect(check(r, 'pins').message).toMatch(/does not match server_fingerprint/);
  });
});
