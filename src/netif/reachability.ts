// The verdict: for IPv4 and IPv6, the address to publish (or none), how it is reachable and
// one sentence why. Network trouble never throws: it becomes `address: null` plus the reason.
// Only invalid options throw (the config layer should have caught them; this is the backstop).
import { readFile } from 'node:fs/promises';
import { canonicalIPv6, parseIPv4, parseIPv6 } from './addr.ts';
import { classifyIPv4, classifyIPv6, describeKind } from './classify.ts';
import { checkIp6Firewall, parseUci } from './firewall.ts';
import { applySuffix, chooseIPv6 } from './ip6choice.ts';
import { observeIPv4, observeIPv6, type SourceContext } from './sources.ts';
import type { AddressSource, AddressVerdict, NetifOptions, PortMapping, ReachabilityVerdict } from './types.ts';
import { askUpstream } from './upstream.ts';

const SOURCES: AddressSource[] = ['ubus', 'interface', 'static', 'script', 'none'];

export function validateNetifOptions(o: NetifOptions): void {
  const bad = (opt: string, msg: string) => {
    throw new Error(`option ${opt}: ${msg}`);
  };
  if (!SOURCES.includes(o.ip4Source)) bad('ip4_source', `${JSON.stringify(o.ip4Source)} is not one of ${SOURCES.join(', ')}`);
  if (!SOURCES.includes(o.ip6Source)) bad('ip6_source', `${JSON.stringify(o.ip6Source)} is not one of ${SOURCES.join(', ')}`);
  for (const [src, iface, name] of [[o.ip4Source, o.ip4Interface, 'ip4_interface'], [o.ip6Source, o.ip6Interface, 'ip6_interface']] as const) {
    if ((src === 'ubus' || src === 'interface') && !/^[A-Za-z0-9_.@:-]{1,64}$/.test(iface ?? '')) bad(name, `${JSON.stringify(iface)} is not an interface name`);
  }
  if (o.ip4Source === 'static' && !(o.ip4Address && parseIPv4(o.ip4Address))) bad('ip4_address', `ip4_source static needs an IPv4 address, got ${JSON.stringify(o.ip4Address)}`);
  if (o.ip6Source === 'static' && !(o.ip6Address && parseIPv6(o.ip6Address))) bad('ip6_address', `ip6_source static needs an IPv6 address, got ${JSON.stringify(o.ip6Address)}`);
  if ((o.ip4Source === 'script' || o.ip6Source === 'script') && !o.script) bad('script', 'a script source needs the path of an executable');
  if (o.ip6Suffix !== undefined) {
    if (o.ip6Source !== 'ubus' && o.ip6Source !== 'interface') bad('ip6_suffix', `needs ip6_source ubus or interface (a prefix to put it under); with ${o.ip6Source}, write the full address instead`);
    applySuffix('::/16', o.ip6Suffix); // throws with a clear message for junk or an all-zero suffix
  }
  if (!Array.isArray(o.ports)) bad('port', 'expected a list');
  for (const p of o.ports) {
    if (!(p && (p.proto === 'tcp' || p.proto === 'udp') && Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) bad('port', `${JSON.stringify(p)} is not {proto: tcp|udp, port: 1-65535}`);
  }
  if (!['require', 'warn', 'ignore'].includes(o.ip6Firewall)) bad('ip6_firewall', `${JSON.stringify(o.ip6Firewall)} is not require, warn or ignore`);
  if (o.previousIp6 !== undefined && o.previousIp6 !== '' && !parseIPv6(o.previousIp6)) bad('previousIp6', `${JSON.stringify(o.previousIp6)} is not an IPv6 address`);
  if (o.timeoutMs !== undefined && !(Number.isFinite(o.timeoutMs) && o.timeoutMs >= 100 && o.timeoutMs <= 120_000)) bad('timeoutMs', 'expected 100-120000 ms');
  if (o.upnpLeaseSeconds !== undefined && !(Number.isInteger(o.upnpLeaseSeconds) && o.upnpLeaseSeconds >= 0 && o.upnpLeaseSeconds <= 604800)) bad('upnpLeaseSeconds', 'expected 0-604800 s');
}

const none = (reason: string, warnings: string[] = []): AddressVerdict => ({ address: null, via: 'none', reason, warnings });

async function ipv4Verdict(ctx: SourceContext): Promise<{ verdict: AddressVerdict; mappings: PortMapping[] }> {
  const o = ctx.opts;
  if (o.ip4Source === 'none') return { verdict: none('ip4_source is none: no IPv4 address is published'), mappings: [] };
  let obs;
  try {
    obs = await observeIPv4(ctx);
  } catch (e) {
    return { verdict: none(`cannot read the WAN IPv4 address: ${(e as Error).message}`), mappings: [] };
  }
  if (obs.addresses.length === 0) return { verdict: none(`${obs.origin} has no IPv4 address`), mappings: [] };
  const classified = obs.addresses.map((a) => ({ a, c: classifyIPv4(a) }));
  const pub = classified.find((x) => x.c.publishable);
  if (pub) {
    const via = o.ip4Source === 'static' ? 'static' : 'direct';
    const reason = via === 'static' ? `${pub.a} from ip4_address is a public address (configured, not observed)` : `${pub.a} on ${obs.origin} is a public address: reachable directly`;
    return { verdict: { address: pub.a, via, reason, warnings: [] }, mappings: [] };
  }
  const natted = classified.find((x) => x.c.kind === 'private' || x.c.kind === 'cgnat');
  const list = classified.map((x) => `${x.a} is ${describeKind(x.c.kind, x.c.range)}`).join('; ');
  if (!natted) return { verdict: none(`no usable IPv4 address on ${obs.origin}: ${list}`), mappings: [] };
  const what = `${natted.a} on ${obs.origin} is ${describeKind(natted.c.kind, natted.c.range)}`;
  if (!o.upnp) return { verdict: none(`${what} and upnp is off: the public address behind the NAT cannot be learned; IPv4 not published (set upnp 1 to ask the gateway in front via UPnP IGD / NAT-PMP)`), mappings: [] };
  const q: Parameters<typeof askUpstream>[0] = {
    localAddress: natted.a,
    ports: o.ports,
    leaseSeconds: o.upnpLeaseSeconds ?? 3600,
    timeoutMs: ctx.timeoutMs,
  };
  if (obs.gateway) q.gateway = obs.gateway;
  const ans = await askUpstream(q);
  ans.verdict.reason = `${what}; ${ans.verdict.reason}`;
  return ans;
}

async function ipv6Verdict(ctx: SourceContext): Promise<AddressVerdict> {
  const o = ctx.opts;
  if (o.ip6Source === 'none') return none('ip6_source is none: no IPv6 address is published');
  let obs;
  try {
    obs = await observeIPv6(ctx);
  } catch (e) {
    return none(`cannot read the WAN IPv6 address: ${(e as Error).message}`);
  }
  const warnings = [...obs.warnings];
  let address: string;
  let reason: string;
  let forward = false;
  if (o.ip6Suffix !== undefined) {
    const usable = obs.prefixes.filter((p) => p.preferred > 0 && p.valid > 0);
    const previous = o.previousIp6 ? canonicalIPv6(o.previousIp6) : null;
    const problems: string[] = [];
    const built = usable.flatMap((p) => {
      try {
        const a = applySuffix(p.prefix, o.ip6Suffix as string);
        if (classifyIPv6(a).publishable) return [{ p, a }];
        problems.push(`${a} is not a global address`);
      } catch (e) {
        problems.push((e as Error).message);
      }
      return [];
    });
    const pick = built.find((x) => x.a === previous) ?? [...built].sort((x, y) => y.p.preferred - x.p.preferred)[0];
    if (!pick) {
      const listed = obs.prefixes.map((p) => `${p.prefix}${p.preferred <= 0 ? ' deprecated' : ''}`).join(', ');
      const why = obs.prefixes.length === 0 ? 'no delegated prefix' : `no usable global prefix (${[listed, ...problems].join('; ')})`;
      return none(`${obs.origin} has ${why} to put ip6_suffix ${o.ip6Suffix} under`, warnings);
    }
    address = pick.a;
    forward = true;
    reason = `${pick.p.prefix} (${pick.p.origin}) + ip6_suffix ${o.ip6Suffix} = ${address}, a LAN host`;
    warnings.push(`${address} is a LAN host's address: nmcddns cannot see whether that host is up`);
  } else {
    const choice = chooseIPv6(obs.candidates, o.previousIp6);
    if (!choice.chosen) return none(`${obs.origin}: ${choice.reason}`, warnings);
    address = choice.chosen.address;
    reason = choice.reason;
  }
  const via = o.ip6Source === 'static' ? 'static' : 'direct';
  if (o.ports.length === 0 || o.ip6Firewall === 'ignore') return { address, via, reason, warnings };

  const path = o.firewallConfigPath ?? '/etc/config/firewall';
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    text = null;
  }
  if (text === null) {
    const msg = `${path} not found, so the IPv6 firewall could not be checked for ${o.ports.map((p) => `${p.proto}/${p.port}`).join(', ')}`;
    if (o.ip6Firewall === 'require') return none(`${address} found, but ${msg} and ip6_firewall is require; set ip6_firewall to warn or ignore if this is not OpenWrt`, warnings);
    warnings.push(msg);
    return { address, via, reason, warnings };
  }
  let fw;
  try {
    fw = checkIp6Firewall(parseUci(text, path), { ports: o.ports, wanNetwork: o.ip6Interface, address, forward });
  } catch (e) {
    const msg = `cannot read ${path}: ${(e as Error).message}`;
    if (o.ip6Firewall === 'require') return none(`${address} found, but ${msg}`, warnings);
    warnings.push(msg);
    return { address, via, reason, warnings };
  }
  if (fw.missing.length > 0) {
    const kind = forward ? 'forward rule (src wan, dest lan)' : 'rule (src wan, no dest)';
    const msg = `no firewall ${kind} in ${path} accepts ${fw.missing.map((p) => `${p.proto}/${p.port}`).join(', ')} over IPv6 from zone ${fw.zones.join('/') || 'wan'}`;
    if (o.ip6Firewall === 'require') return none(`${address} found, but ${msg}; add a config rule with target ACCEPT, or set ip6_firewall warn`, warnings);
    warnings.push(`${msg}: the address is published but the service may be unreachable`);
  } else {
    reason += `; ${fw.open.map((x) => `${x.port.proto}/${x.port.port} accepted by ${x.by}`).join(', ')}`;
  }
  return { address, via, reason, warnings };
}

export async function checkReachability(opts: NetifOptions): Promise<ReachabilityVerdict> {
  validateNetifOptions(opts);
  const ctx: SourceContext = { opts, timeoutMs: opts.timeoutMs ?? 5000 };
  // Backstop for the promise "network trouble never throws": anything unforeseen below becomes
  // a refusal with its message, never a crashed run that might skip the fail-closed path.
  const [v4, v6] = await Promise.all([
    ipv4Verdict(ctx).catch((e: Error) => ({ verdict: none(`IPv4 check failed: ${e.message}`), mappings: [] as PortMapping[] })),
    ipv6Verdict(ctx).catch((e: Error) => none(`IPv6 check failed: ${e.message}`)),
  ]);
  return { ipv4: v4.verdict, ipv6: v6, mappings: v4.mappings };
}
