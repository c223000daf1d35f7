// UPnP IGD client: device description and SOAP control (reference openwrt-upnp.md §6.2-§6.4).
// IGDv1 and v2 alike: services are matched by type prefix, ignoring the version, and the exact
// serviceType found in the description is what goes into SOAPAction and the body namespace.
// HTTP is Node's built-in fetch with an AbortSignal deadline on every request.

export interface IgdService {
  serviceType: string;
  controlURL: string;
}

export interface IgdDescription {
  location: string;
  deviceType: string;
  friendlyName: string;
  /** WANIPConnection or WANPPPConnection: the first found (the second is `fallback`). */
  connection: IgdService;
  fallback?: IgdService;
  ipv6Firewall?: IgdService;
}

export class UpnpError extends Error {
  constructor(
    message: string,
    readonly action: string,
    readonly code?: number,
    readonly description?: string,
  ) {
    super(message);
    this.name = 'UpnpError';
  }
}

/** UPnP error names (miniupnpc upnperrors.c), for messages a person can act on. */
export const UPNP_ERRORS: Record<number, string> = {
  401: 'Invalid Action',
  402: 'Invalid Args',
  501: 'Action Failed',
  606: 'Action not authorized',
  713: 'SpecifiedArrayIndexInvalid',
  714: 'NoSuchEntryInArray',
  715: 'WildCardNotPermittedInSrcIP',
  716: 'WildCardNotPermittedInExtPort',
  718: 'ConflictInMappingEntry',
  724: 'SamePortValuesRequired',
  725: 'OnlyPermanentLeasesSupported',
  726: 'RemoteHostOnlySupportsWildcard',
  727: 'ExternalPortOnlySupportsWildcard',
  728: 'NoPortMapsAvailable',
  729: 'ConflictWithOtherMechanisms',
  732: 'WildCardNotPermittedInIntPort',
};

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function xmlDecode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return XML_ENTITIES[e] ?? m;
  });
}

