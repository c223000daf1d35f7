// The LuCI backend with nothing overridden: a chroot laid out like the router after
// `opkg install nmcddns luci-app-nmcddns` (the package's own launcher at /usr/bin/nmcddns, the
// bundle and wasm in /usr/lib/nmcddns/, the package's default /etc/config/nmcddns edited the way
// the settings form would, the rpcd plugin at /usr/libexec/rpcd/luci.nmcddns), busybox as the
// shell and the host's Node.js as the router's. The plugin runs at its real path with no
// NMCDDNS_BIN, so this is the chain rpcd would drive: plugin → launcher → node → agent → UCI.
// What still stands in: node is the host's (Debian, not OpenWrt's musl build), and rpcd itself.
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.ts';
import { RouterRoot, routerRootUnavailable } from './helpers/router-root.ts';
import { RPCD_PLUGIN, realCli } from './luci-fixtures/views.ts';

const missing = routerRootUnavailable('busybox');
const real = realCli();
if (missing) {
  if (process.env.CI === 'true') throw new Error(`the LuCI stack test needs ${missing} under CI`);
  console.warn(`\n*** SKIPPED: LuCI stack test needs ${missing} ***\n`);
}

/** Hard-link (or copy) a host file into the root at the same mode; never chmod a shared inode. */
function place(root: RouterRoot, from: string, to: string): void {
  const dest = join(root.dir, to);
  mkdirSync(dirname(dest), { recursive: true });
  if (existsSync(dest)) return;
  // The file itself, not a symlink to it (libstdc++.so.6 -> libstdc++.so.6.0.30).
  const file = realpathSync(from);
  try {
    linkSync(file, dest);
  } catch {
    copyFileSync(file, dest);
  }
}

function placeBinary(root: RouterRoot, from: string, to: string): void {
  place(root, from, to);
  const ldd = spawnSync('ldd', [from], { encoding: 'utf8' });
  for (const line of ldd.stdout.split('\n')) {
    const lib = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (lib) place(root, lib, lib);
  }
}

describe.runIf(!missing && real.available)('luci.nmcddns in a router-like root, nothing overridden', () => {
  let root: RouterRoot;
  const plugin = '/usr/libexec/rpcd/luci.nmcddns';

  beforeAll(() => {
    root = new RouterRoot('busybox');
    // The package's real launcher replaces the tree's stand-in CLI.
    root.install(join(REPO_ROOT, 'openwrt/nmcddns/files/nmcddns.launcher'), '/usr/bin/nmcddns', 0o755);
    placeBinary(root, process.execPath, '/usr/bin/node');
    place(root, join(REPO_ROOT, 'dist/nmcddns.mjs'), '/usr/lib/nmcddns/nmcddns.mjs');
    place(root, join(REPO_ROOT, 'dist/secp256k1.wasm'), '/usr/lib/nmcddns/secp256k1.wasm');
    root.install(RPCD_PLUGIN, plugin, statSync(RPCD_PLUGIN).mode & 0o7777);
    // The shipped default config plus what the settings form would write (regtest so nothing
    // would ever reach a public server; no command here talks to one anyway).
    const conf = readFileSync(join(REPO_ROOT, 'openwrt/nmcddns/files/nmcddns.config'), 'utf8');
    // The only server is a closed loopback port and the address is static (a non-reserved
    // literal that is never contacted), so a run ends quickly and reaches nothing but 127.0.0.1.
    root.write(
      '/etc/config/nmcddns',
      `${conf}\toption name 'dd/example'\n\toption network 'regtest'\n\tlist server 'tcp://127.0.0.1:9'\n\toption ip4_source 'static'\n\toption ip4_address '5.5.5.2'\n\toption ip6_source 'none'\n\toption upnp '0'\n`,
      0o600,
    );
  });

  afterAll(() => root?.cleanup());

  const call = (method: string) => root.run(['/bin/sh', '-c', `echo '{}' | ${plugin} call ${method}`]);

  it('status answers exactly what /usr/bin/nmcddns status --json prints, from the UCI config', async () => {
    const direct = await root.run(['/usr/bin/nmcddns', 'status', '--json']);
    expect(direct.code, direct.stderr).toBe(0);
    const r = await call('status');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(direct.stdout.trim());
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'dd/example', network: 'regtest', enabled: false, hotAddress: null, running: false });
  });

  it('keygen writes /etc/nmcddns/hotkey (0600) and answers with the setup, without the key', async () => {
    const r = await call('keygen');
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { generated: boolean; setup: { hotAddress: string; domainValue: string } };
    expect(res.generated, r.stdout).toBe(true);
    const keyPath = join(root.dir, 'etc/nmcddns/hotkey');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const wif = /^w?pkh\(([^)]+)\)/.exec(readFileSync(keyPath, 'utf8'))?.[1];
    expect(wif).toBeDefined();
    expect(r.stdout + r.stderr).not.toContain(wif!);
    expect(res.setup.domainValue).toBe('{"import":[["dd/example"]],"ns":[],"ds":[]}');
    const st = JSON.parse((await call('status')).stdout) as { hotAddress: string };
    expect(st.hotAddress).toBe(res.setup.hotAddress);
  });

  it('update returns {"started":true} at once; the real run it started goes on and records its outcome', async () => {
    const r = await call('update');
    expect(JSON.parse(r.stdout)).toEqual({ started: true });
    expect(r.ms).toBeLessThan(1000);
    // The detached run (node, the real agent) finishes after the plugin is long gone and its
    // outcome is what status --json, and so the page, reports next.
    let last: { lastRun: { finishedAt: string | null; action: string | null; reason: string } | null } = { lastRun: null };
    const until = Date.now() + 25_000;
    while (Date.now() < until) {
      last = JSON.parse((await call('status')).stdout) as typeof last;
      if (last.lastRun?.finishedAt) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(last.lastRun?.finishedAt, JSON.stringify(last)).toBeTruthy();
    console.log(`real run started through the plugin ended: ${last.lastRun?.action}: ${last.lastRun?.reason}`);
  });
});
