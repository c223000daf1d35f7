// Whether two values mean the same to a resolver. The chain is compared by meaning, not bytes:
// a value written by another tool as {"ip":["198.51.100.7"]} with spaces and another key order
// is the value the agent would publish as {"ip":"198.51.100.7"}, and re-sending it would only
// cost a fee (and, with Electrum-NMC resolvers, ~12 blocks of unresolvability, namecoin.md §5.2).
import { isIP } from 'node:net';
import { canonicalIPv6 } from './build.ts';
import type { Json, JsonObject } from './template.ts';

/** True when `a` and `b` (name values as text) mean the same domain records. */
export function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  let pa: Json;
  let pb: Json;
  try {
    pa = JSON.parse(a) as Json;
    pb = JSON.parse(b) as Json;
  } catch {
    return false; // not JSON on one side: only byte equality (above) counts
  }
  return deepEqual(normalizeDomain(pa), normalizeDomain(pb));
}

/** The ifa-0001 meaning of a domain object: address items as sorted arrays of canonical text. */
function normalizeDomain(v: Json): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: JsonObject = {};
  for (const [k, item] of Object.entries(v)) {
    if (k === 'ip' || k === 'ip6') {
      out[k] = normalizeAddresses(item);
    } else if (k === 'map' && item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const map: JsonObject = {};
      for (const [label, sub] of Object.entries(item)) {
        // "www":"192.0.2.1" is shorthand for "www":{"ip":["192.0.2.1"]}.
        map[label] = typeof sub === 'string' ? { ip: normalizeAddresses(sub) } : normalizeDomain(sub);
      }
      out[k] = map;
    } else {
      out[k] = item;
    }
  }
  return out;
}

function normalizeAddresses(item: Json): Json {
  const list = typeof item === 'string' ? [item] : item;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) return item;
  return (list as string[]).map((a) => (isIP(a) === 6 && !a.includes('%') ? canonicalIPv6(a) : a)).sort();
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]!));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b as JsonObject);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k]!, (b as JsonObject)[k]!));
}
