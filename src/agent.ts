// nmcddns command-line entry: parse argv, run one command, map errors to exit codes.
// Every command that LuCI or a script reads has --json: exactly one JSON object on stdout, also
// on failure. Logs go to stderr (procd sends them to syslog). The hot key never appears in either.
import { forgetPin, PinStore } from './chain/pins.ts';
import { ConfigError, KeyError } from './config/errors.ts';
import { createKeyFile, loadHotKey } from './config/keyfile.ts';
import { DEFAULT_CONFIG_PATH, loadConfig, type LoadedConfig } from './config/load.ts';
import { OPTIONS } from './config/schema.ts';
import { createLogger, maskHotKey, type Logger } from './log.ts';
import { EXIT, netifOptions, runRound, type RunResult } from './run.ts';
import { runDoctor, formatDoctor } from './run/doctor.ts';
import { classifyError, realPorts } from './run/ports.ts';
import { defaultDomain, formatSetup, setupPlan } from './run/setup.ts';
import { hotAddress, type AddressType, type HotKey } from './sign/keys.ts';
import { getNetwork } from './sign/network.ts';
import { lockHolder, runSerialized, type RunLock } from './state/lock.ts';
import { readStatus } from './state/status.ts';
import { buildValue } from './value/build.ts';
import { VERSION } from './version.ts';

const COMMANDS = `Commands:
  keygen [--type p2wpkh|p2pkh] [--json]
                make a new hot key in key_file (mode 0600; never overwrites) and print its address
  address [--json]
                print the hot address (where the dd/ name and its fee coins must be)
  check [--json]
                WAN addresses, reachability verdict and the value that would be published
                (makes sure port mappings exist; no chain access)
  update [--dry-run] [--json]
                one full run: reachability, value, name state, decision, sign, broadcast;
                --dry-run signs but does not send. A run started while another is going on
                asks that one to go round once more and exits 0 at once
  status [--json]
                last run, addresses, on-chain value, expiry, pending transaction, funds
                (from the status cache in state_dir; no network)
  setup [--domain d/NAME] [--json]
                what to do once in the cold wallet: move the dd/ name to the hot address, make
                the d/ name import it (ns/ds pinned empty, TLS pin kept in d/), fund the hot address
  doctor [--domain d/NAME] [--json]
                check key, servers, pins, ownership, the d/ import, funds and reachability, and
                say how to fix what is wrong
  pins [--forget host:port] [--json]
                list the trust-on-first-use TLS pins, or forget one after a certificate rotation
  --version     print the version
  --help        this text`;

const EXIT_CODES = `Exit codes:
  0  ok (also: unchanged, waiting for a block, rate-limited, another run in progress)
  1  run refused (name expired, not at the hot address, value too big, doctor found a problem)
  2  usage error
  3  configuration error
  4  hot key file error (missing, readable by others, invalid)
  5  Electrum server error (none reachable, servers disagree, broadcast rejected)
  6  fee or signing refusal (fee above max_fee/max_fee_rate, not enough funds)
  7  nothing reachable to publish`;

function optionsHelp(): string {
  const w = Math.max(...OPTIONS.map((o) => o.key.length));
  return OPTIONS.map((o) => `  ${o.key.padEnd(w)}  ${o.type}; default ${o.defaultText}\n  ${' '.repeat(w)}  ${o.help}`).join('\n');
}

function help(): string {
  return `nmcddns ${VERSION} - keep a Namecoin dd/ name pointing at this router

Usage: nmcddns [--config PATH] [--section NAME] <command> [options]

  --config PATH    configuration file, UCI or JSON (detected); default ${DEFAULT_CONFIG_PATH}
  --section NAME   UCI section (name or @nmcddns[N]); default the first 'config nmcddns'

${COMMANDS}

${EXIT_CODES}

Configuration options (UCI 'option'/'list', or JSON keys of the same names):
${optionsHelp()}
`;
}

interface Args {
  command: string | undefined;
  config: string;
  section: string | undefined;
  json: boolean;
  dryRun: boolean;
  type: string | undefined;
  forget: string | undefined;
  domain: string | undefined;
  help: boolean;
  version: boolean;
}

