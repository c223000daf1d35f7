// The shapes the rest of nmcddns sees from src/netif: options in, verdicts out.
// Everything here is data; the functions live in the sibling modules.

/** How an address the agent may publish is reachable from the Internet. */
export type Via = 'direct' | 'upnp' | 'natpmp' | 'static' | 'none';

/** Where a WAN address comes from (config options `ip4_source` / `ip6_source`). */
export type AddressSource = 'ubus' | 'interface' | 'static' | 'script' | 'none';

export type Proto = 'tcp' | 'udp';

export interface PortSpec {
  proto: Proto;
  port: number;
}

export interface AddressVerdict {
  /** The address to publish, or null: publish nothing for this family. */
  address: string | null;
  via: Via;
  /** One human sentence: why this address (or why none). */
  reason: string;
  /** Things that did not stop publication but that the owner should know. */
  warnings: string[];
}

/** A port mapping this run made (or renewed) on an upstream gateway; enough to delete it again. */
export interface PortMapping {
  via: 'upnp' | 'natpmp';
  proto: Proto;
  externalPort: number;
  internalPort: number;
  /** Our own (WAN-side) IPv4 the gateway forwards to. */
  internalClient: string;
  /** The gateway's public address. */
  externalAddress: string;
  /** Lease the gateway granted, seconds (0 = permanent). */
  leaseSeconds: number;
  /** UPnP: the control URL and exact service type used for the mapping. */
  controlURL?: string;
  serviceType?: string;
  /** NAT-PMP: the gateway address (UDP 5351). */
  gateway?: string;
}

export interface ReachabilityVerdict {
  ipv4: AddressVerdict;
  ipv6: AddressVerdict;
  mappings: PortMapping[];
}

export interface NetifOptions {
  ip4Source: AddressSource;
  /** netifd interface (ubus) or Linux device (interface); config default `wan`. */
  ip4Interface: string;
  ip4Address?: string;
  ip6Source: AddressSource;
  /** config default `wan6`. */
  ip6Interface: string;
  ip6Address?: string;
  /** Interface identifier (`::10`) put under the delegated prefix: publish a LAN server. */
  ip6Suffix?: string;
  /** Executable printing addresses (JSON array or one per line), for `*_source script`. */
  script?: string;
  ports: PortSpec[];
  upnp: boolean;
  ip6Firewall: 'require' | 'warn' | 'ignore';
  /** Default /etc/config/firewall. */
  firewallConfigPath?: string;
  /** The IPv6 published last run: kept while it stays valid, so the AAAA does not flap. */
  previousIp6?: string;
  /** Budget for each child process, HTTP request and UDP exchange; default 5000 ms. */
  timeoutMs?: number;
  /** Default 'ubus' (found on PATH). */
  ubusPath?: string;
  /** Default /proc/net/if_inet6. */
  procIfInet6Path?: string;
  /** Lease asked for UPnP / NAT-PMP mappings; default 3600 s. The next run renews it. */
  upnpLeaseSeconds?: number;
  /** Default /proc/net/route (where the default gateway is found for interface/static/script sources). */
  procNetRoutePath?: string;
}
