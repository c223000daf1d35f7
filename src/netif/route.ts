// The IPv4 default gateway from /proc/net/route (for the interface/static/script sources; the
// ubus source takes netifd's own route). Columns: Iface Destination Gateway Flags … Metric Mask.
// Addresses are the kernel's u32 in host byte order, printed as hex.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';

export interface DefaultRoute {
  device: string;
  gateway: string;
  metric: number;
}

function hexToIPv4(hex: string, le: boolean): string {
  const n = parseInt(hex, 16);
  const b = [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return (le ? b.reverse() : b).join('.');
}

export function parseProcNetRoute(text: string, le = endianness() === 'LE'): DefaultRoute[] {
  const out: DefaultRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [device, dest, gw, flags, , , metric, mask] = f as [string, string, string, string, string, string, string, string];
    const RTF_UP = 0x1;
    const RTF_GATEWAY = 0x2;
    const fl = parseInt(flags, 16);
    if (dest !== '00000000' || mask !== '00000000' || (fl & RTF_UP) === 0 || (fl & RTF_GATEWAY) === 0) continue;
    out.push({ device, gateway: hexToIPv4(gw, le), metric: Number(metric) });
  }
  return out.sort((a, b) => a.metric - b.metric);
}

/** The default gateway, preferring one on `device`; undefined when there is none. */
export async function defaultGateway(device?: string, path = '/proc/net/route'): Promise<DefaultRoute | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const routes = parseProcNetRoute(text);
  return routes.find((r) => r.device === device) ?? routes[0];
}