class UsageError extends Error {}

const WITH_VALUE = new Set(['--config', '--section', '--type', '--forget', '--domain']);
const FLAGS = new Set(['--json', '--dry-run', '--help', '-h', '--version']);
const ALLOWED: Record<string, readonly string[]> = {
  keygen: ['--type', '--json'],
  address: ['--json'],
  check: ['--json'],
  update: ['--dry-run', '--json'],
  status: ['--json'],
  setup: ['--domain', '--json'],
  doctor: ['--domain', '--json'],
  pins: ['--forget', '--json'],
};

function parseArgs(argv: string[]): Args {
  const a: Args = { command: undefined, config: DEFAULT_CONFIG_PATH, section: undefined, json: false, dryRun: false, type: undefined, forget: undefined, domain: undefined, help: false, version: false };
  const seen: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (WITH_VALUE.has(arg)) {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${arg} needs a value`);
      seen.push(arg);
      if (arg === '--config') a.config = v;
      else if (arg === '--section') a.section = v;
      else if (arg === '--type') a.type = v;
      else if (arg === '--forget') a.forget = v;
      else a.domain = v;
    } else if (FLAGS.has(arg)) {
      if (inline !== undefined) throw new UsageError(`${arg} takes no value`);
      seen.push(arg);
      if (arg === '--json') a.json = true;
      else if (arg === '--dry-run') a.dryRun = true;
      else if (arg === '--version') a.version = true;
      else a.help = true;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option '${arg}'`);
    } else if (a.command === undefined) {
      a.command = arg;
    } else {
      throw new UsageError(`unexpected argument '${arg}'`);
    }
  }
  if (a.command !== undefined && a.command !== 'help' && a.command !== 'version') {
    const allowed = ALLOWED[a.command];
    if (allowed === undefined) throw new UsageError(`unknown command '${a.command}'`);
    for (const s of seen) {
      if (s === '--config' || s === '--section' || s === '--help' || s === '-h' || s === '--version') continue;
      if (!allowed.includes(s)) throw new UsageError(`'${a.command}' does not take ${s}`);
    }
  }
  return a;
}

// ---------------------------------------------------------------------------------------------

interface Out {
  json: boolean;
  log: Logger;
  /** Print the command's result: the object as JSON, or the text. */
  print(obj: unknown, text: string): void;
}

