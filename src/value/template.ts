// The owner's static records (`template`), merged into every value the agent publishes.
// The hot key may only publish what a thief holding it could not use to take the domain over,
// so the template refuses the items that belong in the cold d/ name (reference namecoin.md
// §4.6–4.8): `tls` (the TLS pin), `ns`/`ds`/`dns` (delegation), `import`/`delegate` (pulling in
// other names), `alias`/`translate` (sending the domain elsewhere). `ip`/`ip6` at the top come
// from the WAN address and are refused too; inside `map` entries they are static records of a
// subdomain and allowed.
import { isIP } from 'node:net';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

/** Items the template may never contain, at any level, and why. */
export const FORBIDDEN_ITEMS: Readonly<Record<string, string>> = {
  tls: 'the TLS pin belongs in the cold d/ name, where the hot key cannot change it',
  ns: 'delegation belongs in the cold d/ name (pin "ns":[] there)',
  dns: 'deprecated alias of ns; delegation belongs in the cold d/ name',
  ds: 'DNSSEC keys belong in the cold d/ name (pin "ds":[] there)',
  import: 'the cold d/ name imports the dd/ name, not the other way round',
  delegate: 'deprecated import; the cold d/ name imports the dd/ name',
  alias: 'an alias would let the hot key send the whole domain elsewhere; put it in the d/ name if you want it',
  translate: 'a translate would let the hot key send the whole domain elsewhere; put it in the d/ name if you want it',
};

const LABEL = /^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$/;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const encoder = new TextEncoder();

export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/**
 * Check a template (already parsed JSON) and return it. Errors name the path inside the
 * template (`template.map.www.tls`) and what to do instead.
 */
export function checkTemplate(template: unknown, where = 'template'): JsonObject {
  if (!isObject(template)) {
    throw new ValueError(`${where} must be a JSON object such as {"tor":"example.onion"}, not ${describe(template)}`);
  }
  checkDomainObject(template, where, true);
  return template;
}

function checkDomainObject(obj: JsonObject, path: string, top: boolean): void {
  for (const [key, value] of Object.entries(obj)) {
    const at = `${path}.${key}`;
    const why = FORBIDDEN_ITEMS[key];
    if (why !== undefined) throw new ValueError(`${at} is not allowed in the template: ${why}`);
    if (top && (key === 'ip' || key === 'ip6')) {
      throw new ValueError(`${at} is not allowed in the template: the agent publishes the WAN address there itself (set ip4_source/ip6_source, or ip4_address/ip6_address with source static)`);
    }
    switch (key) {
      case 'ip':
        checkAddresses(value, at, 4);
        break;
      case 'ip6':
        checkAddresses(value, at, 6);
        break;
      case 'map':
        if (!isObject(value)) throw new ValueError(`${at} must be an object of subdomain labels, not ${describe(value)}`);
        for (const [label, sub] of Object.entries(value)) {
          const subAt = `${at}[${JSON.stringify(label)}]`;
          if (label !== '' && !LABEL.test(label)) {
            throw new ValueError(`${subAt}: '${label}' is not one lower-case DNS label, "*" or "" (ifa-0001 map keys)`);
          }
          if (typeof sub === 'string') {
            checkAddresses(sub, subAt, 4); // "www":"192.0.2.1" is shorthand for {"ip":["192.0.2.1"]}
          } else if (isObject(sub)) {
            checkDomainObject(sub, subAt, false);
          } else {
            throw new ValueError(`${subAt} must be an object (or an IPv4 string), not ${describe(sub)}`);
          }
        }
        break;
      case 'txt':
        checkTxt(value, at);
        break;
      case 'srv':
        checkSrv(value, at);
        break;
      case 'tor':
      case 'i2p':
      case 'freenet':
        if (!(typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')))) {
          throw new ValueError(`${at} must be a string or an array of strings, not ${describe(value)}`);
        }
        break;
      default:
        // Other ifa-0001 items (info, loc, sshfp, …) pass through unchanged.
        break;
    }
  }
}

function checkAddresses(value: Json, at: string, family: 4 | 6): void {
  const list = Array.isArray(value) ? value : [value];
  for (const a of list) {
    if (typeof a !== 'string' || isIP(a) !== family) {
      throw new ValueError(`${at}: ${JSON.stringify(a)} is not an IPv${family} address`);
    }
  }
}

function checkTxt(value: Json, at: string): void {
  const strings: Json[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value.flat() : [value];
  for (const s of strings) {
    if (typeof s !== 'string') throw new ValueError(`${at} must be a string, an array of strings or an array of arrays of strings`);
    if (utf8Length(s) > 255) throw new ValueError(`${at}: a TXT string is ${utf8Length(s)} bytes, the limit is 255`);
  }
}

function checkSrv(value: Json, at: string): void {
  if (!Array.isArray(value)) throw new ValueError(`${at} must be an array of [priority, weight, port, "target"]`);
  for (const rec of value) {
    const ok =
      Array.isArray(rec) &&
      rec.length === 4 &&
      [rec[0], rec[1], rec[2]].every((n) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 65535) &&
      typeof rec[3] === 'string';
    if (!ok) throw new ValueError(`${at}: ${JSON.stringify(rec)} is not [priority, weight, port, "target"] (integers 0-65535 and a host name)`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
