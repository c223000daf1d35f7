// Every configuration option, its default and its check, in one table. The UCI reader, the JSON
// reader, `nmcddns --help` and docs/config.md all follow it (and LuCI's form follows the doc).
// Options arrive as text from UCI (`option x 'v'`, `list x 'v'`) or as JSON values; each check
// accepts both and answers with the typed value or a ConfigError that names the option, the
// value given and what is allowed.
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { parseServerUrl } from '../chain/servers.ts';
import { parseFingerprintList } from '../chain/pins.ts';
import { parsePortSpec } from '../netif/ports.ts';
import type { AddressSource, PortSpec } from '../netif/types.ts';
import { getNetwork, type NetworkName } from '../sign/network.ts';
import { checkTemplate, type JsonObject } from '../value/template.ts';
import { ConfigError } from './errors.ts';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Ip6Firewall = 'require' | 'warn' | 'ignore';

/** The validated configuration: what the rest of the agent reads. */
export interface Config {
  enabled: boolean;
  name: string;
  iKnowDNamesAreUnsafe: boolean;
  network: NetworkName;
  /** As configured; empty means the built-in list for the network (chain/servers.ts). */
  server: string[];
  serverFingerprint: string[];
  /** Resolved by loadConfig once `server` is known. */
  minServers: number;
  keyFile: string;
  ip4Source: AddressSource;
  ip4Interface: string;
  ip4Address: string | undefined;
  ip6Source: AddressSource;
  ip6Interface: string;
  ip6Address: string | undefined;
  ip6Suffix: string | undefined;
  script: string | undefined;
  port: PortSpec[];
  upnp: boolean;
  ip6Firewall: Ip6Firewall;
  template: JsonObject;
  /** sat/vB; undefined = the server's estimate, floored at the network's relay minimum. */
  feeRate: number | undefined;
  maxFee: number;
  maxFeeRate: number;
  renewBlocks: number;
  minInterval: number;
  checkInterval: number;
  stateDir: string;
  pinFile: string;
  logLevel: LogLevel;
}

/** A raw option: text from UCI, or any JSON value. */
export type RawValue = string | string[] | number | boolean | null | Record<string, unknown> | unknown[];

export interface OptionSpec {
  /** The name in UCI, JSON and LuCI. */
  key: string;
  field: keyof Config;
  /** For --help and the doc. */
  type: string;
  /** The default, as the doc says it. */
  defaultText: string;
  help: string;
  list?: boolean;
  /** Check a given value. `network` is already known (it is read first). */
  parse(raw: RawValue, network: NetworkName): Config[keyof Config];
  /** The default when the option is absent (undefined = required or no value). */
  default(network: NetworkName): Config[keyof Config];
}

// ---------------------------------------------------------------------------------------------
// Checks shared by several options.

function bad(key: string, raw: unknown, allowed: string): never {
  throw new ConfigError(`option ${key}: ${show(raw)} is not valid; ${allowed}`, key);
}

function show(raw: unknown): string {
  const text = typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw);
  return text === undefined ? String(raw) : text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function scalar(key: string, raw: RawValue): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return bad(key, raw, 'expected a single value, not a list or object');
}

function list(key: string, raw: RawValue): string[] {
  // UCI: `option server x` is a one-element list (libuci's uci_lookup treats it the same).
  if (typeof raw === 'string') return raw.trim() === '' ? [] : [raw];
  if (typeof raw === 'number') return [String(raw)];
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'string' || typeof x === 'number')) return raw.map(String);
  return bad(key, raw, 'expected a list of strings');
}

const TRUE = new Set(['1', 'true', 'yes', 'on', 'enabled']);
const FALSE = new Set(['0', 'false', 'no', 'off', 'disabled']);

function bool(key: string): (raw: RawValue) => boolean {
  return (raw) => {
    if (typeof raw === 'boolean') return raw;
    const s = scalar(key, raw).trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
    return bad(key, raw, 'allowed: 0 or 1 (also true/false, yes/no, on/off)');
  };
}

function int(key: string, min: number, max: number, unit = ''): (raw: RawValue) => number {
  return (raw) => {
    const s = scalar(key, raw).trim();
    if (!/^\d+$/.test(s)) return bad(key, raw, `allowed: a whole number from ${min} to ${max}${unit}`);
    const n = Number(s);
    if (n < min || n > max) return bad(key, raw, `allowed: a whole number from ${min} to ${max}${unit}`);
    return n;
  };
}

