// Against Debian's real miniupnpd in network namespaces (reference openwrt-upnp.md §7):
// CGNAT-like WAN, public-like WAN, secure mode, NAT-PMP; our client runs in the `cli` namespace.
//
// The "public" WAN is 5.5.5.2/24, as in the reference's LAB run: every documentation or
// benchmarking range (TEST-NET-1/2/3, 198.18/15) is *reserved* for miniupnpd and for our own
// classifier alike, so a public-looking case needs an ordinary unicast literal. No packet can
// reach the real 5.5.5.0/24: the namespaces have no link to the host or any other network.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PortMapping, ReachabilityVerdict } from '../../src/netif/types.ts';
import { describeWithPrereqs } from './helpers/prereq.ts';
import { bundleDriver, inNs, LAN_CLIENT, LAN_GW, sh, Topology, uniquePrefix } from './helpers/netns.ts';

const LOCATION = `http://${LAN_GW}:5000/rootDesc.xml`;
const baseOpts = {
  ip4Source: 'interface',
  ip4Interface: 'eth0',
  ip6Source: 'none',
  ip6Interface: 'eth0',
  upnp: true,
  ip6Firewall: 'ignore',
  timeoutMs: 3000,
};

/**
 * The lab of one describe block: a fresh topology (client, gateway running miniupnpd, ISP)
 * built before its tests with the netif driver bundled into it, torn down after them.
 * `driver` is set once the lab is up.
 */
function miniupnpdLab(prefix: string, opts: Parameters<Topology['create']>[0]): { topo: Topology; driver: string } {
  const lab = { topo: new Topology(uniquePrefix(prefix)), driver: '' };
  beforeAll(async () => {
    lab.driver = await bundleDriver(lab.topo.dir);
    await lab.topo.create(opts);
  });
  afterAll(() => lab.topo.destroy());
  return lab;
}