function out(json: boolean, log: Logger): Out {
  return {
    json,
    log,
    print(obj, text) {
      process.stdout.write(json ? `${JSON.stringify(obj)}\n` : text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}

function load(args: Args, log: Logger, requireName = true): LoadedConfig {
  const loaded = loadConfig(args.config, args.section, { requireName });
  log.setLevel(loaded.config.logLevel);
  if (loaded.config.name) log.setTag(loaded.config.name);
  for (const w of loaded.warnings) log.warn(`${loaded.file}: ${w}`);
  return loaded;
}

function keyOf(loaded: LoadedConfig, log: Logger): HotKey {
  // Whatever a later message might contain, the key never reaches the log.
  return maskHotKey(log, loadHotKey(loaded.config.keyFile, getNetwork(loaded.config.network)));
}

async function cmdKeygen(args: Args, o: Out): Promise<number> {
  const loaded = load(args, o.log, false);
  const type = (args.type ?? 'p2wpkh') as AddressType;
  if (type !== 'p2wpkh' && type !== 'p2pkh') throw new UsageError(`--type must be p2wpkh or p2pkh, not '${args.type}'`);
  const key = createKeyFile(loaded.config.keyFile, getNetwork(loaded.config.network), type);
  const address = hotAddress(key);
  o.log.info(`new ${type} hot key written to ${loaded.config.keyFile} (mode 0600)`);
  o.print(
    { keyFile: loaded.config.keyFile, hotAddress: address, type, network: loaded.config.network },
    `hot key written to ${loaded.config.keyFile} (mode 0600, back it up if you like; it can only update the dd/ name)\nhot address: ${address}\nnext: nmcddns setup`,
  );
  return EXIT.ok;
}

async function cmdAddress(args: Args, o: Out): Promise<number> {
  const loaded = load(args, o.log, false);
  const key = keyOf(loaded, o.log);
  o.print({ hotAddress: hotAddress(key), type: key.addressType, network: loaded.config.network }, hotAddress(key));
  return EXIT.ok;
}

async function cmdCheck(args: Args, o: Out): Promise<number> {
  const loaded = load(args, o.log);
  const { config } = loaded;
  const ports = realPorts(o.log);
  const cached = readStatus(config.stateDir);
  const verdict = await ports.reachability(netifOptions(config, cached?.addresses?.ipv6.address ?? undefined));
  const fam = (v: typeof verdict.ipv4) => ({ address: v.address, via: v.via, reason: v.reason, warnings: v.warnings });
  const nothing = verdict.ipv4.address === null && verdict.ipv6.address === null;
  const value = nothing ? null : buildValue({ ipv4: verdict.ipv4.address, ipv6: verdict.ipv6.address }, config.template);
  const obj = {
    name: config.name,
    ipv4: fam(verdict.ipv4),
    ipv6: fam(verdict.ipv6),
    value: value?.text ?? null,
    valueBytes: value?.bytes ?? null,
    mappings: verdict.mappings.map((m) => ({ via: m.via, proto: m.proto, externalPort: m.externalPort, internalPort: m.internalPort, externalAddress: m.externalAddress, leaseSeconds: m.leaseSeconds })),
    reason: nothing ? `nothing to publish: IPv4: ${verdict.ipv4.reason}; IPv6: ${verdict.ipv6.reason}` : undefined,
  };
  const line = (f: string, v: typeof verdict.ipv4) => `${f}: ${v.address ?? '(none)'} via ${v.via}: ${v.reason}${v.warnings.map((w) => `\n      warning: ${w}`).join('')}`;
  o.print(obj, [line('IPv4', verdict.ipv4), line('IPv6', verdict.ipv6), `value: ${value?.text ?? '(nothing to publish)'}`].join('\n'));
  return nothing ? EXIT.unreachable : EXIT.ok;
}

/**
 * When the next run is due (min_interval held this one back): the moment, and the seconds left
 * from now (never negative; 0 = due now) for a caller that schedules with relative time.
 */
function retryFields(at: string | null | undefined, now = Date.now()): { retryAt: string | null; retryIn: number | null } {
  const ms = at ? Date.parse(at) : NaN;
  if (!Number.isFinite(ms)) return { retryAt: null, retryIn: null };
  return { retryAt: at!, retryIn: Math.max(0, Math.ceil((ms - now) / 1000)) };
}

function describeRun(r: RunResult): string {
  return `${r.action}: ${r.reason}${r.txid ? `\ntxid: ${r.txid}` : ''}${r.dryRun && r.tx ? `\nsigned (not sent): ${r.tx.txid}, ${r.tx.vsize} vB, fee ${r.tx.fee} sat\n${r.tx.hex}` : ''}`;
}

function runJson(r: RunResult, name: string): Record<string, unknown> {
  const o: Record<string, unknown> = { action: r.action, reason: r.reason, exitCode: r.exitCode, name, value: r.value, addresses: r.addresses, chain: r.chain, funds: r.funds };
  if (r.txid) o.txid = r.txid;
  if (r.retryAt !== undefined) Object.assign(o, retryFields(new Date(r.retryAt).toISOString()));
  if (r.dryRun) {
    o.dryRun = true;
    o.tx = r.tx;
  }
  if (r.error) o.error = r.error;
  return o;
}

let heldLock: RunLock | undefined;

async function cmdUpdate(args: Args, o: Out): Promise<number> {
  const loaded = load(args, o.log);
  const { config } = loaded;
  const key = keyOf(loaded, o.log);
  const ports = realPorts(o.log);
  const round = () => runRound({ config, key, log: o.log, ports, dryRun: args.dryRun, classify: classifyError });
  if (args.dryRun) {
    const r = await round();
    o.print(runJson(r, config.name), describeRun(r));
    return r.exitCode;
  }
  const res = await runSerialized(config.stateDir, round, { onLock: (l) => (heldLock = l) });
  heldLock = undefined;
  if (!res.ran) {
    const who = res.holder ? `pid ${res.holder.pid}, since ${new Date(res.holder.startedAt).toISOString()}` : 'another process';
    const reason = `another run is in progress (${who}); it will go round once more`;
    o.log.info(reason);
    o.print({ action: 'waiting', reason, exitCode: 0, name: config.name, deferred: true }, `waiting: ${reason}`);
    return EXIT.ok;
  }
  const last = res.rounds[res.rounds.length - 1]!;
  const json = runJson(last, config.name);
  if (res.rounds.length > 1) json.rounds = res.rounds.map((r) => ({ action: r.action, txid: r.txid ?? null, exitCode: r.exitCode }));
  o.print(json, describeRun(last));
  return last.exitCode;
}

async function cmdStatus(args: Args, o: Out): Promise<number> {
  const loaded = load(args, o.log, false);
  const { config } = loaded;
  let address: string | null = null;
  let keyProblem: string | undefined;
  try {
    address = hotAddress(keyOf(loaded, o.log));
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
    keyProblem = e.message;
  }
  const cache = readStatus(config.stateDir);
  const holder = lockHolder(config.stateDir);
  const sameName = cache !== null && cache.name === config.name;
  const s = {
    version: VERSION,
    name: config.name || null,
    network: config.network,
    hotAddress: address,
    enabled: config.enabled,
    lastRun: sameName ? cache.lastRun : null,
    lastBroadcast: sameName ? cache.lastBroadcast : null,
    addresses: sameName ? cache.addresses : null,
    value: sameName ? cache.value : null,
    chain: sameName ? cache.chain : null,
    funds: sameName ? cache.funds : null,
    ...retryFields(sameName ? cache.retryAt : null),
    running: holder !== null,
    keyProblem: keyProblem ?? null,
  };
  const lines = [
    `nmcddns ${VERSION}: ${s.name ?? '(no name configured)'} on ${s.network}${s.enabled ? '' : ' (disabled)'}${s.running ? ', a run is in progress' : ''}`,
    `hot address: ${s.hotAddress ?? `(none: ${keyProblem})`}`,
  ];
  if (s.lastRun) lines.push(`last run: ${s.lastRun.startedAt}: ${s.lastRun.action}: ${s.lastRun.reason}${s.lastRun.txid ? ` (txid ${s.lastRun.txid})` : ''}`);
  else lines.push("last run: none yet ('nmcddns update' makes one)");
  if (s.retryAt) lines.push(`next run due: ${s.retryAt} (in ${s.retryIn} s), when min_interval allows a transaction again`);
  if (s.addresses) for (const [f, a] of [['IPv4', s.addresses.ipv4], ['IPv6', s.addresses.ipv6]] as const) lines.push(`${f}: ${a.address ?? '(none)'} via ${a.via}: ${a.reason}`);
  if (s.chain) {
    lines.push(`on chain: ${s.chain.value} (height ${s.chain.height}, tip ${s.chain.tipHeight}, expires in ${s.chain.expiresIn} blocks)`);
    lines.push(`pending: ${s.chain.pending ? `${s.chain.pending.txid}: ${s.chain.pending.value}` : 'none'}`);
  }
  if (s.funds) lines.push(`funds: ${s.funds.balanceSat / 1e8} NMC in ${s.funds.feeCoins} fee coin${s.funds.feeCoins === 1 ? '' : 's'} and the name coin, about ${s.funds.updatesLeft} updates`);
  o.print(s, lines.join('\n'));
  return EXIT.ok;
}

/** The cold d/ name for setup and doctor: --domain, or the one derived from name. */
function domainOf(args: Args, name: string): string {
  const domain = args.domain ?? defaultDomain(name);
  if (!/^d\/[a-z0-9-]+$/.test(domain)) {
    // Without --domain the d/ name is derived from name: say so, or the user hunts for a --domain they never passed.
    throw new UsageError(
      args.domain !== undefined
        ? `--domain must be a d/ name such as d/example, not '${domain}'`
        : `'${domain}', the d/ name derived from name '${name}', is not a valid d/ name (lower-case letters, digits and '-'); pass --domain d/NAME`,
    );
  }
  return domain;
}

async function cmdSetup(args: Args, o: Out): Promise<number> {
  const loaded = load(args, o.log);
  const key = keyOf(loaded, o.log);
  const domain = domainOf(args, loaded.config.name);
  const plan = setupPlan(loaded.config.name, hotAddress(key), loaded.config.network, domain);
  o.print(plan, formatSetup(plan));
  return EXIT.ok;
}

async function cmdDoctor(args: Args, o: Out): Promise<number> {
  const report = await runDoctor({ configPath: args.config, section: args.section, log: o.log, ports: realPorts(o.log), domain: args.domain === undefined ? undefined : domainOf(args, '') });
  o.print(report, formatDoctor(report));
  return report.ok ? EXIT.ok : EXIT.refused;
}

async function cmdPins(args: Args, o: Out): Promise<number> {
  // A malformed argument is a usage error (exit 2), found before the config is even read.
  if (args.forget !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):\d{1,5}$/.test(args.forget.trim())) {
    throw new UsageError(`--forget takes host:port (e.g. electrum.example:50002 or [2001:db8::1]:50002), got '${args.forget}'`);
  }
  const loaded = load(args, o.log, false);
  const file = loaded.config.pinFile;
  if (args.forget !== undefined) {
    const removed = forgetPin(file, args.forget);
    o.print({ pinFile: file, forgotten: removed ? args.forget : null }, removed ? `forgot the pin of ${args.forget} in ${file}; the next connection pins its certificate anew` : `${args.forget} has no pin in ${file}`);
    return removed ? EXIT.ok : EXIT.refused;
  }
  const pins = new PinStore({ file }).list();
  o.print({ pinFile: file, pins }, Object.entries(pins).map(([k, v]) => `${k} ${v}`).join('\n') || `no pins in ${file}`);
  return EXIT.ok;
}

const HANDLERS: Record<string, (args: Args, o: Out) => Promise<number>> = {
  keygen: cmdKeygen,
  address: cmdAddress,
  check: cmdCheck,
  update: cmdUpdate,
  status: cmdStatus,
  setup: cmdSetup,
  doctor: cmdDoctor,
  pins: cmdPins,
};

async function main(argv: string[]): Promise<number> {
  const log = createLogger();
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`nmcddns: ${(e as Error).message}; see 'nmcddns --help'\n`);
    return EXIT.usage;
  }
  if (args.version || args.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (args.command === undefined || args.help || args.command === 'help') {
    process.stdout.write(help());
    return EXIT.ok;
  }
  const o = out(args.json, log);
  try {
    return await HANDLERS[args.command]!(args, o);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nmcddns: ${e.message}; see 'nmcddns --help'\n`);
      if (args.json) o.print({ error: 'UsageError', message: e.message, exitCode: EXIT.usage }, '');
      return EXIT.usage;
    }
    const { exitCode, message } = classifyError(e);
    log.error(message);
    if (args.json) {
      const obj: Record<string, unknown> = { error: (e as Error)?.name ?? 'Error', message, exitCode };
      if (args.command === 'update') Object.assign(obj, { action: 'refused', reason: message });
      if (e instanceof ConfigError && e.option) obj.option = e.option;
      o.print(obj, '');
    }
    return exitCode;
  }
}

function onSignal(signal: NodeJS.Signals, code: number): void {
  process.on(signal, () => {
    // A killed run must not leave its lock behind for the next one to wait on.
    heldLock?.release();
    process.exit(code);
  });
}
onSignal('SIGTERM', 143);
onSignal('SIGINT', 130);

main(process.argv.slice(2)).then(
  (code) => {
    // Exit now: a keep-alive timer or a half-closed socket must not keep a finished run alive.
    process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`nmcddns: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exit(EXIT.refused);
  },
);