function num(key: string, min: number, max: number, unit: string): (raw: RawValue) => number {
  return (raw) => {
    const s = scalar(key, raw).trim();
    const n = /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(n) || n < min || n > max) return bad(key, raw, `allowed: a number from ${min} to ${max} ${unit}`);
    return n;
  };
}

function oneOf<T extends string>(key: string, values: readonly T[]): (raw: RawValue) => T {
  return (raw) => {
    const s = scalar(key, raw).trim();
    if ((values as readonly string[]).includes(s)) return s as T;
    return bad(key, raw, `allowed: ${values.join(', ')}`);
  };
}

function path(key: string): (raw: RawValue) => string {
  return (raw) => {
    const s = scalar(key, raw);
    if (s === '' || s.includes('\0') || s !== s.trim()) return bad(key, raw, 'expected a file or directory path');
    if (!isAbsolute(s) && !s.startsWith('./') && !s.startsWith('../')) {
      return bad(key, raw, 'expected an absolute path (or one starting with ./ or ../)');
    }
    return s;
  };
}

const IFNAME = /^[A-Za-z0-9_.@:-]{1,32}$/;

function ifname(key: string): (raw: RawValue) => string {
  return (raw) => {
    const s = scalar(key, raw).trim();
    if (!IFNAME.test(s)) return bad(key, raw, 'expected a netifd interface (wan, wan6, @wan6) or a Linux device (eth1, pppoe-wan)');
    return s;
  };
}

function address(key: string, family: 4 | 6): (raw: RawValue) => string {
  return (raw) => {
    const s = scalar(key, raw).trim();
    if (isIP(s) !== family || s.includes('%')) return bad(key, raw, `expected an IPv${family} address`);
    return s;
  };
}

const SOURCES: readonly AddressSource[] = ['ubus', 'interface', 'static', 'script', 'none'];
const NETWORK_NAMES: readonly NetworkName[] = ['mainnet', 'testnet', 'regtest'];

/**
 * The name the agent keeps updated. A dd/ name (any printable ASCII after `dd/`, at most 255
 * bytes, Core's MAX_NAME_LENGTH); a d/ name only when i_know_d_names_are_unsafe allows it, checked
 * in loadConfig because that option may come later in the file.
 */
function parseName(raw: RawValue): string {
  const key = 'name';
  const s = scalar(key, raw);
  if (!/^[\x21-\x7e]+$/.test(s)) return bad(key, raw, 'a Namecoin name is printable ASCII without spaces, e.g. dd/example');
  if (s.length > 255) return bad(key, raw, 'a Namecoin name is at most 255 bytes');
  if (s.startsWith('dd/') && s.length > 3) return s;
  if (s.startsWith('d/') && s.length > 2) return s;
  return bad(key, raw, "expected a dd/ name such as dd/example (the cold d/ name imports it; see 'nmcddns setup')");
}

function parsePort(raw: RawValue): PortSpec[] {
  const key = 'port';
  const items = list(key, raw).flatMap((x) => x.split(/[\s,]+/)).filter((x) => x !== '');
  const seen = new Set<string>();
  const out: PortSpec[] = [];
  for (const item of items) {
    let spec: PortSpec;
    try {
      spec = parsePortSpec(item);
    } catch {
      return bad(key, item, 'allowed: 443 (TCP), tcp/443 or udp/51820, ports 1-65535');
    }
    const id = `${spec.proto}/${spec.port}`;
    if (!seen.has(id)) out.push(spec);
    seen.add(id);
  }
  return out;
}

function parseServer(raw: RawValue): string[] {
  const key = 'server';
  const urls = list(key, raw);
  for (const u of urls) {
    try {
      parseServerUrl(u);
    } catch (e) {
      throw new ConfigError(`option ${key}: ${(e as Error).message}`, key);
    }
  }
  return urls;
}

function parseFingerprints(raw: RawValue): string[] {
  const key = 'server_fingerprint';
  const items = list(key, raw);
  try {
    parseFingerprintList(items);
  } catch (e) {
    throw new ConfigError(`option ${key}: ${(e as Error).message}`, key);
  }
  return items;
}

function parseTemplate(raw: RawValue): JsonObject {
  const key = 'template';
  let value: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return {};
    try {
      value = JSON.parse(raw);
    } catch (e) {
      return bad(key, raw, `expected a JSON object such as {"tor":"example.onion"} (${(e as Error).message})`);
    }
  }
  try {
    return checkTemplate(value, key);
  } catch (e) {
    throw new ConfigError(`option ${(e as Error).message}`, key);
  }
}