describeWithPrereqs('netif against real miniupnpd: CGNAT-like WAN 100.64.10.2', ['ip', 'nft', 'miniupnpd'], () => {
  const lab = miniupnpdLab('c', { wan: '100.64.10.2/24', isp: '100.64.10.1', secure: true });
  const { topo } = lab;

  it('SSDP finds the IGD (unicast to the gateway + multicast out of eth0), IGDv2 description', async () => {
    const d = await inNs<{ location: string; from: string; server: string }[]>(topo.cli, lab.driver, 'discover', { localAddress: LAN_CLIENT, gateway: LAN_GW, windowMs: 2500, mx: 2 });
    expect(d.ok, d.error).toBe(true);
    expect(d.result?.[0]).toMatchObject({ location: LOCATION, from: LAN_GW });
    expect(d.result?.[0]?.server).toMatch(/MiniUPnPd\/2\./);
    // Each path alone reaches it: multicast out of eth0 only, and unicast to the gateway only.
    const mc = await inNs<{ location: string }[]>(topo.cli, lab.driver, 'discover', { localAddress: LAN_CLIENT, windowMs: 2500, mx: 1 });
    expect(mc.result?.map((r) => r.location)).toEqual([LOCATION]);
    const uc = await inNs<{ location: string }[]>(topo.cli, lab.driver, 'discover', { localAddress: LAN_CLIENT, gateway: LAN_GW, multicast: false, windowMs: 2500, mx: 1 });
    expect(uc.result?.map((r) => r.location)).toEqual([LOCATION]);
    const desc = await inNs<{ deviceType: string; connection: { serviceType: string; controlURL: string } }>(topo.cli, lab.driver, 'describe', { location: LOCATION });
    expect(desc.ok, desc.error).toBe(true);
    expect(desc.result?.deviceType).toMatch(/^urn:schemas-upnp-org:device:InternetGatewayDevice:[12]$/);
    expect(desc.result?.connection.serviceType).toMatch(/^urn:schemas-upnp-org:service:WANIPConnection:[12]$/);
    expect(desc.result?.connection.controlURL).toBe(`http://${LAN_GW}:5000/ctl/IPConn`);
  });

  it('behind a stateful firewall like fw4 (wan input drop): the unicast search still gets its answer, multicast alone does not', async () => {
    // Reference §0.5/§6.9: conntrack cannot pair a unicast reply with a multicast query, so on a
    // router the multicast search's answer is dropped; the unicast one to gw:1900 is "established".
    await sh('ip', ['netns', 'exec', topo.cli, 'nft', '-f', '-'], 'table inet fwtest {\n chain input {\n  type filter hook input priority 0; policy drop;\n  ct state established,related accept\n  iif "lo" accept\n }\n}\n');
    try {
      const mc = await inNs<unknown[]>(topo.cli, lab.driver, 'discover', { localAddress: LAN_CLIENT, windowMs: 2000, mx: 1 });
      expect(mc.result).toEqual([]);
      const both = await inNs<ReachabilityVerdict>(topo.cli, lab.driver, 'check', { ...baseOpts, ports: [{ proto: 'tcp', port: 8443 }] });
      expect(both.result?.ipv4.reason).toMatch(/upstream IGD .* reports no external address/);
      const pmp = await inNs<{ resultCode: number }>(topo.cli, lab.driver, 'natpmpExternal', { gateway: LAN_GW });
      expect(pmp.result?.resultCode).toBe(3);
    } finally {
      await sh('ip', ['netns', 'exec', topo.cli, 'nft', 'delete', 'table', 'inet', 'fwtest']);
    }
  });

  it("multicast leaves through the WAN device, not the kernel's default: a decoy IGD on another device is never asked", async () => {
    await topo.addDecoy();
    // Control: searching from the decoy's side finds it, so it does answer.
    const control = await inNs<{ location: string }[]>(topo.cli, lab.driver, 'discover', { localAddress: '10.9.0.1', windowMs: 1500, mx: 1 });
    expect(control.result?.map((r) => r.location)).toEqual(['http://10.9.0.2:5000/decoy.xml']);
    const wan = await inNs<{ location: string }[]>(topo.cli, lab.driver, 'discover', { localAddress: LAN_CLIENT, windowMs: 2500, mx: 1 });
    expect(wan.result?.map((r) => r.location)).toEqual([LOCATION]);
  });

  it('the IGD says Connected but has no external address', async () => {
    const r = await inNs<{ status: { status: string }; external: string }>(topo.cli, lab.driver, 'status', { location: LOCATION });
    expect(r.ok, r.error).toBe(true);
    expect(r.result).toMatchObject({ status: { status: 'Connected' }, external: '' });
  });

  it('NAT-PMP answers result 3 with 0.0.0.0', async () => {
    const r = await inNs<{ resultCode: number; externalAddress: string }>(topo.cli, lab.driver, 'natpmpExternal', { gateway: LAN_GW });
    expect(r.ok, r.error).toBe(true);
    expect(r.result).toMatchObject({ resultCode: 3, externalAddress: '0.0.0.0' });
  });

  it('verdict: CGNAT detected, IPv4 not published, nothing mapped', async () => {
    const r = await inNs<ReachabilityVerdict>(topo.cli, lab.driver, 'check', { ...baseOpts, ports: [{ proto: 'tcp', port: 8443 }] });
    expect(r.ok, r.error).toBe(true);
    const v = r.result as ReachabilityVerdict;
    expect(v.ipv4.address).toBeNull();
    expect(v.ipv4.via).toBe('none');
    expect(v.ipv4.reason).toMatch(/^192\.168\.77\.10 on device eth0 is private \(192\.168\.0\.0\/16\); upstream IGD .* reports no external address \(""\): it is itself behind NAT/);
    expect(v.mappings).toEqual([]);
    expect(await topo.nftRules()).not.toMatch(/dnat/);
  });
});