export function xmlEncode(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Inner text of every element with this local name (any namespace prefix), in document order. */
export function xmlAll(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}\\s*>)`, 'g');
  const out: string[] = [];
  for (const m of xml.matchAll(re)) out.push(m[1] ?? '');
  return out;
}

export function xmlFirst(xml: string, name: string): string | undefined {
  const v = xmlAll(xml, name)[0];
  return v === undefined ? undefined : xmlDecode(v.trim());
}

const SERVICE = 'urn:schemas-upnp-org:service:';

/** Parse a root device description fetched from `location`. Throws with the reason it is not an IGD. */
export function parseDeviceDescription(xml: string, location: string): IgdDescription {
  if (!/<(?:[\w.-]+:)?root[\s>]/.test(xml) || xmlAll(xml, 'device').length === 0) {
    throw new Error(`${location} is not a UPnP device description (no <root>/<device> element): ${JSON.stringify(xml.trim().slice(0, 60))}`);
  }
  const base = xmlFirst(xml, 'URLBase') || location;
  const services: IgdService[] = [];
  for (const block of xmlAll(xml, 'service')) {
    const serviceType = xmlFirst(block, 'serviceType');
    const control = xmlFirst(block, 'controlURL');
    if (!serviceType || !control) continue;
    let controlURL: string;
    try {
      controlURL = new URL(control, base).toString();
    } catch {
      continue;
    }
    services.push({ serviceType, controlURL });
  }
  const conns = services.filter((s) => s.serviceType.startsWith(`${SERVICE}WANIPConnection:`) || s.serviceType.startsWith(`${SERVICE}WANPPPConnection:`));
  const deviceType = xmlFirst(xml, 'deviceType') ?? '';
  const friendlyName = xmlFirst(xml, 'friendlyName') ?? '';
  const first = conns[0];
  if (!first) {
    throw new Error(`${location} (${deviceType || 'unknown device'}) is not an Internet gateway: no WANIPConnection or WANPPPConnection service`);
  }
  const d: IgdDescription = { location, deviceType, friendlyName, connection: first };
  if (conns[1]) d.fallback = conns[1];
  const fw = services.find((s) => s.serviceType.startsWith(`${SERVICE}WANIPv6FirewallControl:`));
  if (fw) d.ipv6Firewall = fw;
  return d;
}

async function fetchText(url: string, init: RequestInit, timeoutMs: number, what: string, maxBytes = 256 * 1024): Promise<{ status: number; type: string; body: string }> {
  let res: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(url, { ...init, signal, redirect: 'error' });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new Error(`${what}: no answer from ${url} within ${timeoutMs} ms`);
    throw new Error(`${what}: ${url}: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
  }
  // Read with a cap: a gateway that streams forever must not fill our memory.
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let len = 0;
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      len += value.length;
      if (len > maxBytes) {
        await reader.cancel();
        throw new Error(`${what}: ${url} sent more than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    const err = e as Error;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new Error(`${what}: ${url} did not finish its answer within ${timeoutMs} ms`);
    throw err;
  }
  const all = new Uint8Array(len);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const body = new TextDecoder().decode(all);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body };
}

export async function fetchDeviceDescription(location: string, timeoutMs: number): Promise<IgdDescription> {
  const r = await fetchText(location, {}, timeoutMs, 'UPnP device description');
  if (r.status !== 200) throw new Error(`UPnP device description: ${location} answered HTTP ${r.status}`);
  return parseDeviceDescription(r.body, location);
}

export function buildSoapBody(serviceType: string, action: string, args: [string, string | number][]): string {
  const inner = args.map(([k, v]) => `<${k}>${xmlEncode(String(v))}</${k}>`).join('');
  return (
    '<?xml version="1.0"?>\r\n' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">' +
    `<s:Body><u:${action} xmlns:u="${xmlEncode(serviceType)}">${inner}</u:${action}></s:Body></s:Envelope>\r\n`
  );
}

/**
 * Parse a SOAP answer: the out-arguments of `<ActionResponse>`, or a UpnpError from the
 * s:Fault's UPnPError (read whatever the HTTP status, as miniupnpc does).
 */
export function parseSoapResponse(status: number, body: string, action: string, where: string): Record<string, string> {
  const code = xmlFirst(body, 'errorCode');
  if (code !== undefined) {
    const n = Number(code);
    const desc = xmlFirst(body, 'errorDescription') ?? UPNP_ERRORS[n] ?? '';
    throw new UpnpError(`${action} at ${where}: UPnP error ${code} ${desc || UPNP_ERRORS[n] || ''}`.trim(), action, Number.isFinite(n) ? n : undefined, desc);
  }
  const resp = xmlAll(body, `${action}Response`)[0];
  if (status !== 200 || resp === undefined) {
    throw new UpnpError(`${action} at ${where}: not a SOAP answer (HTTP ${status}: ${JSON.stringify(body.trim().slice(0, 60))})`, action);
  }
  const out: Record<string, string> = {};
  for (const m of resp.matchAll(/<(?:[\w.-]+:)?([\w.-]+)(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/(?:[\w.-]+:)?\1\s*>)/g)) {
    out[m[1] as string] = xmlDecode((m[2] ?? '').trim());
  }
  return out;
}

export async function soapCall(svc: IgdService, action: string, args: [string, string | number][], timeoutMs: number): Promise<Record<string, string>> {
  const body = buildSoapBody(svc.serviceType, action, args);
  const r = await fetchText(
    svc.controlURL,
    {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset="utf-8"', SOAPAction: `"${svc.serviceType}#${action}"` },
      body,
    },
    timeoutMs,
    `UPnP ${action}`,
  );
  return parseSoapResponse(r.status, r.body, action, svc.controlURL);
}

export async function getStatusInfo(svc: IgdService, timeoutMs: number): Promise<{ status: string; uptime: number; lastError: string }> {
  const r = await soapCall(svc, 'GetStatusInfo', [], timeoutMs);
  return { status: r.NewConnectionStatus ?? '', uptime: Number(r.NewUptime ?? 0), lastError: r.NewLastConnectionError ?? '' };
}

/** The IGD's external IPv4; '' is legal ("could not be retrieved") and means: not public. */
export async function getExternalIPAddress(svc: IgdService, timeoutMs: number): Promise<string> {
  const r = await soapCall(svc, 'GetExternalIPAddress', [], timeoutMs);
  return r.NewExternalIPAddress ?? '';
}

export interface UpnpMappingArgs {
  proto: 'tcp' | 'udp';
  externalPort: number;
  internalPort: number;
  internalClient: string;
  leaseSeconds: number;
  description: string;
}

export async function addPortMapping(svc: IgdService, m: UpnpMappingArgs, timeoutMs: number): Promise<void> {
  await soapCall(
    svc,
    'AddPortMapping',
    [
      ['NewRemoteHost', ''],
      ['NewExternalPort', m.externalPort],
      ['NewProtocol', m.proto.toUpperCase()],
      ['NewInternalPort', m.internalPort],
      ['NewInternalClient', m.internalClient],
      ['NewEnabled', 1],
      ['NewPortMappingDescription', m.description],
      ['NewLeaseDuration', m.leaseSeconds],
    ],
    timeoutMs,
  );
}

export interface UpnpMappingEntry {
  internalPort: number;
  internalClient: string;
  enabled: boolean;
  description: string;
  leaseSeconds: number;
}

/** The mapping for this external port, or null when the IGD has none (714). */
export async function getSpecificPortMappingEntry(svc: IgdService, proto: 'tcp' | 'udp', externalPort: number, timeoutMs: number): Promise<UpnpMappingEntry | null> {
  let r: Record<string, string>;
  try {
    r = await soapCall(
      svc,
      'GetSpecificPortMappingEntry',
      [
        ['NewRemoteHost', ''],
        ['NewExternalPort', externalPort],
        ['NewProtocol', proto.toUpperCase()],
      ],
      timeoutMs,
    );
  } catch (e) {
    if (e instanceof UpnpError && e.code === 714) return null;
    throw e;
  }
  return {
    internalPort: Number(r.NewInternalPort),
    internalClient: r.NewInternalClient ?? '',
    enabled: r.NewEnabled === '1' || r.NewEnabled?.toLowerCase() === 'true',
    description: r.NewPortMappingDescription ?? '',
    leaseSeconds: Number(r.NewLeaseDuration ?? 0),
  };
}

export async function deletePortMapping(svc: IgdService, proto: 'tcp' | 'udp', externalPort: number, timeoutMs: number): Promise<void> {
  await soapCall(
    svc,
    'DeletePortMapping',
    [
      ['NewRemoteHost', ''],
      ['NewExternalPort', externalPort],
      ['NewProtocol', proto.toUpperCase()],
    ],
    timeoutMs,
  );
}