function parseSuffix(raw: RawValue): string {
  const key = 'ip6_suffix';
  const s = scalar(key, raw).trim();
  const ok = isIP(s) === 6 && !s.includes('%') && upper64IsZero(s);
  if (!ok) return bad(key, raw, 'expected an IPv6 interface identifier such as ::10 or ::1:2:3:4 (the upper 64 bits zero)');
  return s;
}

function upper64IsZero(a: string): boolean {
  const full = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  // Expand to 8 groups and look at the first four.
  const [head, tail] = full.includes('::') ? full.split('::') : [full, undefined];
  const h = head === '' ? [] : head!.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.slice(0, 4).every((g) => /^0+$/.test(g));
}

/** Renewal margins (namecoin.md §2.5): a name must be renewed before Electrum-NMC's semi-expiry. */
function renewRange(network: NetworkName): { min: number; max: number } {
  const depth = getNetwork(network).nameExpirationDepth;
  if (network === 'regtest') return { min: 2, max: depth - 1 };
  // Semi-expiry at 36000 − 2·2016 blocks of age = expires_in 4032: renew strictly before it.
  return { min: 4033, max: depth - 1 };
}

// ---------------------------------------------------------------------------------------------
// The table.

const B = (v: boolean) => () => v;

export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'enabled', field: 'enabled', type: 'bool', defaultText: '0',
    help: 'the init script, hotplug hook and periodic check do nothing while 0; the CLI itself always runs when asked',
    parse: bool('enabled'), default: B(false),
  },
  {
    key: 'name', field: 'name', type: 'dd/… name', defaultText: '(required)',
    help: 'the Namecoin name to keep updated; a d/ name is refused unless i_know_d_names_are_unsafe is 1',
    parse: parseName, default: () => undefined as unknown as string,
  },
  {
    key: 'i_know_d_names_are_unsafe', field: 'iKnowDNamesAreUnsafe', type: 'bool', defaultText: '0',
    help: 'allow a d/ name on the hot key (the key could then give away the whole domain)',
    parse: bool('i_know_d_names_are_unsafe'), default: B(false),
  },
  {
    key: 'network', field: 'network', type: 'mainnet|testnet|regtest', defaultText: 'mainnet', help: 'the Namecoin chain',
    parse: oneOf('network', NETWORK_NAMES), default: () => 'mainnet',
  },
  {
    key: 'server', field: 'server', type: 'list of tls://host:port / tcp://host:port', list: true,
    defaultText: 'built-in public list for the network', help: 'Electrum-NMC (ElectrumX) servers',
    parse: parseServer, default: () => [],
  },
  {
    key: 'server_fingerprint', field: 'serverFingerprint', type: 'list of host:port=sha256hex', list: true, defaultText: 'empty',
    help: 'pinned TLS certificate fingerprints (otherwise trust on first use)',
    parse: parseFingerprints, default: () => [],
  },
  {
    key: 'min_servers', field: 'minServers', type: 'int ≥ 1', defaultText: '2 when ≥ 2 servers are configured, else 1',
    help: 'how many servers must agree on the name state before anything is sent; also how many a run contacts',
    parse: int('min_servers', 1, 64), default: () => 0, // 0 = resolved from the server count in loadConfig
  },
  {
    key: 'key_file', field: 'keyFile', type: 'path', defaultText: '/etc/nmcddns/hotkey',
    help: 'the hot key: wpkh(WIF) or pkh(WIF) on one line, mode 0600',
    parse: path('key_file'), default: () => '/etc/nmcddns/hotkey',
  },
  {
    key: 'ip4_source', field: 'ip4Source', type: SOURCES.join('|'), defaultText: 'ubus', help: 'where the IPv4 WAN address comes from',
    parse: oneOf('ip4_source', SOURCES), default: () => 'ubus',
  },
  {
    key: 'ip4_interface', field: 'ip4Interface', type: 'string', defaultText: 'wan', help: 'netifd interface (ubus) or Linux device (interface)',
    parse: ifname('ip4_interface'), default: () => 'wan',
  },
  {
    key: 'ip4_address', field: 'ip4Address', type: 'IPv4', defaultText: '—', help: 'for ip4_source static',
    parse: address('ip4_address', 4), default: () => undefined,
  },
  {
    key: 'ip6_source', field: 'ip6Source', type: SOURCES.join('|'), defaultText: 'ubus', help: 'where the IPv6 WAN address comes from',
    parse: oneOf('ip6_source', SOURCES), default: () => 'ubus',
  },
  {
    key: 'ip6_interface', field: 'ip6Interface', type: 'string', defaultText: 'wan6', help: 'netifd interface (ubus) or Linux device (interface)',
    parse: ifname('ip6_interface'), default: () => 'wan6',
  },
  {
    key: 'ip6_address', field: 'ip6Address', type: 'IPv6', defaultText: '—', help: 'for ip6_source static',
    parse: address('ip6_address', 6), default: () => undefined,
  },
  {
    key: 'ip6_suffix', field: 'ip6Suffix', type: 'IPv6 interface id (::10)', defaultText: '—',
    help: 'publish delegated prefix + suffix (a LAN server) instead of the router\'s own address',
    parse: parseSuffix, default: () => undefined,
  },
  {
    key: 'script', field: 'script', type: 'path', defaultText: '—',
    help: 'for *_source script: an executable that prints addresses (JSON array or one per line)',
    parse: path('script'), default: () => undefined,
  },
  {
    key: 'port', field: 'port', type: 'list of 443, tcp/443, udp/51820', list: true, defaultText: 'empty',
    help: 'service ports that must be reachable; mapped via UPnP/NAT-PMP behind NAT',
    parse: parsePort, default: () => [],
  },
  {
    key: 'upnp', field: 'upnp', type: 'bool', defaultText: '1',
    help: 'ask an upstream UPnP IGD / NAT-PMP gateway when the WAN address is private or CGNAT',
    parse: bool('upnp'), default: B(true),
  },
  {
    key: 'ip6_firewall', field: 'ip6Firewall', type: 'require|warn|ignore', defaultText: 'warn',
    help: 'what a missing firewall rule for port on IPv6 means',
    parse: oneOf('ip6_firewall', ['require', 'warn', 'ignore'] as const), default: () => 'warn',
  },
  {
    key: 'template', field: 'template', type: 'JSON object (string in UCI)', defaultText: '{}',
    help: 'static records merged into the value: tor, i2p, txt, srv, map… (never tls, ns, dns, ds, import, delegate, alias, translate, nor a top-level ip/ip6)',
    parse: parseTemplate, default: () => ({}),
  },
  {
    key: 'fee_rate', field: 'feeRate', type: 'sat/vB', defaultText: "from the server's estimate, floored at 100",
    help: 'fee rate of every transaction',
    parse: num('fee_rate', 100, 100_000, 'sat/vB (Namecoin relays nothing below 100)'), default: () => undefined,
  },
  {
    key: 'max_fee', field: 'maxFee', type: 'sat', defaultText: '200000 (0.002 NMC)',
    help: 'the signer refuses a transaction whose fee is above this',
    parse: int('max_fee', 1000, 100_000_000, ' sat'), default: () => 200_000,
  },
  {
    key: 'max_fee_rate', field: 'maxFeeRate', type: 'sat/vB', defaultText: '1000', help: 'the signer refuses a fee rate above this',
    parse: num('max_fee_rate', 100, 100_000, 'sat/vB'), default: () => 1000,
  },
  {
    key: 'renew_blocks', field: 'renewBlocks', type: 'int', defaultText: '8000 (mainnet/testnet), 10 (regtest)',
    help: "renew when expires_in ≤ this (before Electrum-NMC's semi-expiry at 31968 blocks of age)",
    parse: (raw, network) => {
      const r = renewRange(network);
      return int('renew_blocks', r.min, r.max, ` blocks on ${network}${network === 'regtest' ? '' : " (Electrum-NMC refuses names with expires_in ≤ 4032)"}`)(raw);
    },
    default: (network) => (network === 'regtest' ? 10 : 8000),
  },
  {
    key: 'min_interval', field: 'minInterval', type: 'seconds', defaultText: '600',
    help: 'at most one transaction per this interval; a flapping WAN costs one transaction and the last address wins',
    parse: int('min_interval', 0, 7 * 86400, ' seconds'), default: () => 600,
  },
  {
    key: 'check_interval', field: 'checkInterval', type: 'minutes', defaultText: '30', help: 'the periodic check (init script)',
    parse: int('check_interval', 1, 1440, ' minutes'), default: () => 30,
  },
  {
    key: 'state_dir', field: 'stateDir', type: 'path', defaultText: '/var/run/nmcddns (tmpfs)', help: 'lock, status cache',
    parse: path('state_dir'), default: () => '/var/run/nmcddns',
  },
  {
    key: 'pin_file', field: 'pinFile', type: 'path', defaultText: '/etc/nmcddns/pins.json', help: 'trust-on-first-use TLS certificate pins',
    parse: path('pin_file'), default: () => '/etc/nmcddns/pins.json',
  },
  {
    key: 'log_level', field: 'logLevel', type: 'error|warn|info|debug', defaultText: 'info', help: 'what goes to stderr (syslog under procd)',
    parse: oneOf('log_level', ['error', 'warn', 'info', 'debug'] as const), default: () => 'info',
  },
];

