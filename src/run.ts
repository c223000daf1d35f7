// The way of one run, in order (DESIGN.md): reachability → value → name state → decide → sign →
// broadcast → status. This is the only file that knows the order; every step is a module of its
// own, and the network-facing ones come in through `RunPorts` so the order can be exercised
// against the simulator and, on the router, against the real servers and netifd.
import type { AgreedNameState as ChainNameState } from './chain/agree.ts';
import type { Config } from './config/schema.ts';
import { decide, type ChainView, type Decision } from './decide/decide.ts';
import { renewalMayBeDue } from './decide/expiry.ts';
import { replacementPolicy, replacementShortfall, updatesLeft } from './decide/fees.ts';
import type { Logger } from './log.ts';
import type { NetifOptions, ReachabilityVerdict } from './netif/types.ts';
import { hotAddress, type HotKey } from './sign/keys.ts';
import { buildNameUpdate, type Coin, type SignedNameUpdate } from './sign/update.ts';
import type { FeePolicy } from './sign/fees.ts';
import { readStatus, writeRetryAt, writeStatus, emptyStatus, type RunAction, type StatusCache, type AddressStatus } from './state/status.ts';
import { buildValue } from './value/build.ts';

/** Exit codes of the CLI (documented in `nmcddns --help`). */
export const EXIT = {
  ok: 0,
  refused: 1,
  usage: 2,
  config: 3,
  key: 4,
  chain: 5,
  fee: 6,
  unreachable: 7,
} as const;

/**
 * The name state the servers agree on: the part of src/chain's answer the run reads (a narrower
 * port, so the pipeline can be driven by a stand-in without a whole chain answer).
 */
export type AgreedNameState = Pick<
  ChainNameState,
  'tipHeight' | 'nameCoin' | 'confirmed' | 'expiresIn' | 'expired' | 'pending' | 'feeCoins' | 'feeRate' | 'servers'
>;

export interface BroadcastReport {
  /** At least one server accepted the transaction with the right txid. */
  accepted: boolean;
  results: { server: string; ok: boolean; message: string }[];
}

export interface ChainSession {
  nameState(): Promise<AgreedNameState>;
  broadcast(hex: string, txid: string): Promise<BroadcastReport>;
  close(): Promise<void>;
}

export interface RunPorts {
  reachability(options: NetifOptions): Promise<ReachabilityVerdict>;
  openChain(config: Config, key: HotKey): Promise<ChainSession>;
  now(): number;
}

export interface RunResult {
  action: RunAction;
  reason: string;
  exitCode: number;
  txid?: string;
  /** Set by --dry-run: the transaction was signed but not sent. */
  dryRun?: boolean;
  tx?: { txid: string; hex: string; vsize: number; fee: number; feeRate: number };
  value: string | null;
  addresses: { ipv4: AddressStatus; ipv6: AddressStatus } | null;
  chain: StatusCache['chain'];
  funds: StatusCache['funds'];
  /** Which exception class stopped the run, for exit-code mapping. */
  error?: string;
  /** Held back by min_interval: when (ms since the epoch) the next transaction may go. */
  retryAt?: number;
}

export function netifOptions(config: Config, previousIp6: string | undefined): NetifOptions {
  const o: NetifOptions = {
    ip4Source: config.ip4Source,
    ip4Interface: config.ip4Interface,
    ip6Source: config.ip6Source,
    ip6Interface: config.ip6Interface,
    ports: config.port,
    upnp: config.upnp,
    ip6Firewall: config.ip6Firewall,
    // Mappings are renewed by each run: a lease of two periodic checks (at least the usual hour)
    // survives one missed check, and a check_interval above an hour no longer lets them lapse.
    upnpLeaseSeconds: Math.max(3600, 2 * 60 * config.checkInterval),
  };
  if (config.ip4Address !== undefined) o.ip4Address = config.ip4Address;
  if (config.ip6Address !== undefined) o.ip6Address = config.ip6Address;
  // A suffix needs a delegated prefix to go under; with another source the config reader has
  // warned that it is ignored, and it must stay ignored (LuCI keeps the field filled).
  if (config.ip6Suffix !== undefined && (config.ip6Source === 'ubus' || config.ip6Source === 'interface')) o.ip6Suffix = config.ip6Suffix;
  if (config.script !== undefined) o.script = config.script;
  if (previousIp6 !== undefined) o.previousIp6 = previousIp6;
  return o;
}

