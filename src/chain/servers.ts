// Electrum-NMC server addresses: the `server` option (`tls://host:port`, `tcp://host:port`)
// and the built-in default list per network.
import { isIP } from 'node:net';
import { ChainError } from './errors.ts';

export type Transport = 'tcp' | 'tls';

export interface ServerAddress {
  transport: Transport;
  /** Host name or IP address, IPv6 without brackets. */
  host: string;
  port: number;
  /** Canonical URL, used in every message about this server. */
  url: string;
  /** `host:port` (`[v6]:port`): the key of the pin file and of `server_fingerprint`. */
  key: string;
  /**
   * Who runs it, for built-in entries only: sessions to one operator are one opinion, so a run
   * never counts two of them towards min_servers. Undefined (a configured server) = its own
   * operator: the user chose the list and vouches for its independence.
   */
  operator?: string;
}

/** A built-in list entry: the address and who runs it. */
export interface BuiltinServer {
  url: string;
  operator: string;
}

/** The operator a session counts as: the label, or the server itself when it has none. */
export function operatorOf(server: ServerAddress): string {
  return server.operator ?? server.key;
}

/** `host:port`, bracketing IPv6 literals, as used for pins and fingerprints. */
export function hostPortKey(host: string, port: number): string {
  const h = host.toLowerCase();
  return `${isIP(h) === 6 ? `[${h}]` : h}:${port}`;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/**
 * Parse `tls://host:port` or `tcp://host:port` (IPv6 as `tls://[2001:db8::1]:50002`).
 * The port is required: Namecoin servers use 50002, 57002 and others, so a guess would be wrong
 * as often as right.
 */
export function parseServerUrl(text: string): ServerAddress {
  const bad = (why: string): never => {
    throw new ChainError('bad-url', `server '${text}' is not valid: ${why}; expected tls://host:port or tcp://host:port`);
  };
  const m = /^([a-z]+):\/\/(\[[^\]]*\]|[^:/[\]]*)(?::([^/]*))?\/?$/i.exec(text.trim());
  if (!m) return bad('cannot read it as scheme://host:port');
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'tls' && scheme !== 'tcp') {
    return bad(`unknown scheme '${scheme}' (for ssl:// write tls://; Electrum's host:port:s and host:port:t forms are not accepted)`);
  }
  let host = m[2]!;
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) return bad(`'${host}' in brackets is not an IPv6 address`);
  } else if (host === '') {
    return bad('the host is missing');
  } else if (isIP(host) === 0 && !HOSTNAME.test(host)) {
    return bad(`'${host}' is not a host name or IP address`);
  }
  const portText = m[3];
  if (portText === undefined || portText === '') return bad('the port is missing');
  if (!/^\d{1,5}$/.test(portText)) return bad(`port '${portText}' is not a number`);
  const port = Number(portText);
  if (port < 1 || port > 65535) return bad(`port ${port} is outside 1-65535`);
  const key = hostPortKey(host, port);
  return { transport: scheme, host: host.toLowerCase(), port, url: `${scheme}://${key}`, key };
}

/**
 * Built-in servers (reference electrum-nmc.md §1.7: Electrum-NMC's servers.json at e72f830 and
 * the liveness check of namecoin/electrum-nmc#389, 2026-03). The two that answered come first;
 * they are ONE machine under two names, so with the defaults a second independent opinion only
 * exists when a server of another operator is up: operators who care configure their own list.
 * Only TLS: every public Namecoin server offers it and plain TCP would let any on-path router
 * rewrite the name state.
 *
 * `operator` groups entries that are one party's machines, so that two of them never count as
 * two opinions. Groupings, each from §1.7:
 * - 'bitcoins.sk': nmc.bitcoins.sk, nmc2.bitcoins.sk and 46.229.238.187. #389 found
 *   46.229.238.187:57002 and nmc2.bitcoins.sk:57002 to be the same host; nmc.bitcoins.sk is
 *   the same domain, so the same owner.
 * - 'dotbit.zone': electrumx1-4.nmc.dotbit.zone, four numbered names under one domain.
 * - 'ovh-198.50.223': 198.50.223.25 and .27. servers.json lists .25-.28 as one numbered block
 *   with IPv6 twins that embed the IPv4 address (2607:5300:203:7ac5:198:50:223:x, in OVH's
 *   2607:5300::/32), all at protocol 1.4.3: one operator's consecutive addresses. Only .25/.27,
 *   the two ElectrumX's own PEERS keeps, are built in.
 * - le-space.de, namebrow.se, ulrichard.ch: nothing links them to anyone else: each its own.
 * The rest are the candidates proposed in electrum-nmc PR #390 (open), a commenter there
 * (ethicnology) and spesmilo/electrumx#258 (stackwallet). They were NOT checked from here
 * (this project never contacts public servers in tests); each counts as its own operator since
 * the reference links none of them (they share a PR and a software version, ElectrumX 1.16.0,
 * which the bitcoins.sk host runs too: no sign of one operator). relay.testls.bit is left out: a
 * .bit name needs Namecoin DNS to resolve, which a router fetching Namecoin data does not have.
 */