describeWithPrereqs('netif against real miniupnpd: public-like WAN 5.5.5.2, secure mode', ['ip', 'nft', 'miniupnpd'], () => {
  const lab = miniupnpdLab('p', { wan: '5.5.5.2/24', isp: '5.5.5.1', secure: true });
  const { topo } = lab;

  const ports = [
    { proto: 'tcp', port: 8443 },
    { proto: 'udp', port: 51820 },
  ];
  let first: ReachabilityVerdict;

  it('verdict: reachable via upnp at the external address, both ports mapped to us', async () => {
    const r = await inNs<ReachabilityVerdict>(topo.cli, lab.driver, 'check', { ...baseOpts, ports, upnpLeaseSeconds: 600 });
    expect(r.ok, r.error).toBe(true);
    first = r.result as ReachabilityVerdict;
    expect(first.ipv4).toMatchObject({ address: '5.5.5.2', via: 'upnp' });
    expect(first.ipv4.reason).toMatch(/has public address 5\.5\.5\.2 and forwards tcp\/8443, udp\/51820 to 192\.168\.77\.10/);
    expect(first.mappings.map((m) => [m.via, m.proto, m.externalPort, m.internalClient, m.externalAddress])).toEqual([
      ['upnp', 'tcp', 8443, LAN_CLIENT, '5.5.5.2'],
      ['upnp', 'udp', 51820, LAN_CLIENT, '5.5.5.2'],
    ]);
    for (const m of first.mappings) expect(m.leaseSeconds).toBeGreaterThan(590);
    // Independent check: the IGD's nftables now forward the ports to us.
    const nft = await topo.nftRules();
    expect(nft).toMatch(/@nh,72,8 0x6 th dport 8443 dnat ip to 192\.168\.77\.10:8443/); // 0x6 = TCP
    expect(nft).toMatch(/@nh,72,8 0x11 th dport 51820 dnat ip to 192\.168\.77\.10:51820/); // 0x11 = UDP
  });

  it('the next run renews the lease', async () => {
    await new Promise((r) => setTimeout(r, 2200));
    const before = await inNs<{ leaseSeconds: number }>(topo.cli, lab.driver, 'getEntry', { location: LOCATION, proto: 'tcp', port: 8443 });
    expect(before.ok, before.error).toBe(true);
    expect(before.result?.leaseSeconds).toBeLessThanOrEqual(598);
    const r = await inNs<ReachabilityVerdict>(topo.cli, lab.driver, 'check', { ...baseOpts, ports, upnpLeaseSeconds: 600 });
    expect(r.result?.ipv4.via).toBe('upnp');
    const after = await inNs<{ leaseSeconds: number; internalClient: string }>(topo.cli, lab.driver, 'getEntry', { location: LOCATION, proto: 'tcp', port: 8443 });
    expect(after.result?.internalClient).toBe(LAN_CLIENT);
    expect(after.result?.leaseSeconds).toBeGreaterThan(before.result?.leaseSeconds as number);
  });

  it('secure mode: mapping to another host is refused with 718, and the verdict says so', async () => {
    const raw = await inNs<{ added: boolean; code: number; message: string }>(topo.cli, lab.driver, 'addMapping', {
      location: LOCATION,
      mapping: { proto: 'tcp', externalPort: 9000, internalPort: 9000, internalClient: '192.168.77.20', leaseSeconds: 600, description: 'x' },
    });
    expect(raw.result).toMatchObject({ added: false, code: 718 });
    expect(raw.result?.message).toMatch(/AddPortMapping at http:\/\/192\.168\.77\.1:5000\/ctl\/IPConn: UPnP error 718 ConflictInMappingEntry/);
    // The client holds a second address, 192.168.77.20, and its script reports that one; but the
    // kernel speaks to the IGD from the primary 192.168.77.10, so secure mode refuses the mapping.
    await sh('ip', ['-n', topo.cli, 'addr', 'add', '192.168.77.20/24', 'dev', 'eth0']);
    const script = `${topo.dir}/addr.sh`;
    await import('node:fs').then((fs) => fs.writeFileSync(script, '#!/bin/sh\necho 192.168.77.20\n', { mode: 0o755 }));
    const r = await inNs<ReachabilityVerdict>(topo.cli, lab.driver, 'check', { ...baseOpts, ip4Source: 'script', script, ports: [{ proto: 'tcp', port: 9000 }] });
    expect(r.ok, r.error).toBe(true);
    expect(r.result?.ipv4.address).toBeNull();
    expect(r.result?.ipv4.reason).toMatch(/upstream IGD refused to map tcp\/9000 to 192\.168\.77\.20: .*718 ConflictInMappingEntry.*secure mode/);
    expect(r.result?.mappings).toEqual([]);
    await sh('ip', ['-n', topo.cli, 'addr', 'del', '192.168.77.20/24', 'dev', 'eth0']);
    expect(await topo.nftRules()).not.toMatch(/dport 9000/);
  });

  it('removeMappings deletes both mappings; the IGD and nftables forget them', async () => {
    const r = await inNs<{ removed: PortMapping[]; failed: unknown[] }>(topo.cli, lab.driver, 'remove', { mappings: first.mappings });
    expect(r.ok, r.error).toBe(true);
    expect(r.result?.failed).toEqual([]);
    expect(r.result?.removed).toHaveLength(2);
    const gone = await inNs(topo.cli, lab.driver, 'getEntry', { location: LOCATION, proto: 'tcp', port: 8443 });
    expect(gone).toMatchObject({ ok: true, result: null });
    expect(await topo.nftRules()).not.toMatch(/dnat/);
  });

  it('NAT-PMP answers result 0 with the public address', async () => {
    const r = await inNs<{ resultCode: number; externalAddress: string }>(topo.cli, lab.driver, 'natpmpExternal', { gateway: LAN_GW });
    expect(r.result).toMatchObject({ resultCode: 0, externalAddress: '5.5.5.2' });
  });
});

