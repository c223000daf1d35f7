// The value of the dd/ name: compact ifa-0001 JSON built from the reachability verdict (`ip`,
// `ip6`) and the owner's template. Keys come in a fixed order (ip, ip6, then the template's keys
// sorted, recursively) so the same inputs always give the same bytes, and at most 520 bytes
// (reference namecoin.md §2.4: a longer value makes the name coin unspendable).
import { isIP } from 'node:net';
import { checkTemplate, utf8Length, ValueError, type Json, type JsonObject } from './template.ts';

export const MAX_VALUE_BYTES = 520;

export interface PublishedAddresses {
  /** The IPv4 address to publish, or null: no `ip` item. */
  ipv4: string | null;
  /** The IPv6 address to publish, or null: no `ip6` item. */
  ipv6: string | null;
}

export interface BuiltValue {
  /** The exact text that goes into the name script. */
  text: string;
  /** Its length in bytes (UTF-8). */
  bytes: number;
}

/** Objects with their keys sorted, recursively; arrays keep their order (it can mean something). */
export function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!);
    return out;
  }
  return v;
}

export function buildValue(addresses: PublishedAddresses, template: JsonObject = {}): BuiltValue {
  checkTemplate(template);
  const value: JsonObject = {};
  if (addresses.ipv4 !== null) {
    if (isIP(addresses.ipv4) !== 4) throw new ValueError(`'${addresses.ipv4}' is not an IPv4 address`);
    value.ip = addresses.ipv4;
  }
  if (addresses.ipv6 !== null) {
    if (isIP(addresses.ipv6) !== 6 || addresses.ipv6.includes('%')) throw new ValueError(`'${addresses.ipv6}' is not an IPv6 address`);
    value.ip6 = canonicalIPv6(addresses.ipv6);
  }
  const sorted = sortKeys(template) as JsonObject;
  for (const [k, v] of Object.entries(sorted)) value[k] = v;
  const text = JSON.stringify(value);
  const bytes = utf8Length(text);
  if (bytes > MAX_VALUE_BYTES) {
    throw new ValueError(
      `the value would be ${bytes} bytes, more than the ${MAX_VALUE_BYTES} a name can hold: shorten the template (it takes ${utf8Length(JSON.stringify(sorted))} bytes)`,
    );
  }
  return { text, bytes };
}

/** RFC 5952 text form (lower case, longest zero run compressed), via the WHATWG URL parser. */
export function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}
