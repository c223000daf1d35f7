// Behind NAT: ask the upstream gateway (UPnP IGD first, NAT-PMP second) for its external
// address and for port mappings to us, then judge (reference openwrt-upnp.md §6.8):
//   external public + every port mapped   → reachable via upnp/natpmp
//   external empty/reserved, NAT-PMP 3    → the upstream is itself behind NAT: CGNAT or a chain
//                                            of NATs; IPv4 not reachable, nothing published
//   a mapping refused                      → not reachable; the reason names the refusal
import { classifyIPv4, describeKind } from './classify.ts';
import {
  addPortMapping,
  deletePortMapping,
  fetchDeviceDescription,
  getExternalIPAddress,
  getSpecificPortMappingEntry,
  getStatusInfo,
  UpnpError,
  type IgdDescription,
  type IgdService,
} from './igd.ts';
import { NATPMP_RESULTS, natpmpExternalAddress, natpmpMap } from './natpmp.ts';
import { discoverIGD } from './ssdp.ts';
import type { AddressVerdict, PortMapping, PortSpec } from './types.ts';

export interface UpstreamQuery {
  /** Our WAN-side address (private or CGNAT): the mappings' internal client. */
  localAddress: string;
  gateway?: string;
  ports: PortSpec[];
  leaseSeconds: number;
  timeoutMs: number;
  /** SSDP listen window, ms (default min(timeoutMs, 2500): MX 2 plus slack, reference §7.5). */
  ssdpWindowMs?: number;
  description?: string;
  /** Tests point these at fake servers on loopback; defaults 1900 and 5351. */
  ssdpPort?: number;
  natpmpPort?: number;
}

export interface UpstreamAnswer {
  verdict: AddressVerdict;
  mappings: PortMapping[];
}

const none = (reason: string, warnings: string[] = []): AddressVerdict => ({ address: null, via: 'none', reason, warnings });

function isPublicV4(a: string): boolean {
  try {
    return classifyIPv4(a).publishable;
  } catch {
    return false;
  }
}

function externalProblem(a: string): string {
  if (a === '' || a === '0.0.0.0') return 'no external address ("")';
  try {
    const c = classifyIPv4(a);
    return `external address ${a}, which is ${describeKind(c.kind, c.range)}`;
  } catch {
    return `an external address that is not IPv4 (${JSON.stringify(a.slice(0, 40))})`;
  }
}