export const OPTION_BY_KEY: ReadonlyMap<string, OptionSpec> = new Map(OPTIONS.map((o) => [o.key, o]));

/** The closest known option name, for "did you mean" in messages. */
export function suggestOption(key: string): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const o of OPTIONS) {
    const d = editDistance(key, o.key);
    if (d < bestD) {
      best = o.key;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * Validate a bag of raw options (from UCI or JSON) into a Config. `where` names the source in
 * messages. Unknown options are errors: a misspelt `ip4_adress` silently ignored would publish
 * the wrong thing.
 */
export function validateOptions(
  raw: ReadonlyMap<string, RawValue>,
  where: string,
  opts: { requireName?: boolean } = {},
): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  for (const key of raw.keys()) {
    if (!OPTION_BY_KEY.has(key)) {
      const hint = suggestOption(key);
      throw new ConfigError(`${where}: unknown option '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; the options are listed in 'nmcddns --help'`, key);
    }
  }
  const networkRaw = raw.get('network');
  const networkSpec = OPTION_BY_KEY.get('network')!;
  const network = (networkRaw === undefined ? 'mainnet' : networkSpec.parse(networkRaw, 'mainnet')) as NetworkName;

  const cfg: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const given = raw.get(spec.key);
    if (given !== undefined && !spec.list && Array.isArray(given)) {
      throw new ConfigError(`option ${spec.key}: takes one value, but a list was given (use 'option ${spec.key}', not 'list')`, spec.key);
    }
    cfg[spec.field] = given === undefined ? spec.default(network) : spec.parse(given, network);
  }
  const config = cfg as unknown as Config;

  if (config.name === undefined && opts.requireName === false) {
    // keygen, address and status work before the name is configured.
    config.name = '';
  } else if (config.name === undefined) {
    throw new ConfigError(`${where}: option name is required: the dd/ name to keep updated, e.g. option name 'dd/example'`, 'name');
  }
  if (config.name.startsWith('d/') && !config.iKnowDNamesAreUnsafe) {
    throw new ConfigError(
      `option name: '${config.name}' is a d/ name; a hot key on a router should hold only a dd/ name that the cold d/ name imports ` +
        `(see 'nmcddns setup'). Set i_know_d_names_are_unsafe to 1 only if you accept that a stolen router key can give the domain away`,
      'name',
    );
  }
  for (const fam of ['4', '6'] as const) {
    const source = config[`ip${fam}Source`];
    const addr = config[`ip${fam}Address`];
    if (source === 'static' && addr === undefined) {
      throw new ConfigError(`option ip${fam}_address: required when ip${fam}_source is static (the IPv${fam} address to publish)`, `ip${fam}_address`);
    }
    if (source === 'script' && config.script === undefined) {
      throw new ConfigError(`option script: required when ip${fam}_source is script (an executable that prints the addresses)`, 'script');
    }
    if (source !== 'static' && addr !== undefined) warnings.push(`ip${fam}_address is ignored because ip${fam}_source is ${source}, not static`);
  }
  if (config.ip6Suffix !== undefined && config.ip6Source !== 'ubus' && config.ip6Source !== 'interface') {
    warnings.push(`ip6_suffix is ignored with ip6_source ${config.ip6Source}`);
  }
  const serverCount = config.server.length;
  if (config.minServers === 0) {
    config.minServers = serverCount === 1 ? 1 : serverCount >= 2 ? 2 : 1;
    // With the built-in list, two independent answers are asked for (chain/servers.ts).
    if (serverCount === 0 && network === 'mainnet') config.minServers = 2;
  } else if (serverCount > 0 && config.minServers > serverCount) {
    throw new ConfigError(`option min_servers: ${config.minServers} is more than the ${serverCount} configured server(s); allowed: 1 to ${serverCount}`, 'min_servers');
  }
  if (config.feeRate !== undefined && config.feeRate > config.maxFeeRate) {
    throw new ConfigError(`option fee_rate: ${config.feeRate} sat/vB is above max_fee_rate ${config.maxFeeRate}; lower fee_rate or raise max_fee_rate`, 'fee_rate');
  }
  if (config.ip4Source === 'none' && config.ip6Source === 'none') {
    throw new ConfigError('options ip4_source and ip6_source are both none: there would be no address to publish; set at least one', 'ip4_source');
  }
  return { config, warnings };
}
