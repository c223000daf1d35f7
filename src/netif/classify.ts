// What kind of address is this, and may it be published? Pure, table-driven.
//
// IPv4 "reserved" is exactly miniupnpc's addr_is_reserved() list (reference openwrt-upnp.md §6.6),
// the same list miniupnpd uses to decide "port forwarding is impossible": if our verdict and the
// upstream IGD's disagreed, we would publish an address the IGD itself calls unreachable.
// IPv6 follows the IANA special-purpose registry for the ranges a router can meet.

import { parseIPv4, parseIPv6, samePrefix } from './addr.ts';

export type IPv4Kind =
  | 'public'
  | 'private' // RFC 1918: behind another NAT
  | 'cgnat' // RFC 6598 100.64/10: carrier-grade NAT
  | 'loopback'
  | 'link-local'
  | 'this-network' // 0/8
  | 'documentation' // TEST-NET-1/2/3
  | 'benchmarking' // 198.18/15
  | 'multicast'
  | 'reserved'; // the rest of the special-purpose list (240/4, 192.0.0/24, AS112, 6to4 relay…)

export type IPv6Kind =
  | 'global'
  | 'unspecified'
  | 'loopback'
  | 'ipv4-mapped'
  | 'nat64'
  | 'ula' // fc00::/7: scope global in the kernel, unreachable from the Internet
  | 'link-local'
  | 'site-local'
  | 'multicast'
  | 'documentation'
  | 'benchmarking'
  | 'teredo'
  | '6to4'
  | 'reserved';

export interface Classification<K extends string> {
  kind: K;
  /** The range that matched, e.g. `100.64.0.0/10`; `2000::/3` or `public` for the ordinary case. */
  range: string;
  /** Whether the Internet can route to it at all (the first condition for publishing). */
  publishable: boolean;
}

const V4_TABLE: [string, IPv4Kind][] = [
  ['0.0.0.0/8', 'this-network'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.31.196.0/24', 'reserved'],
  ['192.52.193.0/24', 'reserved'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['192.175.48.0/24', 'reserved'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

// Order matters: the first match wins, so narrower ranges come before the ones containing them.
const V6_TABLE: [string, IPv6Kind][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::ffff:0:0/96', 'ipv4-mapped'],
  ['64:ff9b::/96', 'nat64'],
  ['64:ff9b:1::/48', 'nat64'],
  ['100::/64', 'reserved'], // discard-only
  ['2001::/32', 'teredo'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['2001:10::/28', 'reserved'], // ORCHID
  ['2001:20::/28', 'reserved'], // ORCHIDv2
  ['2002::/16', '6to4'],
  ['3fff::/20', 'documentation'], // RFC 9637
  ['2000::/3', 'global'],
  ['fc00::/7', 'ula'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

type Row<K> = { bytes: Uint8Array; bits: number; range: string; kind: K };

function compile<K>(table: [string, K][], parse: (s: string) => Uint8Array | null): Row<K>[] {
  return table.map(([range, kind]) => {
    const [addr, len] = range.split('/') as [string, string];
    const bytes = parse(addr);
    if (!bytes) throw new Error(`bad range in table: ${range}`);
    return { bytes, bits: Number(len), range, kind };
  });
}

const V4_ROWS = compile(V4_TABLE, parseIPv4);
const V6_ROWS = compile(V6_TABLE, parseIPv6);

/** Classify an IPv4 address. Throws for text that is not a dotted-quad IPv4 address. */
export function classifyIPv4(address: string): Classification<IPv4Kind> {
  const b = parseIPv4(address);
  if (!b) throw new Error(`not an IPv4 address: ${JSON.stringify(address)}`);
  for (const row of V4_ROWS) {
    if (samePrefix(b, row.bytes, row.bits)) return { kind: row.kind, range: row.range, publishable: false };
  }
  return { kind: 'public', range: 'public', publishable: true };
}

/** Classify an IPv6 address (address only; flags such as temporary are judged by the IPv6 choice). */
export function classifyIPv6(address: string): Classification<IPv6Kind> {
  const b = parseIPv6(address);
  if (!b) throw new Error(`not an IPv6 address: ${JSON.stringify(address)}`);
  for (const row of V6_ROWS) {
    if (samePrefix(b, row.bytes, row.bits)) {
      return { kind: row.kind, range: row.range, publishable: row.kind === 'global' };
    }
  }
  // Outside 2000::/3 and every special range: unassigned address space.
  return { kind: 'reserved', range: 'unassigned', publishable: false };
}

/** A short human phrase for a non-public kind, used in verdict reasons. */
export function describeKind(kind: IPv4Kind | IPv6Kind, range: string): string {
  const words: Record<string, string> = {
    public: 'public',
    global: 'global',
    private: 'private',
    cgnat: 'carrier-grade NAT',
    loopback: 'loopback',
    'link-local': 'link-local',
    'this-network': '"this network"',
    documentation: 'documentation-only',
    benchmarking: 'benchmarking-only',
    multicast: 'multicast',
    reserved: 'reserved',
    unspecified: 'unspecified',
    'ipv4-mapped': 'IPv4-mapped',
    nat64: 'NAT64',
    ula: 'unique local (ULA)',
    'site-local': 'site-local (deprecated)',
    teredo: 'Teredo',
    '6to4': '6to4',
  };
  return `${words[kind] ?? kind} (${range})`;
}
