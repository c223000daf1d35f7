// SSDP discovery of an upstream Internet Gateway Device (reference openwrt-upnp.md §6.1, §6.9).
//
// One socket, bound to our WAN-side address, sends the same M-SEARCH twice over:
//  - multicast to 239.255.255.250:1900 out of the WAN device, so the search never goes to the
//    LAN, where the router's own miniupnpd would answer. Linux already routes a multicast from a
//    bound source out of the device holding that address; IP_MULTICAST_IF (TTL 2) says it again
//    for kernels and stacks that do not (test: a decoy on the multicast default route stays unasked);
//  - unicast to the default gateway's :1900. Request and reply then share gw:1900, which
//    conntrack pairs, so the reply survives OpenWrt's `wan input REJECT` (miniupnp issue #119).
// Replies come unicast, after a random delay up to MX seconds.
import { createSocket, type Socket } from 'node:dgram';

export const SSDP_ADDR = '239.255.255.250';
export const SSDP_PORT = 1900;
export const IGD_SEARCH_TARGETS = [
  'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
  'urn:schemas-upnp-org:service:WANIPConnection:1',
  'urn:schemas-upnp-org:service:WANPPPConnection:1',
];

export interface SsdpReply {
  location: string;
  st: string;
  usn: string;
  server: string;
  /** Who answered. */
  from: string;
}

export function buildMSearch(st: string, mx: number): string {
  return [
    'M-SEARCH * HTTP/1.1',
    `HOST: ${SSDP_ADDR}:${SSDP_PORT}`,
    `ST: ${st}`,
    'MAN: "ssdp:discover"',
    `MX: ${Math.max(1, Math.round(mx))}`,
    '',
    '',
  ].join('\r\n');
}

/** Parse an M-SEARCH reply (`HTTP/1.1 200 OK` + headers); null when it is not one or has no LOCATION. */
export function parseSsdpReply(text: string, from: string): SsdpReply | null {
  const lines = text.split(/\r?\n/);
  if (!/^HTTP\/1\.[01] 200\b/i.test(lines[0] ?? '')) return null;
  const h: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) h[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const location = h.location;
  if (!location || !/^https?:\/\//i.test(location)) return null;
  return { location, st: h.st ?? '', usn: h.usn ?? '', server: h.server ?? '', from };
}

export interface DiscoverOptions {
  /** Our WAN-side IPv4: source address and multicast interface. */
  localAddress: string;
  /** The default gateway, asked by unicast too. */
  gateway?: string;
  /** Listen window, ms. */
  windowMs: number;
  /** Seconds the IGD may wait before replying; ≤ windowMs/1000. */
  mx?: number;
  /** Tests point this at a fake responder; default 1900. */
  port?: number;
  multicast?: boolean;
}

/**
 * Send the searches and collect distinct replies (by LOCATION). Returns early once the gateway
 * itself has answered: that is the IGD we want. Never throws for silence: [] means nobody answered.
 */
export async function discoverIGD(o: DiscoverOptions): Promise<SsdpReply[]> {
  const port = o.port ?? SSDP_PORT;
  const mx = o.mx ?? Math.max(1, Math.min(2, Math.floor(o.windowMs / 1000) - 1));
  const sock: Socket = createSocket({ type: 'udp4', reuseAddr: false });
  const replies: SsdpReply[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: o.localAddress, port: 0 }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    return await new Promise<SsdpReply[]>((resolve) => {
      const done = () => {
        clearTimeout(window);
        clearTimeout(retry);
        resolve(replies);
      };
      const window = setTimeout(done, o.windowMs);
      sock.on('error', () => {
        /* ENETUNREACH for multicast without a route, etc.: silence, not a crash */
      });
      sock.on('message', (msg, rinfo) => {
        const r = parseSsdpReply(msg.toString('latin1'), rinfo.address);
        if (!r || replies.some((x) => x.location === r.location)) return;
        replies.push(r);
        if (o.gateway && rinfo.address === o.gateway) done();
      });
      const send = () => {
        for (const st of IGD_SEARCH_TARGETS) {
          const m = Buffer.from(buildMSearch(st, mx), 'latin1');
          if (o.multicast !== false) sock.send(m, port, SSDP_ADDR);
          if (o.gateway) sock.send(m, port, o.gateway);
        }
      };
      if (o.multicast !== false) {
        try {
          sock.setMulticastInterface(o.localAddress);
          sock.setMulticastTTL(2);
        } catch {
          /* no multicast on this device: the unicast search still goes */
        }
      }
      send();
      // UDP may be lost: search once more halfway through the window.
      const retry = setTimeout(send, Math.floor(o.windowMs / 2));
    });
  } finally {
    sock.close();
  }
}