describeWithPrereqs('netif against real miniupnpd: NAT-PMP only (UPnP off), public-like WAN', ['ip', 'nft', 'miniupnpd'], () => {
  const lab = miniupnpdLab('n', { wan: '5.5.5.2/24', isp: '5.5.5.1', secure: true, upnp: false });
  const { topo } = lab;

  it('no IGD answers SSDP, so the verdict comes from NAT-PMP: mapped, verified in nftables, removed', async () => {
    const r = await inNs<ReachabilityVerdict>(topo.cli, lab.driver, 'check', { ...baseOpts, ports: [{ proto: 'tcp', port: 8443 }], upnpLeaseSeconds: 300 });
    expect(r.ok, r.error).toBe(true);
    const v = r.result as ReachabilityVerdict;
    expect(v.ipv4).toMatchObject({ address: '5.5.5.2', via: 'natpmp' });
    expect(v.ipv4.reason).toMatch(/NAT-PMP gateway 192\.168\.77\.1 has public address 5\.5\.5\.2 and forwards tcp\/8443/);
    expect(v.mappings).toMatchObject([{ via: 'natpmp', proto: 'tcp', externalPort: 8443, internalPort: 8443, gateway: LAN_GW, leaseSeconds: 300 }]);
    expect(await topo.nftRules()).toMatch(/@nh,72,8 0x6 th dport 8443 dnat ip to 192\.168\.77\.10:8443/);
    const rm = await inNs<{ removed: unknown[]; failed: unknown[] }>(topo.cli, lab.driver, 'remove', { mappings: v.mappings });
    expect(rm.result).toMatchObject({ failed: [] });
    expect(rm.result?.removed).toHaveLength(1);
    expect(await topo.nftRules()).not.toMatch(/dnat/);
  });

  it('a NAT-PMP mapping answer is parsed: opcode 130, internal and external port, lifetime', async () => {
    const r = await inNs<{ resultCode: number; internalPort: number; externalPort: number; lifetime: number }>(topo.cli, lab.driver, 'natpmpMap', {
      gateway: LAN_GW,
      proto: 'udp',
      internalPort: 51820,
      externalPort: 51820,
      lifetime: 120,
    });
    expect(r.result).toEqual({ resultCode: 0, internalPort: 51820, externalPort: 51820, lifetime: 120 });
  });
});
