// `ubus call network.interface.<name> status` → typed addresses. The JSON shape is built by
// netifd_dump_status (openwrt/netifd ubus.c; reference openwrt-upnp.md §4.1):
//   up, proto, device, l3_device (only when up),
//   "ipv4-address": [{address, mask, ptpaddress?, preferred?, valid?}],
//   "ipv6-address": [same],
//   "ipv6-prefix": [{address, mask, preferred?, valid?, assigned: {<iface>: {address, mask}}}]  (PD to this iface)
//   "ipv6-prefix-assignment": [{address, mask, preferred?, valid?, "local-address": {address, mask}}] (on lan)
//   "route": [{target, mask, nexthop, …}]
// preferred/valid are remaining seconds and absent when infinite; preferred 0 = deprecated.
import { canonicalIPv6, formatIPv4, parseIPv4 } from './addr.ts';

export interface NetifdAddress {
  address: string;
  mask: number;
  ptpaddress?: string;
  /** Remaining seconds; Infinity when netifd omits the field. */
  preferred: number;
  valid: number;
}

export interface NetifdPrefix extends NetifdAddress {
  /** Sub-prefixes handed to downstream interfaces, e.g. { iface: 'lan', address: '2001:db8:1:ff00::', mask: 64 }. */
  assigned: { iface: string; address: string; mask: number }[];
}

export interface NetifdAssignment extends NetifdAddress {
  /** The router's own address in this assignment (prefix-only delegation puts the global address here). */
  localAddress?: { address: string; mask: number };
}

export interface NetifdStatus {
  up: boolean;
  proto?: string;
  device?: string;
  l3Device?: string;
  ipv4: NetifdAddress[];
  ipv6: NetifdAddress[];
  ipv6Prefixes: NetifdPrefix[];
  ipv6Assignments: NetifdAssignment[];
  /** The IPv4 default route's nexthop, when netifd has one for this interface. */
  gateway4?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parse the status JSON (text or already-parsed). `where` names the source in errors,
 * e.g. `ubus call network.interface.wan status`.
 */
export function parseNetifdStatus(json: string | unknown, where = 'netifd status'): NetifdStatus {
  let v: unknown = json;
  if (typeof json === 'string') {
    try {
      v = JSON.parse(json);
    } catch {
      throw new Error(`${where}: not JSON (${JSON.stringify(json.trim().slice(0, 60))}); is this an OpenWrt netifd interface?`);
    }
  }
  if (!isObj(v)) throw new Error(`${where}: expected a JSON object with "up", got ${Array.isArray(v) ? 'an array' : typeof v}`);
  if (typeof v.up !== 'boolean') throw new Error(`${where}: field "up" is missing or not a boolean`);

  const family = (fam: 4 | 6) => (a: unknown, field: string): string => {
    if (typeof a !== 'string') throw new Error(`${where}: ${field} is not a string`);
    const s = fam === 4 ? (parseIPv4(a) ? formatIPv4(parseIPv4(a) as Uint8Array) : null) : canonicalIPv6(a);
    if (!s) throw new Error(`${where}: ${field} ${JSON.stringify(a)} is not an IPv${fam} address`);
    return s;
  };
  const v4 = family(4);
  const v6 = family(6);
  const num = (x: unknown, field: string, max: number): number => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > max) {
      throw new Error(`${where}: ${field} ${JSON.stringify(x)} is not an integer 0-${max}`);
    }
    return x;
  };
  const lifetime = (x: unknown, field: string): number => (x === undefined ? Infinity : num(x, field, 2 ** 32));
  const list = (key: string): Obj[] => {
    const raw = v[key];
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw new Error(`${where}: "${key}" is not an array`);
    return raw.map((e, i) => {
      if (!isObj(e)) throw new Error(`${where}: ${key}[${i}] is not an object`);
      return e;
    });
  };
  const addr = (e: Obj, key: string, i: number, fam: 4 | 6): NetifdAddress => {
    const at = `${key}[${i}]`;
    const out: NetifdAddress = {
      address: (fam === 4 ? v4 : v6)(e.address, `${at}.address`),
      mask: num(e.mask, `${at}.mask`, fam === 4 ? 32 : 128),
      preferred: lifetime(e.preferred, `${at}.preferred`),
      valid: lifetime(e.valid, `${at}.valid`),
    };
    if (e.ptpaddress !== undefined) out.ptpaddress = v4(e.ptpaddress, `${at}.ptpaddress`);
    return out;
  };

  const status: NetifdStatus = {
    up: v.up,
    ipv4: list('ipv4-address').map((e, i) => addr(e, 'ipv4-address', i, 4)),
    ipv6: list('ipv6-address').map((e, i) => addr(e, 'ipv6-address', i, 6)),
    ipv6Prefixes: list('ipv6-prefix').map((e, i) => {
      const p: NetifdPrefix = { ...addr(e, 'ipv6-prefix', i, 6), assigned: [] };
      if (e.assigned !== undefined) {
        if (!isObj(e.assigned)) throw new Error(`${where}: ipv6-prefix[${i}].assigned is not an object`);
        for (const [iface, a] of Object.entries(e.assigned)) {
          if (!isObj(a)) throw new Error(`${where}: ipv6-prefix[${i}].assigned.${iface} is not an object`);
          const at = `ipv6-prefix[${i}].assigned.${iface}`;
          p.assigned.push({ iface, address: v6(a.address, `${at}.address`), mask: num(a.mask, `${at}.mask`, 128) });
        }
      }
      return p;
    }),
    ipv6Assignments: list('ipv6-prefix-assignment').map((e, i) => {
      const a: NetifdAssignment = addr(e, 'ipv6-prefix-assignment', i, 6);
      const la = e['local-address'];
      if (la !== undefined) {
        if (!isObj(la)) throw new Error(`${where}: ipv6-prefix-assignment[${i}].local-address is not an object`);
        const at = `ipv6-prefix-assignment[${i}].local-address`;
        a.localAddress = { address: v6(la.address, `${at}.address`), mask: num(la.mask, `${at}.mask`, 128) };
      }
      return a;
    }),
  };
  if (typeof v.proto === 'string') status.proto = v.proto;
  if (typeof v.device === 'string') status.device = v.device;
  if (typeof v.l3_device === 'string') status.l3Device = v.l3_device;
  for (const r of list('route')) {
    if (r.target === '0.0.0.0' && r.mask === 0 && typeof r.nexthop === 'string' && parseIPv4(r.nexthop)) {
      if (r.nexthop !== '0.0.0.0') status.gateway4 = r.nexthop;
      break;
    }
  }
  // PPPoE: the peer address is the gateway.
  if (!status.gateway4) {
    const ptp = status.ipv4.find((a) => a.ptpaddress)?.ptpaddress;
    if (ptp) status.gateway4 = ptp;
  }
  return status;
}
