// The built CLI as a child process, for everything that needs no Electrum server: help, usage
// errors, keygen/address, check, status, setup, and every config and key error with its exit
// code. (Runs against the simulator are in test/e2e/.)
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/config/schema.ts';
import { BAD_OPTION_VALUES } from '../config/bad-options.ts';
import { jsonOrUndefined } from '../helpers/child.ts';

const BUNDLE = join(process.cwd(), 'dist/nmcddns.mjs');
const PUBLIC4 = '81.2.69.142';
/** Global unicast that belongs to nobody: the old 6bone block, returned to IANA in 2006 (RFC 3701). */
const PUBLIC6 = '3ffe:1900:4545:3:200:f8ff:fe21:67cf';

function run(args: string[]): { code: number; stdout: string; stderr: string; json: any } {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: jsonOrUndefined(r.stdout) };
}

const workdirs: string[] = [];
afterAll(() => {
  for (const d of workdirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workdir(options: Record<string, unknown> = {}): { dir: string; cfg: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nmcddns-cli-'));
  workdirs.push(dir);
  const key = join(dir, 'etc', 'hotkey');
  const cfg = join(dir, 'nmcddns.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'dd/example', network: 'regtest', key_file: key, state_dir: join(dir, 'run'), pin_file: join(dir, 'pins.json'),
      ip4_source: 'static', ip4_address: PUBLIC4, ip6_source: 'none', server: [`tcp://127.0.0.1:${port}`], ...options,
    }),
  );
  return { dir, cfg, key };
}

// A TCP listener standing in for an Electrum server that must never be contacted.
let server: Server;
let port = 0;
let connections = 0;
beforeAll(async () => {
  expect(existsSync(BUNDLE), 'run `node build.mjs` first (npm test does)').toBe(true);
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// A loopback port with nothing listening: a connection there is refused at once.
let closedPort = 0;
beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

describe('nmcddns CLI without a chain', () => {
  it('--help documents every command, exit code and configuration option', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['keygen', 'address', 'check', 'update', 'status', 'setup', 'doctor', 'pins']) expect(r.stdout).toContain(`  ${c}`);
    for (let code = 0; code <= 7; code++) expect(r.stdout).toMatch(new RegExp(`\\n  ${code}  \\S`));
    for (const o of OPTIONS) expect(r.stdout).toContain(`  ${o.key} `);
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['update', '--type', 'p2pkh'], /'update' does not take --type/],
    [['check', '--bogus'], /unknown option '--bogus'/],
    [['--config'], /--config needs a value/],
    [['status', 'extra'], /unexpected argument 'extra'/],
    // doctor's own fix line tells the user to pass --domain, so doctor must take it (and check it like setup)
    [['doctor', '--domain', 'example.bit'], /--domain must be a d\/ name such as d\/example, not 'example.bit'/],
    [['pins', '--forget', 'nothost'], /--forget takes host:port .*got 'nothost'/],
  ])('usage error %j → exit 2', (args, re) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
  });

  it('keygen writes a 0600 key once, prints the address, and the key appears nowhere', () => {
    const w = workdir({ name: undefined });
    const r = run(['--config', w.cfg, 'keygen', '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ keyFile: w.key, type: 'p2wpkh', network: 'regtest' });
    expect(r.json.hotAddress).toMatch(/^ncrt1q[a-z0-9]{38}$/);
    expect(statSync(w.key).mode & 0o777).toBe(0o600);
    const text = readFileSync(w.key, 'utf8');
    const wif = /\(([^)]+)\)/.exec(text)![1]!;
    expect(r.stdout + r.stderr).not.toContain(wif);
    const a = run(['--config', w.cfg, 'address', '--json']);
    expect(a.json.hotAddress).toBe(r.json.hotAddress);
    expect(a.stdout + a.stderr).not.toContain(wif);
    const again = run(['--config', w.cfg, 'keygen', '--json', '--type', 'p2pkh']);
    expect(again.code).toBe(4);
    expect(again.json.message).toMatch(/already exists: nmcddns never overwrites a key/);
    expect(readFileSync(w.key, 'utf8')).toBe(text);
    const legacy = workdir();
    expect(run(['--config', legacy.cfg, 'keygen', '--type', 'p2pkh']).stdout).toMatch(/hot address: [mn][1-9A-HJ-NP-Za-km-z]{25,34}\n/);
  });

  it('an ip6_suffix left over from another source is only a warning, as docs/config.md promises', () => {
    for (const ip6 of [{ ip6_source: 'none' }, { ip6_source: 'static', ip6_address: PUBLIC6 }, { ip6_source: 'script', script: '/bin/true' }]) {
      const w = workdir({ ...ip6, ip6_suffix: '::10' });
      const r = run(['--config', w.cfg, 'check', '--json']);
      expect(r.stderr).toMatch(/ip6_suffix is ignored with ip6_source/);
      expect(r.json?.ipv4, r.stdout + r.stderr).toMatchObject({ address: PUBLIC4, via: 'static' });
    }
  });

  it('check prints each family {address, via, reason} and the value, without touching any server', () => {
    const w = workdir({ ip6_source: 'static', ip6_address: PUBLIC6, template: { tor: 'abc.onion' } });
    const before = connections;
    const r = run(['--config', w.cfg, 'check', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.ipv4).toMatchObject({ address: PUBLIC4, via: 'static' });
    expect(r.json.ipv6).toMatchObject({ address: PUBLIC6, via: 'static' });
    expect(typeof r.json.ipv4.reason).toBe('string');
    expect(r.json.value).toBe(`{"ip":"${PUBLIC4}","ip6":"${PUBLIC6}","tor":"abc.onion"}`);
    expect(connections).toBe(before);
  });

  it('check and update with nothing reachable: exit 7 with the reasons; a server only for the expiry check', () => {
    const w = workdir({ network: 'mainnet', ip4_address: '192.168.1.2', upnp: '0' });
    run(['--config', w.cfg, 'keygen']);
    const before = connections;
    const c = run(['--config', w.cfg, 'check', '--json']);
    expect(c.code).toBe(7);
    expect(c.json.ipv4.address).toBeNull();
    expect(c.json.value).toBeNull();
    expect(connections).toBe(before);
    // Nothing known about the name's expiry (first run, or tmpfs lost at a reboot): the run asks
    // a server whether it must renew. (A closed port here: the counting listener cannot answer
    // while spawnSync blocks this process.) The answer is still exit 7, with both reasons.
    const cfg = JSON.parse(readFileSync(w.cfg, 'utf8'));
    writeFileSync(w.cfg, JSON.stringify({ ...cfg, server: [`tcp://127.0.0.1:${closedPort}`] }));
    const u = run(['--config', w.cfg, 'update', '--json']);
    expect(u.code).toBe(7);
    expect(u.json).toMatchObject({ action: 'refused', exitCode: 7 });
    expect(u.json.reason).toMatch(/^nothing to publish: IPv4: .*192\.168\.1\.2.*; IPv6: .*checking whether the name needs renewing failed too: .*ECONNREFUSED/);
    writeFileSync(w.cfg, JSON.stringify(cfg));
    // A recent look that showed the name far from expiry: no server is contacted at all.
    const cache = join(w.dir, 'run', 'status.json');
    const status = JSON.parse(readFileSync(cache, 'utf8'));
    status.chain = { value: '{}', height: 700000, expiresIn: 30000, tipHeight: 706000, pending: null };
    status.chainCheckedAt = new Date().toISOString();
    writeFileSync(cache, JSON.stringify(status));
    const again = run(['--config', w.cfg, 'update', '--json']);
    expect(again.code).toBe(7);
    expect(again.json.reason).toMatch(/^nothing to publish: IPv4: .*192\.168\.1\.2.*; IPv6: [^;]*$/);
    expect(connections).toBe(before);
    // The refusal is in the status cache for LuCI.
    const s = run(['--config', w.cfg, 'status', '--json']);
    expect(s.json.lastRun).toMatchObject({ action: 'refused', exitCode: 7 });
  });

  it('status --json has the shape LuCI reads, before any run and without a key', () => {
    const w = workdir();
    const r = run(['--config', w.cfg, 'status', '--json']);
    expect(r.code).toBe(0);
    expect(Object.keys(r.json).sort()).toEqual(
      ['addresses', 'chain', 'enabled', 'funds', 'hotAddress', 'keyProblem', 'lastBroadcast', 'lastRun', 'name', 'network', 'retryAt', 'retryIn', 'running', 'value', 'version'].sort(),
    );
    expect(r.json).toMatchObject({ name: 'dd/example', network: 'regtest', hotAddress: null, enabled: false, lastRun: null, running: false, retryAt: null, retryIn: null });
    expect(r.json.keyProblem).toMatch(/does not exist/);
  });

  it('setup prints the cold-wallet steps with the exact d/ value', () => {
    const w = workdir();
    const addr = run(['--config', w.cfg, 'keygen', '--json']).json.hotAddress;
    const r = run(['--config', w.cfg, 'setup', '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ name: 'dd/example', domain: 'd/example', hotAddress: addr, domainValue: '{"import":[["dd/example"]],"ns":[],"ds":[]}' });
    expect(r.json.steps[0].command).toContain(`"destAddress":"${addr}"`);
    expect(r.json.steps.map((s: { title: string }) => s.title).join('\n')).toMatch(/Move dd\/example to the hot address[\s\S]*Point d\/example at dd\/example[\s\S]*TLS[\s\S]*Fund the hot address/);
    const text = run(['--config', w.cfg, 'setup', '--domain', 'd/other']);
    expect(text.stdout).toContain(`name_update 'd/other' '{"import":[["dd/example"]],"ns":[],"ds":[]}'`);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['name', { name: 'd/example' }, /i_know_d_names_are_unsafe/],
    ['network', { network: 'bitcoin' }, /option network: 'bitcoin' is not valid; allowed: mainnet, testnet, regtest/],
    ['server', { server: ['http://x:1'] }, /option server: .*unknown scheme 'http'/],
    ['ip4_source', { ip4_source: 'web' }, /option ip4_source: 'web'/],
    ['port', { port: ['70000'] }, /option port: '70000'/],
    ['template', { template: { ns: ['ns.example'] } }, /template\.ns is not allowed/],
    ['max_fee', { max_fee: 'x' }, /option max_fee: 'x'/],
    ['renew_blocks', { renew_blocks: 100 }, /option renew_blocks: 100 is not valid; allowed: a whole number from 2 to 29 blocks on regtest/],
    ['unknown', { key_fil: '/x' }, /unknown option 'key_fil' \(did you mean 'key_file'\?\)/],
  ])('bad %s → exit 3, named in the message and JSON, nothing sent', (_o, opts, re) => {
    const w = workdir(opts);
    const before = connections;
    for (const cmd of ['update', 'check']) {
      const r = run(['--config', w.cfg, cmd, '--json']);
      expect(r.code).toBe(3);
      expect(r.json.error).toBe('ConfigError');
      expect(r.json.message).toMatch(re);
      expect(r.stderr).toMatch(re);
    }
    expect(connections).toBe(before);
  });

  // Every option of the schema (the table is checked complete in test/config/schema.test.ts).
  it.each(Object.entries(BAD_OPTION_VALUES))('update with a bad %s → exit 3, the option named in --json, no server contacted', (key, value) => {
    const w = workdir({ [key]: value });
    const before = connections;
    const r = run(['--config', w.cfg, 'update', '--json']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.json).toMatchObject({ error: 'ConfigError', option: key, action: 'refused', exitCode: 3 });
    expect(r.json.message).toContain(`option ${key}`);
    expect(connections).toBe(before);
  });

  it('a UCI config error names the file and line', () => {
    const w = workdir();
    const uci = join(w.dir, 'nmcddns');
    writeFileSync(uci, `config nmcddns 'main'\n\toption name 'dd/example'\n\toption network 'regtest'\n\toption upnp 'sometimes'\n`);
    const r = run(['--config', uci, 'update']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${uci}:4: option upnp: 'sometimes' is not valid; allowed: 0 or 1`);
    expect(run(['--config', join(w.dir, 'missing'), 'status']).code).toBe(3);
  });

  it('a missing, world-readable or garbled key → exit 4 with the fix, nothing sent', () => {
    const w = workdir();
    const before = connections;
    let r = run(['--config', w.cfg, 'update', '--json']);
    expect(r.code).toBe(4);
    expect(r.json.message).toMatch(/does not exist: create it with 'nmcddns keygen'/);
    run(['--config', w.cfg, 'keygen']);
    const wif = /\(([^)]+)\)/.exec(readFileSync(w.key, 'utf8'))![1]!;
    chmodSync(w.key, 0o644);
    r = run(['--config', w.cfg, 'update', '--json']);
    expect(r.code).toBe(4);
    expect(r.json.message).toContain(`chmod 600 ${w.key}`);
    expect(r.stdout + r.stderr).not.toContain(wif);
    chmodSync(w.key, 0o600);
    writeFileSync(w.key, `wpkh(${wif.slice(0, -2)}zz)\n`);
    r = run(['--config', w.cfg, 'update', '--json']);
    expect(r.code).toBe(4);
    expect(r.stdout + r.stderr).not.toContain(wif.slice(0, 30));
    expect(connections).toBe(before);
  });
});