/** Find the IGD: SSDP, then the first description that is a real gateway (the default gateway's first). */
export async function findIgd(q: UpstreamQuery): Promise<{ igd: IgdDescription | null; problems: string[] }> {
  const windowMs = q.ssdpWindowMs ?? Math.min(q.timeoutMs, 2500);
  const opts: Parameters<typeof discoverIGD>[0] = { localAddress: q.localAddress, windowMs };
  if (q.gateway) opts.gateway = q.gateway;
  if (q.ssdpPort !== undefined) {
    opts.port = q.ssdpPort;
    opts.multicast = false;
  }
  let replies;
  try {
    replies = await discoverIGD(opts);
  } catch (e) {
    return { igd: null, problems: [`SSDP search from ${q.localAddress} failed: ${(e as Error).message}`] };
  }
  if (replies.length === 0) return { igd: null, problems: [`no UPnP IGD answered the SSDP search within ${windowMs} ms`] };
  const ordered = [...replies].sort((a, b) => Number(b.from === q.gateway) - Number(a.from === q.gateway));
  const problems: string[] = [];
  for (const r of ordered) {
    try {
      return { igd: await fetchDeviceDescription(r.location, q.timeoutMs), problems };
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return { igd: null, problems };
}

/** Make or renew one mapping and read it back; throws an Error whose message is the reason. */
async function upnpMapOne(svc: IgdService, q: UpstreamQuery, p: PortSpec, external: string): Promise<PortMapping> {
  const t = q.timeoutMs;
  const existing = await getSpecificPortMappingEntry(svc, p.proto, p.port, t);
  if (existing && existing.internalClient !== q.localAddress) {
    throw new Error(`external port ${p.proto}/${p.port} on the upstream IGD already forwards to ${existing.internalClient}:${existing.internalPort}; free it or pick another port`);
  }
  const args = { proto: p.proto, externalPort: p.port, internalPort: p.port, internalClient: q.localAddress, leaseSeconds: q.leaseSeconds, description: q.description ?? 'nmcddns' };
  try {
    await addPortMapping(svc, args, t);
  } catch (e) {
    if (e instanceof UpnpError && e.code === 725 && args.leaseSeconds !== 0) {
      args.leaseSeconds = 0; // IGDv1 boxes that only do permanent leases
      await addPortMapping(svc, args, t);
    } else if (e instanceof UpnpError && (e.code === 718 || e.code === 606)) {
      throw new Error(
        `upstream IGD refused to map ${p.proto}/${p.port} to ${q.localAddress}: ${e.message}. ` +
          'In secure mode an IGD maps only to the address that asks (and 606 means mapping is not allowed for this host); check its allow rules',
      );
    } else throw e;
  }
  const check = await getSpecificPortMappingEntry(svc, p.proto, p.port, t);
  if (!check || check.internalClient !== q.localAddress || check.internalPort !== p.port || !check.enabled) {
    throw new Error(`upstream IGD accepted the mapping of ${p.proto}/${p.port} but does not list it for ${q.localAddress}:${p.port} afterwards`);
  }
  return {
    via: 'upnp',
    proto: p.proto,
    externalPort: p.port,
    internalPort: p.port,
    internalClient: q.localAddress,
    externalAddress: external,
    leaseSeconds: check.leaseSeconds,
    controlURL: svc.controlURL,
    serviceType: svc.serviceType,
  };
}

async function viaUpnp(igd: IgdDescription, q: UpstreamQuery): Promise<UpstreamAnswer> {
  const who = `upstream IGD ${igd.friendlyName || igd.deviceType} at ${new URL(igd.location).host}`;
  const warnings: string[] = [];
  // Try the primary WAN*Connection, then the secondary when the first is not connected (as miniupnpc does).
  let svc = igd.connection;
  for (const s of [igd.connection, igd.fallback]) {
    if (!s) continue;
    try {
      const st = await getStatusInfo(s, q.timeoutMs);
      if (st.status === 'Connected' || st.status === 'Up') {
        svc = s;
        break;
      }
      warnings.push(`${who}: ${s.serviceType} reports status ${JSON.stringify(st.status)}`);
    } catch (e) {
      warnings.push(`${who}: GetStatusInfo failed: ${(e as Error).message}`);
    }
  }
  const external = await getExternalIPAddress(svc, q.timeoutMs);
  if (!isPublicV4(external)) {
    return {
      verdict: none(`${who} reports ${externalProblem(external)}: it is itself behind NAT (carrier-grade NAT or a chain of NATs), so IPv4 is not reachable from the Internet; nothing published`, warnings),
      mappings: [],
    };
  }
  const mappings: PortMapping[] = [];
  for (const p of q.ports) {
    try {
      mappings.push(await upnpMapOne(svc, q, p, external));
    } catch (e) {
      await removeMappings(mappings, { timeoutMs: q.timeoutMs });
      return { verdict: none(`${who} has public address ${external} but ${(e as Error).message}; IPv4 not published`, warnings), mappings: [] };
    }
  }
  if (q.ports.length === 0) warnings.push('no port configured: nothing mapped, so the upstream forwards no service to this router');
  const mapped = mappings.map((m) => `${m.proto}/${m.externalPort}`).join(', ');
  return {
    verdict: {
      address: external,
      via: 'upnp',
      reason: `${who} has public address ${external}${mapped ? ` and forwards ${mapped} to ${q.localAddress} (lease ${mappings[0]?.leaseSeconds} s, renewed each run)` : ''}`,
      warnings,
    },
    mappings,
  };
}

async function viaNatPmp(gateway: string, q: UpstreamQuery, before: string[]): Promise<UpstreamAnswer> {
  const o = q.natpmpPort === undefined ? { timeoutMs: q.timeoutMs } : { timeoutMs: q.timeoutMs, port: q.natpmpPort };
  const who = `NAT-PMP gateway ${gateway}`;
  let ext;
  try {
    ext = await natpmpExternalAddress(gateway, o);
  } catch (e) {
    return { verdict: none(`cannot learn the public address behind NAT: ${[...before, (e as Error).message].join('; ')}`), mappings: [] };
  }
  if (ext.resultCode !== 0 || !isPublicV4(ext.externalAddress)) {
    const res = ext.resultCode !== 0 ? `result ${ext.resultCode} (${NATPMP_RESULTS[ext.resultCode] ?? 'unknown'}) with ` : '';
    return {
      verdict: none(`${who} answers ${res}${externalProblem(ext.externalAddress)}: it is itself behind NAT (carrier-grade NAT or a chain of NATs), so IPv4 is not reachable; nothing published`),
      mappings: [],
    };
  }
  const mappings: PortMapping[] = [];
  for (const p of q.ports) {
    let r;
    try {
      r = await natpmpMap(gateway, p.proto, p.port, p.port, q.leaseSeconds, o);
    } catch (e) {
      await removeMappings(mappings, o);
      return { verdict: none(`${who} has public address ${ext.externalAddress} but mapping ${p.proto}/${p.port} failed: ${(e as Error).message}`), mappings: [] };
    }
    if (r.resultCode !== 0 || r.externalPort !== p.port) {
      const why = r.resultCode !== 0 ? `result ${r.resultCode} (${NATPMP_RESULTS[r.resultCode] ?? 'unknown'})` : `it assigned external port ${r.externalPort} instead (a DNS address record cannot say another port)`;
      if (r.resultCode === 0) mappings.push({ via: 'natpmp', proto: p.proto, externalPort: r.externalPort, internalPort: p.port, internalClient: q.localAddress, externalAddress: ext.externalAddress, leaseSeconds: r.lifetime, gateway });
      await removeMappings(mappings, o);
      return { verdict: none(`${who} has public address ${ext.externalAddress} but would not map ${p.proto}/${p.port}: ${why}; IPv4 not published`), mappings: [] };
    }
    mappings.push({ via: 'natpmp', proto: p.proto, externalPort: r.externalPort, internalPort: p.port, internalClient: q.localAddress, externalAddress: ext.externalAddress, leaseSeconds: r.lifetime, gateway });
  }
  const warnings = q.ports.length === 0 ? ['no port configured: nothing mapped, so the upstream forwards no service to this router'] : [];
  const mapped = mappings.map((m) => `${m.proto}/${m.externalPort}`).join(', ');
  return {
    verdict: {
      address: ext.externalAddress,
      via: 'natpmp',
      reason: `${who} has public address ${ext.externalAddress}${mapped ? ` and forwards ${mapped} to ${q.localAddress} (lifetime ${mappings[0]?.leaseSeconds} s, renewed each run)` : ''}`,
      warnings,
    },
    mappings,
  };
}

export async function askUpstream(q: UpstreamQuery): Promise<UpstreamAnswer> {
  const { igd, problems } = await findIgd(q);
  if (igd) {
    try {
      return await viaUpnp(igd, q);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (!q.gateway) return { verdict: none(`cannot learn the public address behind NAT: ${[...problems, 'no default gateway to ask over NAT-PMP'].join('; ')}`), mappings: [] };
  return viaNatPmp(q.gateway, q, problems);
}

/** Delete mappings made by an earlier run (UPnP DeletePortMapping; NAT-PMP lifetime 0). Never throws. */
export async function removeMappings(mappings: PortMapping[], o: { timeoutMs?: number } = {}): Promise<{ removed: PortMapping[]; failed: { mapping: PortMapping; error: string }[] }> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const removed: PortMapping[] = [];
  const failed: { mapping: PortMapping; error: string }[] = [];
  for (const m of mappings) {
    try {
      if (m.via === 'upnp') {
        if (!m.controlURL || !m.serviceType) throw new Error('UPnP mapping without controlURL/serviceType');
        await deletePortMapping({ controlURL: m.controlURL, serviceType: m.serviceType }, m.proto, m.externalPort, timeoutMs);
      } else {
        if (!m.gateway) throw new Error('NAT-PMP mapping without gateway');
        // RFC 6886 §3.4: lifetime 0 and suggested external port 0 delete the mapping.
        const r = await natpmpMap(m.gateway, m.proto, m.internalPort, 0, 0, { timeoutMs });
        if (r.resultCode !== 0) throw new Error(`NAT-PMP result ${r.resultCode} (${NATPMP_RESULTS[r.resultCode] ?? 'unknown'})`);
      }
      removed.push(m);
    } catch (e) {
      failed.push({ mapping: m, error: (e as Error).message });
    }
  }
  return { removed, failed };
}
