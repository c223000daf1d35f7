import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIfInet6 } from '../../src/netif/ifinet6.ts';
import { parseNetifdStatus } from '../../src/netif/netifd.ts';

const here = join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => readFileSync(join(here, name), 'utf8');

describe('parseNetifdStatus (hand-written fixtures in the documented §4.1 shape)', () => {
  it('every fixture says it was written by hand, not recorded', () => {
    for (const f of ['netifd-wan-dhcp.json', 'netifd-wan-pppoe.json', 'netifd-wan6-dhcpv6-iana.json', 'netifd-wan6-prefix-only.json', 'netifd-lan-prefix-assignment.json']) {
      expect((JSON.parse(fixture(f)) as { _comment: string })._comment).toMatch(/^WRITTEN BY HAND .*NOT recorded/);
    }
  });

  it('DHCP: the CGNAT address, its mask and the default gateway', () => {
    const s = parseNetifdStatus(fixture('netifd-wan-dhcp.json'));
    expect(s.up).toBe(true);
    expect(s.proto).toBe('dhcp');
    expect(s.l3Device).toBe('eth1');
    expect(s.ipv4).toEqual([{ address: '100.72.14.9', mask: 10, preferred: Infinity, valid: Infinity }]);
    expect(s.gateway4).toBe('100.64.0.1');
  });

  it('PPPoE: l3_device pppoe-wan, the /32 and its ptpaddress', () => {
    const s = parseNetifdStatus(fixture('netifd-wan-pppoe.json'));
    expect(s.l3Device).toBe('pppoe-wan');
    expect(s.device).toBe('eth0.7');
    expect(s.ipv4[0]).toMatchObject({ address: '81.2.69.160', mask: 32, ptpaddress: '81.2.69.1' });
    expect(s.gateway4).toBe('81.2.69.1');
  });

  it('DHCPv6 with IA_NA: addresses with lifetimes, deprecated one, delegated prefix and its assignment', () => {
    const s = parseNetifdStatus(fixture('netifd-wan6-dhcpv6-iana.json'));
    expect(s.ipv6.map((a) => [a.address, a.mask, a.preferred])).toEqual([
      ['fd12:3456:789a::1', 64, Infinity],
      ['2a02:8100:0:ff::1:5', 128, 0],
      ['2a02:8100:0:1::2a', 128, 14000],
      ['2a02:8100:0:1:5054:ff:fe12:3456', 64, 14400],
    ]);
    expect(s.ipv6Prefixes).toEqual([
      { address: '2a02:8100:10:ab00::', mask: 56, preferred: 14400, valid: 86400, assigned: [{ iface: 'lan', address: '2a02:8100:10:ab00::', mask: 64 }] },
    ]);
  });

  it('prefix-only delegation: no ipv6-address, the /60 and two assignments', () => {
    const s = parseNetifdStatus(fixture('netifd-wan6-prefix-only.json'));
    expect(s.ipv6).toEqual([]);
    expect(s.ipv6Prefixes[0]?.mask).toBe(60);
    expect(s.ipv6Prefixes[0]?.assigned.map((a) => a.iface)).toEqual(['lan', 'guest']);
  });

  it('lan: ipv6-prefix-assignment with local-address', () => {
    const s = parseNetifdStatus(fixture('netifd-lan-prefix-assignment.json'));
    expect(s.ipv6Assignments.map((a) => a.localAddress?.address)).toEqual(['fd12:3456:789a::1', '2a01:4f8:c0c:8e40::1']);
    expect(s.ipv6Assignments[1]?.valid).toBe(7100);
  });

  it('a down interface has no arrays', () => {
    expect(parseNetifdStatus('{"up":false,"pending":false,"proto":"dhcp","device":"eth1","data":{}}')).toMatchObject({ up: false, ipv4: [], ipv6: [] });
  });

  it.each([
    ['Command failed: Not found', /not JSON/],
    ['[]', /expected a JSON object/],
    ['{}', /"up" is missing/],
    ['{"up":true,"ipv4-address":{}}', /"ipv4-address" is not an array/],
    ['{"up":true,"ipv4-address":[{"address":"999.1.1.1","mask":24}]}', /ipv4-address\[0\]\.address "999.1.1.1" is not an IPv4 address/],
    ['{"up":true,"ipv4-address":[{"address":"1.2.3.4","mask":33}]}', /ipv4-address\[0\]\.mask 33/],
    ['{"up":true,"ipv6-address":[{"address":"2001:db8::1","mask":64,"preferred":-1}]}', /preferred -1/],
    ['{"up":true,"ipv6-prefix":[{"address":"2001:db8::","mask":56,"assigned":{"lan":{"address":"x","mask":64}}}]}', /assigned\.lan\.address "x"/],
  ])('garbage %j → clear error', (text, re) => {
    expect(() => parseNetifdStatus(text, 'ubus call network.interface.wan status')).toThrow(re);
    expect(() => parseNetifdStatus(text, 'ubus call network.interface.wan status')).toThrow(/^ubus call network\.interface\.wan status: /);
  });
});

describe('parseIfInet6', () => {
  // Lines 3-7 were copied from /proc/net/if_inet6 of a namespace on this machine after
  // `ip addr add … nodad|mngtmpaddr|preferred_lft 0`; the others are hand-made for the flags
  // that are awkward to produce (tentative, DAD-failed, a non-tentative temporary).
  const rows = parseIfInet6(fixture('if_inet6-router.txt'));
  const by = (a: string) => rows.find((r) => r.address === a);

  it('reads address, index, prefix length, scope, device', () => {
    expect(rows).toHaveLength(10);
    expect(by('::1')).toMatchObject({ ifindex: 1, prefixLen: 128, scope: 0x10, device: 'lo', permanent: true });
    expect(by('fe80::20c:29ff:fe5a:6b7c')).toMatchObject({ ifindex: 2, prefixLen: 64, scope: 0x20, device: 'eth1' });
    expect(by('fd00:1::5')).toMatchObject({ scope: 0, flags: 0x82 }); // a ULA shows scope global
  });

  it.each([
    ['2a0a:ffff:10::100', { temporary: false, deprecated: false, tentative: false, dadFailed: false, permanent: true }],
    ['2a0a:ffff:10:0:1e37:e7e9:6d2:3694', { temporary: true, tentative: true, permanent: false }],
    ['2a0a:ffff:10::200', { deprecated: true, temporary: false, tentative: false }],
    ['2a0a:ffff:10::300', { tentative: true, dadFailed: false }],
    ['2a0a:ffff:10::400', { tentative: true, dadFailed: true }],
    ['2a0a:ffff:10::500', { temporary: true, tentative: false }],
  ])('flags of %s', (a, want) => {
    expect(by(a)).toMatchObject(want);
  });

  it.each([
    ['2a0affff00100000000000000000010 03 40 00 80 v0', /line 1: not an if_inet6 entry/],
    ['2a0affff001000000000000000000100 03 40 00 80', /line 1/],
    ['\n\nhello world', /line 3: not an if_inet6 entry: "hello world"/],
    ['2a0affff001000000000000000000100 03 81 00 80 v0', /prefix length 129/],
  ])('junk %j → error naming the line', (text, re) => {
    expect(() => parseIfInet6(text)).toThrow(re);
  });
});