const PAST: Record<'update' | 'renew' | 'replace', RunAction> = { update: 'updated', renew: 'renewed', replace: 'replaced' };

/** A failure that ends the run with a given action and exit code, raised inside the pipeline. */
export class RunStop extends Error {
  constructor(readonly action: RunAction, readonly exitCode: number, message: string) {
    super(message);
    this.name = 'RunStop';
  }
}

export interface RoundOptions {
  config: Config;
  key: HotKey;
  log: Logger;
  ports: RunPorts;
  dryRun?: boolean;
  /** Maps an exception to an exit code (the CLI's table). */
  classify(e: unknown): { exitCode: number; message: string };
}

function addressStatus(v: ReachabilityVerdict['ipv4']): AddressStatus {
  return { address: v.address, via: v.via, reason: v.reason };
}

/**
 * One round: observe, decide, maybe send, and record the status. Never throws: every failure
 * becomes a RunResult with the action `refused` and its exit code, so the caller always has
 * something to print and to cache.
 */
export async function runRound(opts: RoundOptions): Promise<RunResult> {
  const { config, key, log, ports } = opts;
  const startedAt = ports.now();
  // A cache written for another name (the config changed) says nothing about this one.
  const any = readStatus(config.stateDir);
  const cached = any !== null && any.name === config.name ? any : null;
  const result: RunResult = { action: 'refused', reason: '', exitCode: EXIT.refused, value: null, addresses: null, chain: null, funds: null };
  let session: ChainSession | undefined;
  let sent: { txid: string; value: string } | undefined;
  try {
    // 1. Which addresses the world can reach.
    const verdict = await ports.reachability(netifOptions(config, cached?.addresses?.ipv6.address ?? undefined));
    result.addresses = { ipv4: addressStatus(verdict.ipv4), ipv6: addressStatus(verdict.ipv6) };
    for (const [fam, v] of [['IPv4', verdict.ipv4], ['IPv6', verdict.ipv6]] as const) {
      log.info(`${fam}: ${v.address ?? 'nothing to publish'} (${v.via}): ${v.reason}`);
      for (const w of v.warnings) log.warn(`${fam}: ${w}`);
    }

    // 2. The value those addresses call for.
    const nothing = verdict.ipv4.address === null && verdict.ipv6.address === null;
    const desired = nothing ? null : buildValue({ ipv4: verdict.ipv4.address, ipv6: verdict.ipv6.address }, config.template).text;
    result.value = desired;
    const unreachable = `IPv4: ${verdict.ipv4.reason}; IPv6: ${verdict.ipv6.reason}`;
    if (desired === null) {
      // Nothing to publish: no reason to load the servers (with the WAN down they are out of
      // reach anyway), unless the name may be near expiry and must be renewed as it stands.
      const lookedAt = cached?.chain && cached.chainCheckedAt ? Date.parse(cached.chainCheckedAt) : NaN;
      const lastLook = cached?.chain && Number.isFinite(lookedAt) ? { expiresIn: cached.chain.expiresIn, at: lookedAt } : null;
      if (!renewalMayBeDue(lastLook, config.renewBlocks, startedAt, config.network)) {
        return finish(result, 'refused', EXIT.unreachable, `nothing to publish: ${unreachable}`);
      }
      log.info('nothing reachable to publish, but renewal may be due: asking the servers about the name anyway');
    } else {
      log.debug(`value to publish: ${desired}`);
    }

    // 3. What the chain says (servers must agree; src/chain fails closed otherwise).
    let state: AgreedNameState;
    try {
      session = await ports.openChain(config, key);
      state = await session.nameState();
    } catch (e) {
      if (desired !== null || e instanceof RunStop) throw e;
      // Only the expiry check failed: the run's answer is still "nothing to publish".
      return finish(result, 'refused', EXIT.unreachable, `nothing to publish: ${unreachable}; checking whether the name needs renewing failed too: ${opts.classify(e).message}`);
    }
    result.chain = chainStatus(state);
    result.funds = fundsStatus(state, key);
    if (state.confirmed === null || state.expiresIn === null) {
      return finish(result, 'waiting', EXIT.ok, `the registration of ${config.name} is not confirmed yet; nothing can be done until it is mined`);
    }
    log.info(`on chain: ${state.confirmed.value} (height ${state.confirmed.height}, expires in ${state.expiresIn} blocks)${state.pending ? `; pending ${state.pending.txid}: ${state.pending.value}` : ''}`);

    // 4. Decide.
    const view: ChainView = { value: state.confirmed.value, expiresIn: state.expiresIn, expired: state.expired, pending: state.pending };
    const lastAt = cached?.lastBroadcast ? Date.parse(cached.lastBroadcast.at) : null;
    const decision: Decision = decide({
      desired,
      unreachable,
      chain: view,
      renewBlocks: config.renewBlocks,
      minIntervalMs: config.minInterval * 1000,
      now: startedAt,
      lastBroadcastAt: lastAt !== null && Number.isFinite(lastAt) ? lastAt : null,
    });
    log.info(`decision: ${decision.action}: ${decision.reason}`);
    switch (decision.action) {
      case 'unchanged':
        return finish(result, 'unchanged', EXIT.ok, decision.reason);
      case 'waiting':
        // Rate-limited: nothing wakes a finished run, so the status cache says when to start the next.
        if (decision.until !== undefined) result.retryAt = decision.until;
        return finish(result, 'waiting', EXIT.ok, decision.reason);
      case 'refused':
        return finish(result, 'refused', decision.code === 'unreachable' ? EXIT.unreachable : EXIT.refused, decision.reason);
      default:
        break;
    }

    // 5. Sign.
    // A server estimate above max_fee_rate is passed on as it is: the signer refuses it with its
    // message, and the owner decides whether to raise the cap.
    const fee: FeePolicy = { feeRate: config.feeRate ?? state.feeRate, maxFee: config.maxFee, maxFeeRate: config.maxFeeRate };
    let nameCoin: Coin;
    let feeCoins: Coin[];
    if (decision.action === 'replace') {
      // The name state already holds the pending transaction's inputs (chain/namestate.ts).
      const pending = state.pending!;
      if (pending.nameInput === null) throw new RunStop('refused', EXIT.chain, `pending ${pending.txid} spends no name coin of ${config.name} that the servers show; cannot replace it`);
      nameCoin = pending.nameInput;
      const spentAgain = new Set(pending.feeInputs.map((c) => `${c.txid}:${c.vout}`));
      // Never a coin the pending transaction created: the replacement would spend its own conflict.
      // Confirmed coins before unconfirmed ones: nodes before Core 31's cluster mempool still
      // refuse a replacement that adds an unconfirmed input (BIP125 rule 2).
      const more = state.feeCoins.filter((c) => c.txid !== pending.txid && !spentAgain.has(`${c.txid}:${c.vout}`));
      feeCoins = [...pending.feeInputs, ...more.filter((c) => c.height > 0), ...more.filter((c) => c.height <= 0)];
      const grow = new TextEncoder().encode(decision.value).length - new TextEncoder().encode(decision.replaces.value).length;
      const p = replacementPolicy(decision.replaces, fee.feeRate, decision.replaces.vsize + Math.max(0, grow) + 4);
      if (p.feeRate > config.maxFeeRate) {
        // The signer would refuse it as "rate above the cap"; say what actually blocks it.
        throw new RunStop(
          'refused',
          EXIT.fee,
          `pending update ${decision.replaces.txid} pays ${decision.replaces.feeRate} sat/vB; replacing it needs more than that (${p.feeRate} sat/vB), above max_fee_rate ${config.maxFeeRate}: raise max_fee_rate, or let the pending update confirm and the next run updates the value`,
        );
      }
      fee.feeRate = p.feeRate;
      fee.minFee = p.minFee!;
    } else {
      if (state.nameCoin === null) throw new RunStop('refused', EXIT.refused, `${config.name}: no name coin at the hot address ${hotAddress(key)}`);
      nameCoin = state.nameCoin;
      feeCoins = state.feeCoins;
    }
    const sign = (): SignedNameUpdate =>
      buildNameUpdate({ key, name: config.name, value: decision.value, nameCoin, feeCoins, fee, expiresIn: state.expiresIn! });
    let tx = sign();
    // A higher floor can change the size (another fee input, the change output gone), and so
    // the floor itself: sign again until BIP125 is met, a few rounds at most. Still short, the
    // node refuses it with its reason and nothing is lost.
    for (let round = 0; decision.action === 'replace' && round < 3; round++) {
      const short = replacementShortfall(decision.replaces, tx);
      if (short === 0) break;
      fee.minFee = tx.fee + short;
      tx = sign();
    }
    log.info(`signed ${tx.txid}: ${tx.vsize} vB, fee ${tx.fee} sat (${Number(tx.feeRate.toFixed(2))} sat/vB)${decision.action === 'replace' ? `, replacing ${decision.replaces.txid}` : ''}`);
    result.tx = { txid: tx.txid, hex: tx.hex, vsize: tx.vsize, fee: tx.fee, feeRate: tx.feeRate };
    const action = PAST[decision.action];
    if (opts.dryRun) {
      result.dryRun = true;
      return finish(result, action, EXIT.ok, `dry run, not sent: ${decision.reason}`);
    }

    // 6. Broadcast to every agreeing server.
    const report = await session.broadcast(tx.hex, tx.txid);
    for (const r of report.results) (r.ok ? log.info : log.warn)(r.message);
    if (!report.accepted) {
      // Each message names its server already.
      const why = report.results.map((r) => r.message).join('; ');
      return finish(result, 'refused', EXIT.chain, `no server accepted ${tx.txid}: ${why}`);
    }
    sent = { txid: tx.txid, value: decision.value };
    result.txid = tx.txid;
    result.chain = result.chain ? { ...result.chain, pending: { txid: tx.txid, value: decision.value } } : null;
    return finish(result, action, EXIT.ok, decision.reason);
  } catch (e) {
    if (e instanceof RunStop) return finish(result, e.action, e.exitCode, e.message);
    const { exitCode, message } = opts.classify(e);
    result.error = (e as Error)?.name;
    return finish(result, 'refused', exitCode, message);
  } finally {
    if (session) await session.close().catch(() => undefined);
    if (!opts.dryRun) {
      recordStatus(config, key, cached, result, startedAt, ports.now(), sent);
    }
    (result.exitCode === 0 ? log.info : log.error)(`${result.action}: ${result.reason}`);
  }
}

