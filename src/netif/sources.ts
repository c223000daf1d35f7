// Where the WAN addresses come from: netifd over ubus, the Linux interfaces, the config, or a
// script. Each returns what it saw plus where it saw it, for the verdict's reasons.
import { networkInterfaces } from 'node:os';
import { formatIPv4, parseIPv4, parseIPv6, formatIPv6 } from './addr.ts';
import { runCapped } from './exec.ts';
import { readIfInet6 } from './ifinet6.ts';
import type { Ip6Candidate } from './ip6choice.ts';
import { parseNetifdStatus, type NetifdStatus } from './netifd.ts';
import { defaultGateway } from './route.ts';
import { runAddressScript } from './script.ts';
import type { NetifOptions } from './types.ts';

export interface Ipv4Observation {
  addresses: string[];
  /** The IPv4 default gateway (an upstream IGD / NAT-PMP server lives there). */
  gateway?: string;
  device?: string;
  /** e.g. `netifd interface wan (pppoe-wan)`. */
  origin: string;
}

export interface Ip6Prefix {
  /** `addr/len`. */
  prefix: string;
  preferred: number;
  valid: number;
  origin: string;
}

export interface Ipv6Observation {
  candidates: Ip6Candidate[];
  /** Delegated prefixes (ubus) or on-link prefixes of global addresses (interface), for ip6_suffix. */
  prefixes: Ip6Prefix[];
  origin: string;
  warnings: string[];
}

export interface SourceContext {
  opts: NetifOptions;
  timeoutMs: number;
  /** One script run serves both families. */
  scriptOutput?: Promise<string[]>;
}

export async function ubusStatus(ctx: SourceContext, iface: string): Promise<NetifdStatus> {
  const ubus = ctx.opts.ubusPath ?? 'ubus';
  const what = `ubus call network.interface.${iface} status`;
  const { stdout } = await runCapped(ubus, ['call', `network.interface.${iface}`, 'status'], { timeoutMs: ctx.timeoutMs, what });
  return parseNetifdStatus(stdout, what);
}

function scriptAddresses(ctx: SourceContext): Promise<string[]> {
  if (!ctx.opts.script) throw new Error('a script source needs the `script` option (path of an executable)');
  ctx.scriptOutput ??= runAddressScript(ctx.opts.script, ctx.timeoutMs);
  return ctx.scriptOutput;
}

export async function observeIPv4(ctx: SourceContext): Promise<Ipv4Observation> {
  const o = ctx.opts;
  switch (o.ip4Source) {
    case 'ubus': {
      const s = await ubusStatus(ctx, o.ip4Interface);
      const origin = `netifd interface ${o.ip4Interface}${s.l3Device ? ` (${s.l3Device})` : ''}`;
      if (!s.up) throw new Error(`${origin} is down`);
      const obs: Ipv4Observation = { addresses: s.ipv4.map((a) => a.address), origin };
      if (s.l3Device) obs.device = s.l3Device;
      if (s.gateway4) obs.gateway = s.gateway4;
      return obs;
    }
    case 'interface': {
      const all = networkInterfaces();
      const list = all[o.ip4Interface];
      if (!list) throw new Error(`no network device named ${o.ip4Interface} (have: ${Object.keys(all).join(', ') || 'none'})`);
      const gw = await defaultGateway(o.ip4Interface, o.procNetRoutePath);
      const obs: Ipv4Observation = {
        addresses: list.filter((a) => a.family === 'IPv4').map((a) => a.address),
        device: o.ip4Interface,
        origin: `device ${o.ip4Interface}`,
      };
      if (gw) obs.gateway = gw.gateway;
      return obs;
    }
    case 'static':
    case 'script': {
      const addresses = o.ip4Source === 'static' ? [o.ip4Address as string] : (await scriptAddresses(ctx)).filter((a) => parseIPv4(a));
      const gw = await defaultGateway(undefined, o.procNetRoutePath);
      const obs: Ipv4Observation = {
        addresses: addresses.map((a) => formatIPv4(parseIPv4(a) as Uint8Array)),
        origin: o.ip4Source === 'static' ? 'ip4_address' : `script ${o.script}`,
      };
      if (gw) {
        obs.gateway = gw.gateway;
        obs.device = gw.device;
      }
      return obs;
    }
    case 'none':
      return { addresses: [], origin: 'none' };
  }
}

