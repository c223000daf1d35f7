import { describe, expect, it } from 'vitest';
import { canonicalIPv6, parseIPv4, parseIPv6 } from '../../src/netif/addr.ts';
import { classifyIPv4, classifyIPv6 } from '../../src/netif/classify.ts';
import { parsePortSpec } from '../../src/netif/ports.ts';

describe('classifyIPv4', () => {
  // Every row of miniupnpc's addr_is_reserved() list (reference §6.6), probed at both ends.
  const table: [string, string, string][] = [
    ['0.0.0.0', 'this-network', '0.0.0.0/8'],
    ['0.255.255.255', 'this-network', '0.0.0.0/8'],
    ['10.0.0.1', 'private', '10.0.0.0/8'],
    ['10.255.255.254', 'private', '10.0.0.0/8'],
    ['100.64.0.0', 'cgnat', '100.64.0.0/10'],
    ['100.127.255.255', 'cgnat', '100.64.0.0/10'],
    ['127.0.0.1', 'loopback', '127.0.0.0/8'],
    ['169.254.10.1', 'link-local', '169.254.0.0/16'],
    ['172.16.0.1', 'private', '172.16.0.0/12'],
    ['172.31.255.255', 'private', '172.16.0.0/12'],
    ['192.0.0.8', 'reserved', '192.0.0.0/24'],
    ['192.0.2.44', 'documentation', '192.0.2.0/24'],
    ['192.31.196.1', 'reserved', '192.31.196.0/24'],
    ['192.52.193.1', 'reserved', '192.52.193.0/24'],
    ['192.88.99.1', 'reserved', '192.88.99.0/24'],
    ['192.168.77.10', 'private', '192.168.0.0/16'],
    ['192.175.48.6', 'reserved', '192.175.48.0/24'],
    ['198.18.0.1', 'benchmarking', '198.18.0.0/15'],
    ['198.19.255.255', 'benchmarking', '198.18.0.0/15'],
    ['198.51.100.7', 'documentation', '198.51.100.0/24'],
    ['203.0.113.9', 'documentation', '203.0.113.0/24'],
    ['224.0.0.251', 'multicast', '224.0.0.0/4'],
    ['239.255.255.250', 'multicast', '224.0.0.0/4'],
    ['240.0.0.1', 'reserved', '240.0.0.0/4'],
    ['255.255.255.255', 'reserved', '240.0.0.0/4'],
  ];
  it.each(table)('%s is %s (%s)', (a, kind, range) => {
    expect(classifyIPv4(a)).toEqual({ kind, range, publishable: false });
  });

  // The addresses just outside each boundary are public: the masks are not off by one.
  it.each(['1.1.1.1', '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0',
    '192.0.1.255', '192.0.3.0', '192.167.255.255', '192.169.0.0', '198.17.255.255', '198.20.0.0', '223.255.255.255', '5.5.5.2'])(
    '%s is public',
    (a) => {
      expect(classifyIPv4(a)).toEqual({ kind: 'public', range: 'public', publishable: true });
    },
  );

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '::1'])('refuses %j', (a) => {
    expect(() => classifyIPv4(a)).toThrow(/not an IPv4 address/);
  });
});

describe('classifyIPv6', () => {
  const table: [string, string][] = [
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:192.0.2.1', 'ipv4-mapped'],
    ['64:ff9b::192.0.2.33', 'nat64'],
    ['64:ff9b:1::1', 'nat64'],
    ['100::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:db8::1', 'documentation'],
    ['2001:db8:ffff:ffff::1', 'documentation'],
    ['2001:10::1', 'reserved'],
    ['2001:20::1', 'reserved'],
    ['2002:c000:204::1', '6to4'],
    ['3fff::1', 'documentation'],
    ['fc00::1', 'ula'],
    ['fd12:3456:789a::1', 'ula'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::c', 'multicast'],
    ['4000::1', 'reserved'],
    ['1::1', 'reserved'],
    ['2a02:8100:0:1::2a', 'global'],
    ['2001:470::1', 'global'],
    ['2001:db7:ffff::1', 'global'],
    ['2001:db9::1', 'global'],
    ['3ffe::1', 'global'],
    ['3fff:1000::1', 'global'],
  ];
  it.each(table)('%s is %s', (a, kind) => {
    const c = classifyIPv6(a);
    expect(c.kind).toBe(kind);
    expect(c.publishable).toBe(kind === 'global');
  });
  it.each(['', ':', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', '1.2.3.4', '::1.2.3'])('refuses %j', (a) => {
    expect(() => classifyIPv6(a)).toThrow(/not an IPv6 address/);
  });
});

describe('address text', () => {
  it.each([
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['0:0:0:0:0:0:0:0', '::'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['fe80::a%br-lan', 'fe80::a'],
  ])('canonical(%s) = %s', (a, c) => {
    expect(canonicalIPv6(a)).toBe(c);
  });
  it('parses bytes', () => {
    expect(Array.from(parseIPv4('100.64.1.2') as Uint8Array)).toEqual([100, 64, 1, 2]);
    expect(Array.from((parseIPv6('::1') as Uint8Array).subarray(14))).toEqual([0, 1]);
  });
});

describe('parsePortSpec', () => {
  it.each([
    ['443', { proto: 'tcp', port: 443 }],
    ['tcp/443', { proto: 'tcp', port: 443 }],
    ['UDP/51820', { proto: 'udp', port: 51820 }],
    [' 1 ', { proto: 'tcp', port: 1 }],
    ['65535', { proto: 'tcp', port: 65535 }],
  ])('%j', (t, want) => {
    expect(parsePortSpec(t)).toEqual(want);
  });
  it.each(['0', '65536', 'sctp/80', 'tcp/', '/80', '80/tcp', 'http', '', 'tcp/8o'])('refuses %j', (t) => {
    expect(() => parsePortSpec(t)).toThrow(/port .*expected 1-65535/);
  });
});
