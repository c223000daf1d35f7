// checkReachability over the netifd source, with a real executable standing in for `ubus`
// that prints the hand-written §4.1 fixtures per interface. upnp stays off here: these
// gateways are not ours to contact (the UPnP paths run against miniupnpd in upnp.netns.test.ts).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReachability } from '../../src/netif/reachability.ts';
import type { NetifOptions } from '../../src/netif/types.ts';

const FIX = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'nmcddns-netif-verdict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake `ubus`: `ubus call network.interface.<if> status` prints map[<if>], else fails like ubus. */
function fakeUbus(map: Record<string, string>): string {
  const cases = Object.entries(map)
    .map(([iface, file]) => `  network.interface.${iface}) cat '${join(FIX, file)}' ;;`)
    .join('\n');
  const p = join(dir, `ubus-${Math.random().toString(36).slice(2)}`);
  writeFileSync(p, `#!/bin/sh\n[ "$1" = call ] && [ "$3" = status ] || exit 2\ncase "$2" in\n${cases}\n  *) echo "Command failed: Not found" >&2; exit 4 ;;\nesac\n`);
  chmodSync(p, 0o755);
  return p;
}

const opts = (o: Partial<NetifOptions>): NetifOptions => ({
  ip4Source: 'ubus',
  ip4Interface: 'wan',
  ip6Source: 'ubus',
  ip6Interface: 'wan6',
  ports: [],
  upnp: false,
  ip6Firewall: 'warn',
  firewallConfigPath: join(dir, 'no-firewall'),
  // The fake ubus answers at once and nothing here is about deadlines: generous, so that a busy
  // CI machine (slow to start /bin/sh) cannot turn a verdict into "no answer within".
  timeoutMs: 10_000,
  ...o,
});

const FW_HTTPS = `config zone\n\toption name 'wan'\n\tlist network 'wan'\n\tlist network 'wan6'\n\toption input 'REJECT'\n\nconfig rule 'https6'\n\toption name 'Allow-HTTPS'\n\toption src 'wan'\n\toption proto 'tcp'\n\toption dest_port '443'\n\toption family 'ipv6'\n\toption target 'ACCEPT'\n`;