const MAINNET_DEFAULTS: readonly BuiltinServer[] = [
  { url: 'tls://nmc2.bitcoins.sk:57002', operator: 'bitcoins.sk' },
  { url: 'tls://46.229.238.187:57002', operator: 'bitcoins.sk' },
  { url: 'tls://electrumx1.nmc.dotbit.zone:50002', operator: 'dotbit.zone' },
  { url: 'tls://electrumx2.nmc.dotbit.zone:50002', operator: 'dotbit.zone' },
  { url: 'tls://electrumx3.nmc.dotbit.zone:50002', operator: 'dotbit.zone' },
  { url: 'tls://electrumx4.nmc.dotbit.zone:50002', operator: 'dotbit.zone' },
  { url: 'tls://nmc.bitcoins.sk:50002', operator: 'bitcoins.sk' },
  { url: 'tls://electrum-nmc.le-space.de:50002', operator: 'le-space.de' },
  { url: 'tls://electrum.namebrow.se:50002', operator: 'namebrow.se' },
  { url: 'tls://ulrichard.ch:50006', operator: 'ulrichard.ch' },
  { url: 'tls://198.50.223.25:50002', operator: 'ovh-198.50.223' },
  { url: 'tls://198.50.223.27:50002', operator: 'ovh-198.50.223' },
  // Proposed, not checked from here (see above).
  { url: 'tls://electrumx.testls.space:50002', operator: 'testls.space' },
  { url: 'tls://162.212.154.52:50002', operator: '162.212.154.52' },
  { url: 'tls://23.158.233.10:50002', operator: '23.158.233.10' },
  { url: 'tls://electrum.nmc.ethicnology.com:50002', operator: 'ethicnology.com' },
  { url: 'tls://namecoin.stackwallet.com:57002', operator: 'stackwallet.com' },
];

/** The built-in lists with operator labels. */
export const BUILTIN_SERVERS: Readonly<Record<'mainnet' | 'testnet' | 'regtest', readonly BuiltinServer[]>> = {
  mainnet: MAINNET_DEFAULTS,
  // Electrum-NMC's servers_testnet.json is empty: there is no public testnet server.
  testnet: [],
  // servers_regtest.json: a local ElectrumX.
  regtest: [{ url: 'tcp://127.0.0.1:51001', operator: 'local' }],
};

/** The built-in lists' URLs. */
export const DEFAULT_SERVERS: Readonly<Record<'mainnet' | 'testnet' | 'regtest', readonly string[]>> = {
  mainnet: BUILTIN_SERVERS.mainnet.map((s) => s.url),
  testnet: BUILTIN_SERVERS.testnet.map((s) => s.url),
  regtest: BUILTIN_SERVERS.regtest.map((s) => s.url),
};

/** Genesis block hashes (reference namecoin.md §3), checked against `server.features`. */
export const GENESIS_HASHES: Readonly<Record<'mainnet' | 'testnet' | 'regtest', string>> = {
  mainnet: '000000000062b72c5e2ceb45fbc8587e807c155b0da735e6483dfba2f0a9c770',
  testnet: '00000007199508e34a9ff81e6ec0c477a4cccff2a4767a8eee39c11db367b008',
  // Same as Bitcoin's regtest.
  regtest: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
};

/**
 * The configured list, or the network's built-in list (with operator labels) when none is
 * configured. A server listed twice (same host:port, whatever the scheme) is kept once: it must
 * not count as two opinions when min_servers asks for agreement. Aliases in a configured list
 * (a name and its IP) cannot be told apart here: the user's list is the user's call. `builtin`
 * replaces the network's built-in list (tests, which must not contact the public servers).
 */
export function resolveServers(configured: readonly string[] | undefined, network: string, builtin?: readonly BuiltinServer[]): ServerAddress[] {
  if (configured && configured.length > 0) {
    const seen = new Set<string>();
    return configured.map(parseServerUrl).filter((s) => !seen.has(s.key) && (seen.add(s.key), true));
  }
  const defaults = builtin ?? (BUILTIN_SERVERS as Record<string, readonly BuiltinServer[] | undefined>)[network];
  if (defaults === undefined) throw new ChainError('bad-url', `unknown network '${network}': expected mainnet, testnet or regtest`);
  if (defaults.length === 0) {
    throw new ChainError('no-server', `there is no public Electrum-NMC server for ${network}: set the 'server' option`);
  }
  return defaults.map((d) => ({ ...parseServerUrl(d.url), operator: d.operator }));
}