const plain = (address: string, origin: string, prefixLen = 128): Ip6Candidate => ({
  address,
  prefixLen,
  preferred: Infinity,
  valid: Infinity,
  temporary: false,
  deprecated: false,
  tentative: false,
  dadFailed: false,
  origin,
});

export async function observeIPv6(ctx: SourceContext): Promise<Ipv6Observation> {
  const o = ctx.opts;
  const warnings: string[] = [];
  switch (o.ip6Source) {
    case 'ubus': {
      const s = await ubusStatus(ctx, o.ip6Interface);
      const origin = `netifd interface ${o.ip6Interface}`;
      if (!s.up) throw new Error(`${origin} is down`);
      const candidates: Ip6Candidate[] = s.ipv6.map((a) => ({
        ...plain(a.address, `${o.ip6Interface} ipv6-address`, a.mask),
        preferred: a.preferred,
        valid: a.valid,
        deprecated: a.preferred === 0,
      }));
      const prefixes: Ip6Prefix[] = [];
      const downstream = new Set<string>();
      for (const p of s.ipv6Prefixes) {
        // A LAN server lives in the /64 handed to the LAN, not in the first /64 of the PD.
        const lan = p.assigned.find((a) => a.iface === 'lan') ?? p.assigned[0];
        for (const a of p.assigned) downstream.add(a.iface);
        prefixes.push({
          prefix: lan ? `${lan.address}/${lan.mask}` : `${p.address}/${p.mask}`,
          preferred: p.preferred,
          valid: p.valid,
          origin: lan ? `${o.ip6Interface} prefix ${p.address}/${p.mask} assigned to ${lan.iface}` : `${o.ip6Interface} prefix ${p.address}/${p.mask}`,
        });
      }
      // Prefix-only delegation: the router's global address sits on the downstream interface
      // as ipv6-prefix-assignment[].local-address (reference §4.2).
      for (const iface of downstream) {
        try {
          const d = await ubusStatus(ctx, iface);
          for (const a of d.ipv6Assignments) {
            if (!a.localAddress) continue;
            candidates.push({
              ...plain(a.localAddress.address, `${iface} local-address`, a.localAddress.mask),
              preferred: a.preferred,
              valid: a.valid,
              deprecated: a.preferred === 0,
            });
          }
        } catch (e) {
          warnings.push(`could not read ${iface}'s prefix assignment: ${(e as Error).message}`);
        }
      }
      return { candidates, prefixes, origin, warnings };
    }
    case 'interface': {
      const rows = (await readIfInet6(o.procIfInet6Path)).filter((r) => r.device === o.ip6Interface);
      const candidates = rows.map((r) => ({
        ...plain(r.address, `device ${o.ip6Interface}`, r.prefixLen),
        temporary: r.temporary,
        deprecated: r.deprecated,
        tentative: r.tentative,
        dadFailed: r.dadFailed,
      }));
      const prefixes: Ip6Prefix[] = [];
      for (const c of candidates) {
        if (c.prefixLen >= 128 || c.temporary || c.deprecated || c.tentative || c.dadFailed) continue;
        const b = parseIPv6(c.address) as Uint8Array;
        for (let i = 0; i < 16; i++) {
          const keep = Math.max(0, Math.min(8, c.prefixLen - 8 * i));
          b[i] = (b[i] as number) & ((0xff << (8 - keep)) & 0xff);
        }
        const prefix = `${formatIPv6(b)}/${c.prefixLen}`;
        if (!prefixes.some((p) => p.prefix === prefix)) prefixes.push({ prefix, preferred: Infinity, valid: Infinity, origin: `device ${o.ip6Interface} on-link prefix` });
      }
      return { candidates, prefixes, origin: `device ${o.ip6Interface}`, warnings };
    }
    case 'static':
      return { candidates: [plain(formatIPv6(parseIPv6(o.ip6Address as string) as Uint8Array), 'ip6_address')], prefixes: [], origin: 'ip6_address', warnings };
    case 'script': {
      const list = (await scriptAddresses(ctx)).filter((a) => !parseIPv4(a));
      return { candidates: list.map((a) => plain(formatIPv6(parseIPv6(a) as Uint8Array), `script ${o.script}`)), prefixes: [], origin: `script ${o.script}`, warnings };
    }
    case 'none':
      return { candidates: [], prefixes: [], origin: 'none', warnings };
  }
}
