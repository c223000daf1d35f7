// `nmcddns doctor`: everything `setup` asked the owner to do, checked on chain and locally, each
// finding with what is wrong and how to fix it. Read-only: it never signs or sends anything.
import { lookupAgreedNameState } from '../chain/agree.ts';
import type { ElectrumClient } from '../chain/electrum.ts';
import { ChainError } from '../chain/errors.ts';
import type { ChainSessions } from '../chain/session.ts';
import { loadHotKey } from '../config/keyfile.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { updatesLeft } from '../decide/fees.ts';
import { maskHotKey, type Logger } from '../log.ts';
import { netifOptions, type RunPorts } from '../run.ts';
import { hotAddress, hotScript, type HotKey } from '../sign/keys.ts';
import { nameIndexScript } from '../sign/namescript.ts';
import { getNetwork } from '../sign/network.ts';
import { electrumScripthash } from '../sign/scripthash.ts';
import { decodeNameTransaction } from '../sign/tx-decode.ts';
import { readStatus } from '../state/status.ts';
import { classifyError, openSessions } from './ports.ts';
import { defaultDomain, setupPlan } from './setup.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  id: 'config' | 'key' | 'servers' | 'pins' | 'name' | 'expiry' | 'import' | 'funds' | 'reachability';
  status: CheckStatus;
  message: string;
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  name: string | null;
  hotAddress: string | null;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  configPath: string;
  section: string | undefined;
  log: Logger;
  ports: RunPorts;
  domain?: string | undefined;
}

const utf8 = new TextDecoder();

/**
 * The latest confirmed value of any name (here: the cold d/ name), from the name index.
 * Only for the doctor's advice: the run itself reads its own name through src/chain.
 */
async function latestValue(client: ElectrumClient, name: string, config: Config): Promise<{ value: string; height: number } | null> {
  const network = getNetwork(config.network);
  const nameBytes = new TextEncoder().encode(name);
  const history = (await client.getHistory(electrumScripthash(nameIndexScript(nameBytes)))).filter((h) => h.height > 0).sort((a, b) => b.height - a.height);
  for (const h of history.slice(0, 8)) {
    const tx = decodeNameTransaction(await client.getTransaction(h.txid), network);
    if (tx.txid !== h.txid) continue;
    for (const o of tx.outputs) {
      if (o.nameOp && o.nameOp.op !== 'name_new' && utf8.decode(o.nameOp.name) === name) return { value: utf8.decode(o.nameOp.value), height: h.height };
    }
  }
  return null;
}