describe('checkReachability with netifd', () => {
  it('PPPoE with a public address: reachable directly', async () => {
    const v = await checkReachability(opts({ ubusPath: fakeUbus({ wan: 'netifd-wan-pppoe.json' }), ip6Source: 'none' }));
    expect(v.ipv4).toEqual({ address: '81.2.69.160', via: 'direct', reason: '81.2.69.160 on netifd interface wan (pppoe-wan) is a public address: reachable directly', warnings: [] });
    expect(v.ipv6).toMatchObject({ address: null, via: 'none' });
    expect(v.mappings).toEqual([]);
  });

  it('DHCP with a CGNAT address and upnp off: not published, and why', async () => {
    const v = await checkReachability(opts({ ubusPath: fakeUbus({ wan: 'netifd-wan-dhcp.json' }), ip6Source: 'none' }));
    expect(v.ipv4).toEqual({
      address: null,
      via: 'none',
      reason: '100.72.14.9 on netifd interface wan (eth1) is carrier-grade NAT (100.64.0.0/10) and upnp is off: the public address behind the NAT cannot be learned; IPv4 not published (set upnp 1 to ask the gateway in front via UPnP IGD / NAT-PMP)',
      warnings: [],
    });
  });

  it('DHCPv6 with IA_NA: the stable global address with the longest preferred lifetime; not the ULA, not the deprecated one', async () => {
    const v = await checkReachability(opts({ ubusPath: fakeUbus({ wan6: 'netifd-wan6-dhcpv6-iana.json', lan: 'netifd-lan-prefix-assignment.json' }), ip4Source: 'none' }));
    expect(v.ipv6.address).toBe('2a02:8100:0:1:5054:ff:fe12:3456');
    expect(v.ipv6.via).toBe('direct');
    // previousIp6 keeps the other valid one
    const kept = await checkReachability(opts({ ubusPath: fakeUbus({ wan6: 'netifd-wan6-dhcpv6-iana.json', lan: 'netifd-lan-prefix-assignment.json' }), ip4Source: 'none', previousIp6: '2a02:8100:0:1::2a' }));
    expect(kept.ipv6.address).toBe('2a02:8100:0:1::2a');
    // …but not the deprecated one
    const dep = await checkReachability(opts({ ubusPath: fakeUbus({ wan6: 'netifd-wan6-dhcpv6-iana.json', lan: 'netifd-lan-prefix-assignment.json' }), ip4Source: 'none', previousIp6: '2a02:8100:0:ff::1:5' }));
    expect(dep.ipv6.address).toBe('2a02:8100:0:1:5054:ff:fe12:3456');
    expect(dep.ipv6.reason).toMatch(/the previous 2a02:8100:0:ff::1:5 is no longer usable/);
  });

  it('prefix-only delegation: the router address from lan local-address, and prefix + suffix for a LAN server', async () => {
    const ubus = fakeUbus({ wan6: 'netifd-wan6-prefix-only.json', lan: 'netifd-lan-prefix-assignment.json' });
    const v = await checkReachability(opts({ ubusPath: ubus, ip4Source: 'none' }));
    expect(v.ipv6.address).toBe('2a01:4f8:c0c:8e40::1');
    expect(v.ipv6.reason).toMatch(/^2a01:4f8:c0c:8e40::1 on lan local-address: stable global address, preferred for 3500 s more$/);
    // the guest interface in the PD is unknown to this fake ubus: a warning, not a failure
    expect(v.ipv6.warnings).toEqual(["could not read guest's prefix assignment: ubus call network.interface.guest status: exited with 4: Command failed: Not found"]);
    const s = await checkReachability(opts({ ubusPath: ubus, ip4Source: 'none', ip6Suffix: '::10' }));
    expect(s.ipv6.address).toBe('2a01:4f8:c0c:8e40::10');
    expect(s.ipv6.reason).toBe('2a01:4f8:c0c:8e40::/64 (wan6 prefix 2a01:4f8:c0c:8e40::/60 assigned to lan) + ip6_suffix ::10 = 2a01:4f8:c0c:8e40::10, a LAN host');
  });

  it('ip6_firewall: rule present → reason names it; missing → warn publishes, require refuses; no file → per mode', async () => {
    const ubus = fakeUbus({ wan6: 'netifd-wan6-dhcpv6-iana.json', lan: 'netifd-lan-prefix-assignment.json' });
    const fw = join(dir, 'firewall');
    writeFileSync(fw, FW_HTTPS);
    const ok = await checkReachability(opts({ ubusPath: ubus, ip4Source: 'none', ports: [{ proto: 'tcp', port: 443 }], ip6Firewall: 'require', firewallConfigPath: fw }));
    expect(ok.ipv6.address).toBe('2a02:8100:0:1:5054:ff:fe12:3456');
    expect(ok.ipv6.reason).toMatch(/; tcp\/443 accepted by rule firewall\.https6 'Allow-HTTPS'$/);
    expect(ok.ipv6.warnings).toEqual([]);

    const ports = [{ proto: 'tcp' as const, port: 443 }, { proto: 'udp' as const, port: 51820 }];
    const warn = await checkReachability(opts({ ubusPath: ubus, ip4Source: 'none', ports, ip6Firewall: 'warn', firewallConfigPath: fw }));
    expect(warn.ipv6.address).toBe('2a02:8100:0:1:5054:ff:fe12:3456');
    expect(warn.ipv6.warnings).toEqual([`no firewall rule (src wan, no dest) in ${fw} accepts udp/51820 over IPv6 from zone wan: the address is published but the service may be unreachable`]);

    const req = await checkReachability(opts({ ubusPath: ubus, ip4Source: 'none', ports, ip6Firewall: 'require', firewallConfigPath: fw }));
    expect(req.ipv6.address).toBeNull();
    expect(req.ipv6.reason).toBe(`2a02:8100:0:1:5054:ff:fe12:3456 found, but no firewall rule (src wan, no dest) in ${fw} accepts udp/51820 over IPv6 from zone wan; add a config rule with target ACCEPT, or set ip6_firewall warn`);

    const nofile = await checkReachability(opts({ ubusPath: ubus, ip4Source: 'none', ports, ip6Firewall: 'require' }));
    expect(nofile.ipv6.address).toBeNull();
    expect(nofile.ipv6.reason).toMatch(/not found, so the IPv6 firewall could not be checked for tcp\/443, udp\/51820 and ip6_firewall is require/);
    const nofileWarn = await checkReachability(opts({ ubusPath: ubus, ip4Source: 'none', ports }));
    expect(nofileWarn.ipv6.address).not.toBeNull();
    expect(nofileWarn.ipv6.warnings[0]).toMatch(/could not be checked/);
    const ignore = await checkReachability(opts({ ubusPath: ubus, ip4Source: 'none', ports, ip6Firewall: 'ignore' }));
    expect(ignore.ipv6.warnings).toEqual([]);
  });

  it('a down interface and one without addresses', async () => {
    const down = join(dir, 'down.json');
    writeFileSync(down, '{"up":false,"pending":false,"proto":"pppoe","device":"eth0.7","data":{}}');
    const ubus = join(dir, 'ubus-down');
    writeFileSync(ubus, `#!/bin/sh\ncat '${down}'\n`);
    chmodSync(ubus, 0o755);
    const v = await checkReachability(opts({ ubusPath: ubus, ip6Source: 'none' }));
    expect(v.ipv4.reason).toBe('cannot read the WAN IPv4 address: netifd interface wan is down');
    const v6 = await checkReachability(opts({ ubusPath: fakeUbus({ wan6: 'netifd-wan-pppoe.json' }), ip4Source: 'none' }));
    expect(v6.ipv6.reason).toBe('netifd interface wan6: no IPv6 address found');
  });

  it('static sources: public is published as static, reserved is refused', async () => {
    const v = await checkReachability(opts({ ip4Source: 'static', ip4Address: '81.2.69.160', ip6Source: 'static', ip6Address: '2A02:8100:0:1:0::2a' }));
    expect(v.ipv4).toMatchObject({ address: '81.2.69.160', via: 'static' });
    expect(v.ipv6).toMatchObject({ address: '2a02:8100:0:1::2a', via: 'static' });
    const r = await checkReachability(opts({ ip4Source: 'static', ip4Address: '192.0.2.1', ip6Source: 'static', ip6Address: '2001:db8::1' }));
    expect(r.ipv4.reason).toBe('no usable IPv4 address on ip4_address: 192.0.2.1 is documentation-only (192.0.2.0/24)');
    expect(r.ipv6.reason).toBe('ip6_address: no stable global IPv6 address (2001:db8::1: documentation-only (2001:db8::/32))');
  });
});

describe('prefix + suffix edge cases', () => {
  it('a suffix reaching into the /64 assigned to lan is refused with the reason', async () => {
    const v = await checkReachability(opts({ ubusPath: fakeUbus({ wan6: 'netifd-wan6-prefix-only.json', lan: 'netifd-lan-prefix-assignment.json' }), ip4Source: 'none', ip6Suffix: '::1:0:0:0:10' }));
    expect(v.ipv6.address).toBeNull();
    expect(v.ipv6.reason).toBe(
      'netifd interface wan6 has no usable global prefix (2a01:4f8:c0c:8e40::/64; ip6_suffix ::1:0:0:0:10 overlaps the /64 prefix 2a01:4f8:c0c:8e40::/64: use only the last 64 bits) to put ip6_suffix ::1:0:0:0:10 under',
    );
  });
  it('no delegated prefix at all', async () => {
    const v = await checkReachability(opts({ ubusPath: fakeUbus({ wan6: 'netifd-wan-pppoe.json' }), ip4Source: 'none', ip6Suffix: '::10' }));
    expect(v.ipv6.reason).toBe('netifd interface wan6 has no delegated prefix to put ip6_suffix ::10 under');
  });
});