function finish(r: RunResult, action: RunAction, exitCode: number, reason: string): RunResult {
  r.action = action;
  r.exitCode = exitCode;
  r.reason = reason;
  return r;
}

function chainStatus(s: AgreedNameState): StatusCache['chain'] {
  if (s.confirmed === null || s.expiresIn === null) return null;
  return {
    value: s.confirmed.value,
    height: s.confirmed.height,
    expiresIn: s.expiresIn,
    tipHeight: s.tipHeight,
    pending: s.pending ? { txid: s.pending.txid, value: s.pending.value } : null,
  };
}

function fundsStatus(s: AgreedNameState, key: HotKey): StatusCache['funds'] {
  const fees = s.feeCoins.reduce((sum, c) => sum + c.value, 0);
  const surplus = s.nameCoin ? Math.max(0, s.nameCoin.value - key.network.minNameAmount) : 0;
  return { feeCoins: s.feeCoins.length, balanceSat: fees + (s.nameCoin?.value ?? 0), updatesLeft: updatesLeft(fees + surplus, s.feeRate) };
}

function recordStatus(config: Config, key: HotKey, cached: StatusCache | null, r: RunResult, startedAt: number, finishedAt: number, sent: { txid: string; value: string } | undefined): void {
  const status: StatusCache = cached ?? emptyStatus(config.name, config.network, hotAddress(key));
  status.hotAddress = hotAddress(key);
  status.network = config.network;
  status.lastRun = {
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    action: r.action,
    reason: r.reason,
    txid: r.txid ?? null,
    exitCode: r.exitCode,
  };
  if (sent) status.lastBroadcast = { at: new Date(finishedAt).toISOString(), txid: sent.txid, value: sent.value };
  if (r.addresses) status.addresses = r.addresses;
  if (r.value !== null) status.value = r.value;
  if (r.chain) {
    status.chain = r.chain;
    status.chainCheckedAt = new Date(finishedAt).toISOString();
  }
  if (r.funds) status.funds = r.funds;
  // Every finished round replaces the alarm: only a round held back by min_interval leaves one.
  status.retryAt = r.retryAt !== undefined ? new Date(r.retryAt).toISOString() : null;
  try {
    writeStatus(config.stateDir, status);
    writeRetryAt(config.stateDir, r.retryAt ?? null);
  } catch {
    // A status cache that cannot be written (full tmpfs) must not turn a sent update into a failure.
  }
}