/** What a d/ value must say for the hot key to be harmless (namecoin.md §4.4–4.8). */
export function checkImport(domain: string, value: string, ddName: string): { status: CheckStatus; message: string; fix?: string } {
  const want = setupPlan(ddName, '<hot address>', 'mainnet', domain).domainValue;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(value) as Record<string, unknown>;
  } catch {
    return { status: 'fail', message: `${domain} holds ${value}, which is not JSON`, fix: `set ${domain} to ${want}` };
  }
  const imp = v.import;
  const entries = typeof imp === 'string' ? [[imp]] : Array.isArray(imp) ? imp.map((e) => (typeof e === 'string' ? [e] : e)) : [];
  const imports = entries.some((e) => Array.isArray(e) && e[0] === ddName && (e[1] === undefined || e[1] === ''));
  if (!imports) return { status: 'fail', message: `${domain} does not import ${ddName} (its value: ${value})`, fix: `set ${domain} to ${want}` };
  const problems: string[] = [];
  if ('ip' in v || 'ip6' in v) problems.push(`it holds ip/ip6 itself, which override the router's addresses`);
  for (const k of ['ns', 'ds'] as const) {
    if (!(k in v) || v[k] === null) problems.push(`"${k}":[] is not pinned, so a stolen hot key could add ${k === 'ns' ? 'a delegation' : 'DNSSEC keys'}`);
  }
  if (Array.isArray(v.ns) && v.ns.length > 0) problems.push('it delegates to name servers ("ns"), so resolvers ignore the ip/ip6 the router publishes');
  if (problems.length > 0) return { status: 'warn', message: `${domain} imports ${ddName}, but ${problems.join('; ')}`, fix: `set ${domain} to ${want} (plus your tls pin)` };
  const tls = 'tls' in v || (typeof v.map === 'object' && v.map !== null && JSON.stringify(v.map).includes('"tls"'));
  return { status: 'ok', message: `${domain} imports ${ddName} with ns/ds pinned${tls ? ' and a TLS pin' : ' (no TLS pin: fine if you do not serve TLS)'}` };
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const report: DoctorReport = { ok: false, name: null, hotAddress: null, checks };
  const add = (c: DoctorCheck) => checks.push(c);

  let config: Config;
  try {
    const loaded = loadConfig(opts.configPath, opts.section);
    config = loaded.config;
    report.name = config.name;
    add({ id: 'config', status: loaded.warnings.length ? 'warn' : 'ok', message: `${loaded.file} is valid${loaded.warnings.length ? `; ${loaded.warnings.join('; ')}` : ''}` });
  } catch (e) {
    add({ id: 'config', status: 'fail', message: classifyError(e).message, fix: "correct the option named; 'nmcddns --help' lists them" });
    return finish(report);
  }

  let key: HotKey | undefined;
  try {
    key = maskHotKey(opts.log, loadHotKey(config.keyFile, getNetwork(config.network)));
    report.hotAddress = hotAddress(key);
    add({ id: 'key', status: 'ok', message: `${config.keyFile}: mode 0600, ${key.addressType} hot address ${hotAddress(key)}` });
  } catch (e) {
    add({ id: 'key', status: 'fail', message: (e as Error).message, fix: (e as Error).message.includes('chmod') ? `chmod 600 ${config.keyFile}` : 'nmcddns keygen' });
  }

  // Reachability first: it needs no chain.
  try {
    const verdict = await opts.ports.reachability(netifOptions(config, readStatus(config.stateDir)?.addresses?.ipv6.address ?? undefined));
    const fams = [['IPv4', verdict.ipv4], ['IPv6', verdict.ipv6]] as const;
    const published = fams.filter(([, v]) => v.address !== null);
    const warnings = fams.flatMap(([f, v]) => v.warnings.map((w) => `${f}: ${w}`));
    const text = fams.map(([f, v]) => `${f} ${v.address ?? 'none'} (${v.via}): ${v.reason}`).join('; ');
    add({
      id: 'reachability',
      status: published.length === 0 ? 'fail' : warnings.length > 0 ? 'warn' : 'ok',
      message: warnings.length > 0 ? `${text}; ${warnings.join('; ')}` : text,
      ...(published.length === 0 ? { fix: 'nothing would be published: check ip4_source/ip6_source, the WAN link, and UPnP on the upstream router' } : {}),
    });
  } catch (e) {
    add({ id: 'reachability', status: 'fail', message: `reachability check failed: ${(e as Error).message}` });
  }

  let clients: readonly ElectrumClient[] = [];
  let sessions: ChainSessions | undefined;
  try {
    // Every server, not just min_servers: the doctor reports on each and compares their answers.
    sessions = await openSessions(config, 1, 'all');
    clients = sessions.clients;
    const failures = sessions.failures;
    const pinFailures = failures.filter((f) => f.error.code === 'tls-pin');
    add({
      id: 'servers',
      status: clients.length < config.minServers ? 'fail' : failures.length > 0 ? 'warn' : 'ok',
      message: `${clients.length} of ${clients.length + failures.length} servers answer (min_servers ${config.minServers})${failures.length ? `: ${failures.map((f) => f.error.message).join('; ')}` : ''}`,
      ...(clients.length < config.minServers ? { fix: 'add working servers (option server) or lower min_servers' } : {}),
    });
    add(
      pinFailures.length > 0
        ? { id: 'pins', status: 'fail', message: pinFailures.map((f) => f.error.message).join('; '), fix: `confirm the new certificate out of band, then nmcddns pins --forget host:port` }
        : { id: 'pins', status: 'ok', message: `TLS certificates match the pins (${config.serverFingerprint.length} configured, the rest trust on first use in ${config.pinFile})` },
    );
  } catch (e) {
    add({ id: 'servers', status: 'fail', message: (e as Error).message, fix: 'check the server option and the network connection' });
  }

  if (key !== undefined && clients.length > 0) {
    try {
      const state = await lookupAgreedNameState(clients, { name: config.name, hotScript: hotScript(key), network: key.network }, { minServers: config.minServers });
      add({ id: 'name', status: 'ok', message: `${config.name} is at the hot address (${state.servers.length === 1 ? '1 server says so' : `${state.servers.length} servers agree`}): ${state.confirmed?.value ?? state.nameCoin?.nameValue}` });
      if (state.expiresIn !== null) {
        const e = state.expiresIn;
        add(
          e < 2
            ? { id: 'expiry', status: 'fail', message: `${config.name} has expired (expires_in ${e})`, fix: 'register the name again (name_new, name_firstupdate) to the hot address' }
            : e <= config.renewBlocks
              ? { id: 'expiry', status: 'warn', message: `${config.name} expires in ${e} blocks, renewal is due: the next update renews it` }
              : { id: 'expiry', status: 'ok', message: `${config.name} expires in ${e} blocks (renewal at ${config.renewBlocks})` },
        );
      }
      const fees = state.feeCoins.reduce((s, c) => s + c.value, 0);
      const surplus = state.nameCoin ? Math.max(0, state.nameCoin.value - key.network.minNameAmount) : 0;
      const left = updatesLeft(fees + surplus, config.feeRate ?? state.feeRate);
      const coins = `${state.feeCoins.length} fee coin${state.feeCoins.length === 1 ? '' : 's'}`;
      const fund = setupPlan(config.name, hotAddress(key), config.network).steps.find((s) => s.title.startsWith('Fund'))?.command;
      add(
        left === 0
          ? { id: 'funds', status: 'fail', message: `the hot address has ${fees} sat in ${coins}: not enough for one update`, fix: fund ?? 'fund the hot address' }
          : left < 10
            ? { id: 'funds', status: 'warn', message: `about ${left} updates left (${fees + surplus} sat)`, fix: fund ?? 'fund the hot address' }
            : { id: 'funds', status: 'ok', message: `about ${left} updates left (${fees} sat in ${coins}${surplus ? `, ${surplus} sat surplus in the name coin` : ''})` },
      );
    } catch (e) {
      const chainE = e instanceof ChainError ? e : undefined;
      const step = setupPlan(config.name, hotAddress(key), config.network).steps[0]!;
      add({
        id: 'name',
        status: 'fail',
        message: classifyError(e).message,
        ...(chainE?.code === 'name-not-owned' || chainE?.code === 'name-not-found' ? { fix: `${step.title}: ${step.command}` } : {}),
      });
    }
    const domain = opts.domain ?? defaultDomain(config.name);
    if (domain !== config.name) {
      try {
        const d = await latestValue(clients[0]!, domain, config);
        if (d === null) add({ id: 'import', status: 'fail', message: `${domain} is not registered (or ${clients[0]!.server.url} does not know it)`, fix: `register ${domain}, or pass doctor --domain d/NAME` });
        else add({ id: 'import', ...checkImport(domain, d.value, config.name) });
      } catch (e) {
        add({ id: 'import', status: 'fail', message: `could not read ${domain}: ${(e as Error).message}` });
      }
    }
  }
  await sessions?.close();
  return finish(report);
}

function finish(r: DoctorReport): DoctorReport {
  r.ok = r.checks.every((c) => c.status !== 'fail');
  return r;
}

export function formatDoctor(r: DoctorReport): string {
  const mark: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
  const lines = r.checks.map((c) => `[${mark[c.status]}] ${c.id}: ${c.message}${c.fix ? `\n       fix: ${c.fix}` : ''}`);
  lines.push(r.ok ? 'nothing blocks updates' : 'fix the FAIL lines above; until then the router cannot keep the .bit domain pointing at it');
  return lines.join('\n');
}
