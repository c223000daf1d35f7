// Real IPv6 addresses on a veth pair in a namespace of our own, read back through the kernel's
// /proc/net/if_inet6 by the code under test (run inside the namespace). The global prefix
// 2a0a:ffff:10::/64 is an ordinary unicast literal (documentation prefixes are classified as
// unpublishable, so they cannot stand in for "global"); nothing leaves the namespace.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReachabilityVerdict } from '../../src/netif/types.ts';
import { describeWithPrereqs } from './helpers/prereq.ts';
import { bundleDriver, inNs, sh, uniquePrefix } from './helpers/netns.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const P = '2a0a:ffff:10';

describeWithPrereqs('IPv6 choice on real interfaces in a namespace', ['ip'], () => {
  const ns = uniquePrefix('6');
  const dir = mkdtempSync(join(tmpdir(), `${ns}-`));
  let driver = '';
  let made = false;
  const ip = (...a: string[]) => sh('ip', ['-n', ns, ...a]);
  const sysctl = (kv: string) => sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', kv]);
  const check = (extra: Record<string, unknown> = {}) =>
    inNs<ReachabilityVerdict>(ns, driver, 'check', {
      ip4Source: 'none',
      ip4Interface: 'v0',
      ip6Source: 'interface',
      ip6Interface: 'v0',
      ports: [],
      upnp: false,
      ip6Firewall: 'ignore',
      timeoutMs: 2000,
      ...extra,
    });
  const flagsOf = async (addr: string) => {
    const out = await sh('ip', ['-n', ns, '-6', 'addr', 'show', 'dev', 'v0']);
    const line = out.split('\n').find((l) => l.includes(`inet6 ${addr}/`));
    return line ?? '';
  };

  beforeAll(async () => {
    driver = await bundleDriver(dir);
    await sh('ip', ['netns', 'add', ns]);
    made = true;
    await ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    // Slow DAD on v0 (one probe, then a 60 s wait) keeps a DAD-ing address tentative for the
    // whole test; temporary addresses for mngtmpaddr prefixes.
    await sysctl('net.ipv6.conf.v0.dad_transmits=1');
    await sysctl('net.ipv6.neigh.v0.retrans_time_ms=60000');
    await sysctl('net.ipv6.conf.v0.use_tempaddr=2');
    await ip('link', 'set', 'v0', 'up');
    await ip('link', 'set', 'v1', 'up');
    await ip('addr', 'add', `${P}::400/64`, 'dev', 'v1', 'nodad'); // owner of ::400 on the other end
    await ip('addr', 'add', `${P}::100/64`, 'dev', 'v0', 'nodad'); // the stable one
    await ip('addr', 'add', `${P}::1:0/64`, 'dev', 'v0', 'nodad', 'mngtmpaddr'); // stable, spawns a temporary
    await ip('addr', 'add', `${P}::200/64`, 'dev', 'v0', 'nodad', 'preferred_lft', '0', 'valid_lft', '3600'); // deprecated
    await ip('addr', 'add', `${P}::300/64`, 'dev', 'v0'); // tentative (DAD runs for 60 s)
    await ip('addr', 'add', `${P}::400/64`, 'dev', 'v0'); // duplicate of v1's: DAD fails
    await ip('addr', 'add', 'fd00:1::5/64', 'dev', 'v0', 'nodad'); // ULA
    // Wait until the kernel has flagged the duplicate and made the temporary address.
    const t0 = Date.now();
    while (!(await flagsOf(`${P}::400`)).includes('dadfailed') || !(await sh('ip', ['-n', ns, '-6', 'addr', 'show', 'dev', 'v0'])).includes('temporary')) {
      if (Date.now() - t0 > 8000) throw new Error(`kernel did not produce dadfailed/temporary addresses:\n${await sh('ip', ['-n', ns, '-6', 'addr', 'show', 'dev', 'v0'])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    if (made) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the kernel really shows each state we test against', async () => {
    expect(await flagsOf(`${P}::200`)).toMatch(/deprecated/);
    expect(await flagsOf(`${P}::300`)).toMatch(/tentative/);
    expect(await flagsOf(`${P}::400`)).toMatch(/dadfailed/);
    expect(await sh('ip', ['-n', ns, '-6', 'addr', 'show', 'dev', 'v0'])).toMatch(/scope global temporary/);
  });

  it('picks the stable global address, never temporary, deprecated, tentative, DAD-failed, ULA or link-local', async () => {
    const r = await check();
    expect(r.ok, r.error).toBe(true);
    const v6 = r.result?.ipv6;
    expect(v6).toMatchObject({ address: `${P}::100`, via: 'direct' });
    expect(v6?.reason).toMatch(/stable global address, no preferred-lifetime limit/);
  });

  it('with every good address gone, refuses and lists why each one was rejected', async () => {
    await ip('addr', 'del', `${P}::100/64`, 'dev', 'v0');
    // Deprecate (not delete: that would take its temporary address with it) the mngtmpaddr base.
    await ip('addr', 'change', `${P}::1:0/64`, 'dev', 'v0', 'nodad', 'mngtmpaddr', 'preferred_lft', '0', 'valid_lft', '3600');
    const out = await sh('ip', ['-n', ns, '-6', 'addr', 'show', 'dev', 'v0']);
    expect(out).toMatch(/temporary/);
    const r = await check();
    const v6 = r.result?.ipv6;
    expect(v6?.address).toBeNull();
    for (const why of [
      `${P}::200: deprecated`,
      `${P}::1:0: deprecated`,
      `${P}::300: tentative`,
      `${P}::400: duplicate address detection failed`,
      'fd00:1::5: unique local (ULA)',
      'temporary (privacy) address',
      'link-local (fe80::/10)',
    ]) {
      expect(v6?.reason).toContain(why);
    }
    await ip('addr', 'add', `${P}::100/64`, 'dev', 'v0', 'nodad');
  });

  it('stays on the previous address across runs while it is valid; moves when it is deprecated', async () => {
    await ip('addr', 'add', `${P}::50/64`, 'dev', 'v0', 'nodad'); // a lower, equally good address appears
    const fresh = await check();
    expect(fresh.result?.ipv6.address).toBe(`${P}::50`); // without memory the lowest wins…
    const kept = await check({ previousIp6: `${P}::100` });
    expect(kept.result?.ipv6.address).toBe(`${P}::100`); // …but last run's address is kept
    expect(kept.result?.ipv6.reason).toMatch(/kept from the previous run/);
    const again = await check({ previousIp6: kept.result?.ipv6.address });
    expect(again.result?.ipv6.address).toBe(`${P}::100`);
    await ip('addr', 'change', `${P}::100/64`, 'dev', 'v0', 'nodad', 'preferred_lft', '0', 'valid_lft', '600');
    expect(await flagsOf(`${P}::100`)).toMatch(/deprecated/);
    const moved = await check({ previousIp6: `${P}::100` });
    expect(moved.result?.ipv6.address).toBe(`${P}::50`);
    expect(moved.result?.ipv6.reason).toMatch(new RegExp(`the previous ${P}::100 is no longer usable`));
  });

  it('prefix + ip6_suffix from the on-link prefix, with the firewall rule found', async () => {
    const fw = join(dir, 'firewall');
    writeFileSync(
      fw,
      [
        "config zone",
        "\toption name 'wan'",
        "\tlist network 'wan'",
        "\tlist network 'v0'",
        "\toption input 'REJECT'",
        "\toption forward 'REJECT'",
        '',
        "config rule",
        "\toption name 'Allow-HTTPS-LAN-server'",
        "\toption src 'wan'",
        "\toption dest 'lan'",
        "\toption proto 'tcp'",
        "\toption dest_port '443'",
        "\toption family 'ipv6'",
        "\toption target 'ACCEPT'",
        '',
      ].join('\n'),
    );
    const r = await check({ ip6Suffix: '::10', ports: [{ proto: 'tcp', port: 443 }], ip6Firewall: 'require', firewallConfigPath: fw });
    expect(r.ok, r.error).toBe(true);
    expect(r.result?.ipv6.address).toBe(`${P}::10`);
    expect(r.result?.ipv6.reason).toBe(
      "2a0a:ffff:10::/64 (device v0 on-link prefix) + ip6_suffix ::10 = 2a0a:ffff:10::10, a LAN host; tcp/443 accepted by rule firewall.@rule[0] 'Allow-HTTPS-LAN-server'",
    );
  });
});
