// Which IPv6 address to publish. Rules (reference openwrt-upnp.md §4.4):
//  - only global unicast (not ULA, link-local, documentation…; classify.ts),
//  - never temporary (privacy addresses change daily), deprecated (preferred lifetime over),
//    tentative (DAD still running) or DAD-failed,
//  - the address published last run while it is still usable, so the AAAA does not flap
//    between several equally good addresses,
//  - otherwise the longest preferred lifetime, then the lowest address (deterministic).
import { formatIPv6, parseCidr, parseIPv6 } from './addr.ts';
import { classifyIPv6, describeKind } from './classify.ts';

export interface Ip6Candidate {
  address: string;
  prefixLen: number;
  /** Remaining preferred lifetime, seconds; Infinity for none/permanent. 0 = deprecated. */
  preferred: number;
  valid: number;
  temporary: boolean;
  deprecated: boolean;
  tentative: boolean;
  dadFailed: boolean;
  /** Where it was seen, for reasons: `wan6 ipv6-address`, `lan local-address`, `eth1`. */
  origin: string;
}

export interface Ip6Choice {
  chosen: Ip6Candidate | null;
  /** One sentence: why this one, or why none. */
  reason: string;
  rejected: { address: string; why: string }[];
}

/** Why a candidate may not be published, or null when it may. */
export function ip6Unusable(c: Ip6Candidate): string | null {
  let cls;
  try {
    cls = classifyIPv6(c.address);
  } catch {
    return 'not an IPv6 address';
  }
  if (!cls.publishable) return describeKind(cls.kind, cls.range);
  // Temporary first: it is never published, whatever else is true of it.
  if (c.temporary) return 'temporary (privacy) address';
  if (c.dadFailed) return 'duplicate address detection failed';
  if (c.tentative) return 'tentative (duplicate address detection still running)';
  if (c.deprecated || c.preferred <= 0) return 'deprecated (preferred lifetime over)';
  if (c.valid <= 0) return 'expired (valid lifetime over)';
  return null;
}

export function chooseIPv6(candidates: Ip6Candidate[], previous?: string): Ip6Choice {
  const rejected: Ip6Choice['rejected'] = [];
  const usable: Ip6Candidate[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const why = ip6Unusable(c);
    if (why) rejected.push({ address: c.address, why });
    else if (!seen.has(c.address)) {
      seen.add(c.address);
      usable.push(c);
    }
  }
  if (usable.length === 0) {
    const list = rejected.map((r) => `${r.address}: ${r.why}`).join('; ');
    return {
      chosen: null,
      reason: candidates.length === 0 ? 'no IPv6 address found' : `no stable global IPv6 address (${list})`,
      rejected,
    };
  }
  const prev = previous ? parseIPv6(previous) : null;
  const prevText = prev ? formatIPv6(prev) : null;
  const kept = prevText ? usable.find((c) => c.address === prevText) : undefined;
  if (kept) return { chosen: kept, reason: `${kept.address} on ${kept.origin}, kept from the previous run while it stays valid`, rejected };
  const sorted = [...usable].sort((a, b) => b.preferred - a.preferred || compareBytes(a.address, b.address));
  const chosen = sorted[0] as Ip6Candidate;
  const life = chosen.preferred === Infinity ? 'no preferred-lifetime limit' : `preferred for ${chosen.preferred} s more`;
  const why = prevText ? `; the previous ${prevText} is no longer usable` : '';
  return { chosen, reason: `${chosen.address} on ${chosen.origin}: stable global address, ${life}${why}`, rejected };
}

function compareBytes(a: string, b: string): number {
  const x = parseIPv6(a) as Uint8Array;
  const y = parseIPv6(b) as Uint8Array;
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return 0;
}

/**
 * Put a host part under a prefix: applySuffix('2001:db8:1:ff00::/56', '::10') = '2001:db8:1:ff00::10'.
 * The suffix may be a full interface id (`::211:22ff:fe33:4455`) or reach into the subnet bits
 * (`::1:0:0:10` under a /56 picks subnet 1). Bits the prefix owns must be zero in the suffix.
 */
export function applySuffix(prefix: string, suffix: string): string {
  const p = parseCidr(prefix);
  if (!p || p.family !== 6) throw new Error(`IPv6 prefix ${JSON.stringify(prefix)}: expected addr/len, e.g. 2001:db8:1:ff00::/56`);
  const s = parseIPv6(suffix);
  if (!s) throw new Error(`ip6_suffix ${JSON.stringify(suffix)}: not an IPv6 interface id (write it like ::10 or ::211:22ff:fe33:4455)`);
  if (s.every((x) => x === 0)) throw new Error(`ip6_suffix ${JSON.stringify(suffix)}: the host part is all zero`);
  if (p.bits >= 128) throw new Error(`IPv6 prefix ${prefix}: a /128 leaves no room for a host suffix`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bitsHere = Math.max(0, Math.min(8, p.bits - 8 * i));
    const prefMask = (0xff << (8 - bitsHere)) & 0xff;
    if (((s[i] as number) & prefMask) !== 0) {
      throw new Error(`ip6_suffix ${suffix} overlaps the /${p.bits} prefix ${prefix}: use only the last ${128 - p.bits} bits`);
    }
    out[i] = ((p.bytes[i] as number) & prefMask) | (s[i] as number);
  }
  return formatIPv6(out);
}
