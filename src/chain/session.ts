// What a run uses: min_servers sessions (no more: the public servers are few and every router
// polls them; a session that breaks during the lookup is replaced by the next candidate), one
// agreed name state, one broadcast, one close. The order (open → lookup → sign elsewhere →
// broadcast → close) stays in the run; this only bundles the pieces so every caller applies the
// same checks.
import { agreeNameStates, isAnswer, lookupAnswers, type AgreedNameState } from './agree.ts';
import { broadcastToAll, type BroadcastReport } from './broadcast.ts';
import type { ElectrumClient } from './electrum.ts';
import { ChainError } from './errors.ts';
import { closeAll, connectAll, connectEnough, describeFailures, shuffleServers, withDeadline, type FailoverOptions, type ServerFailure } from './failover.ts';
import type { NameStateQuery } from './namestate.ts';
import { parseFingerprintList, PinStore } from './pins.ts';
import { GENESIS_HASHES, operatorOf, resolveServers, type BuiltinServer, type ServerAddress } from './servers.ts';

export interface ChainSettings {
  /** Config `network`. */
  network: 'mainnet' | 'testnet' | 'regtest';
  /** Config `server`; empty or undefined = the built-in list. */
  servers?: readonly string[];
  /** Config `server_fingerprint` (`host:port=hex`). */
  serverFingerprints?: readonly string[];
  /** Config `pin_file`. */
  pinFile?: string;
  /** Config `min_servers`: how many sessions are opened, and how many must agree. */
  minServers: number;
  /**
   * 'enough' (default): open min_servers sessions, moving down the candidates past those that
   * fail. 'all': try every server at once, for diagnostics that report on each of them.
   */
  connect?: 'enough' | 'all';
  /**
   * Order of the built-in default list, a fresh crypto-random shuffle per run unless a test
   * injects its own. A configured `server` list is never reordered: its order is the user's
   * preference.
   */
  order?: (servers: readonly ServerAddress[]) => ServerAddress[];
  /**
   * Replaces the network's built-in list (with its operator labels) when no `server` is
   * configured: tests use it so that nothing contacts the public servers.
   */
  builtin?: readonly BuiltinServer[];
  /** Transport knobs (timeouts, line cap, run deadline); tests shorten them. */
  transport?: FailoverOptions;
}

export class ChainSessions {
  private readonly open: ElectrumClient[];
  private readonly failed: ServerFailure[];
  private readonly spare: ServerAddress[];

  constructor(
    clients: readonly ElectrumClient[],
    /** Servers that could not be used at all (connect, pin, protocol, genesis). */
    failures: readonly ServerFailure[],
    private readonly minServers: number,
    /** Candidates not tried yet, in order: they replace a session that breaks during the lookup. */
    spare: readonly ServerAddress[] = [],
    /** How replacements connect (the run's deadline signal included). */
    private readonly transport: FailoverOptions = {},
    /** The candidates are the built-in list: a shortfall gets the built-in list's advice. */
    private readonly builtin = false,
  ) {
    this.open = [...clients];
    this.failed = [...failures];
    this.spare = [...spare];
  }

  /** The open sessions (replacements included). */
  get clients(): readonly ElectrumClient[] {
    return this.open;
  }

  /** Servers that could not be used at all (connect, pin, protocol, genesis). */
  get failures(): readonly ServerFailure[] {
    return this.failed;
  }

  /**
   * The name state all open sessions agree on (min_servers of them), or a fail-closed error.
   * A session that negotiated but then broke or was caught in a checkable lie during the lookup
   * (timeout, dropped, malformed or self-contradicting reply) is replaced by the next untried
   * candidate, so one broken server early in a configured list does not stop every run. Verdicts
   * about the name and disagreements are never retried elsewhere: they are answers.
   */
  async lookup(query: NameStateQuery): Promise<AgreedNameState> {
    const answers = await lookupAnswers(this.open, query);
    for (;;) {
      const answered = answers.filter(isAnswer);
      const need = this.minServers - answered.length;
      if (need <= 0 || this.spare.length === 0) break;
      // A replacement must be another opinion: not an operator that already answered (the
      // broken session's operator is free again: its next machine may be fine).
      const answeredBy = new Set(answered.map((a) => a.server));
      const inUse = this.open.filter((c) => answeredBy.has(c.server.url)).map((c) => operatorOf(c.server));
      const { clients, failures } = await connectEnough(this.spare, need, this.transport, inUse);
      // Only candidates of operators already answering are left: nothing more to try.
      if (clients.length === 0 && failures.length === 0) break;
      const tried = new Set([...clients.map((c) => c.server.url), ...failures.map((f) => f.server)]);
      this.spare.splice(0, this.spare.length, ...this.spare.filter((s) => !tried.has(s.url)));
      this.open.push(...clients);
      this.failed.push(...failures);
      answers.push(...(await lookupAnswers(clients, query)));
    }
    try {
      return agreeNameStates(query.name, answers, { minServers: this.minServers, failures: this.failed });
    } catch (e) {
      if (!(this.builtin && e instanceof ChainError && e.code === 'too-few-servers')) throw e;
      const operators = this.open.filter((c) => answers.some((a) => isAnswer(a) && a.server === c.server.url)).map((c) => operatorOf(c.server));
      throw new ChainError('too-few-servers', `${e.message}. ${builtinAdvice(operators, this.minServers)}`, e.server, { cause: e });
    }
  }

  /** Broadcast to every open session; `txid` is the locally computed one. */
  broadcast(rawHex: string, txid: string): Promise<BroadcastReport> {
    return broadcastToAll(this.open.filter((c) => !c.isClosed), rawHex, txid);
  }

  close(): Promise<void> {
    return closeAll(this.open);
  }
}

/**
 * The servers to try, best first: the configured list as given, or the built-in list (or
 * `builtin`) shuffled (`order`, default a crypto-random shuffle), with its operator labels.
 */
export function candidateServers(settings: Pick<ChainSettings, 'network' | 'servers' | 'order' | 'builtin'>): ServerAddress[] {
  const servers = resolveServers(settings.servers, settings.network, settings.builtin);
  return isConfigured(settings) ? servers : (settings.order ?? shuffleServers)(servers);
}

function isConfigured(settings: Pick<ChainSettings, 'servers'>): boolean {
  return settings.servers !== undefined && settings.servers.length > 0;
}

/**
 * What to do when the built-in list yields fewer independent servers than min_servers: the
 * public Namecoin servers are few and several names are one machine, so the fix is the user's
 * (a server they trust, or accepting one operator's word), not a retry.
 */
export function builtinAdvice(operators: readonly string[], minServers: number): string {
  const n = operators.length;
  const addOne = "add a server you trust (list server 'tls://host:port')";
  if (n === 0) return `no built-in Electrum server answered; min_servers is ${minServers}: check that the router reaches the internet, or ${addOne}`;
  const who = n === 1 ? 'one operator' : `${n} operators`;
  return `only ${n} independent Electrum server${n === 1 ? '' : 's'} answered (${operators.join(', ')}); min_servers is ${minServers}: ${addOne} or set min_servers ${n} to rely on ${who}`;
}

/**
 * Open min_servers sessions of distinct operators (connectEnough over candidateServers), all
 * within the run deadline; fails with 'too-few-servers', naming every failed server, unless
 * that many negotiate. With the built-in list the error says what to do about it (builtinAdvice)
 * and which candidates were passed over as the same operator as a session.
 */
export async function openChain(settings: ChainSettings): Promise<ChainSessions> {
  const servers = candidateServers(settings);
  const builtin = !isConfigured(settings);
  const pins = new PinStore({ file: settings.pinFile, configured: parseFingerprintList(settings.serverFingerprints ?? []) });
  // One run deadline for the first sessions and any replacement opened during the lookup.
  const options: FailoverOptions = { ...withDeadline({ ...settings.transport, pins, genesisHash: GENESIS_HASHES[settings.network] }), runTimeoutMs: 0 };
  const { clients, failures } = settings.connect === 'all' ? await connectAll(servers, options) : await connectEnough(servers, settings.minServers, options);
  const tried = new Set([...clients.map((c) => c.server.url), ...failures.map((f) => f.server)]);
  const spare = servers.filter((s) => !tried.has(s.url));
  if (clients.length < settings.minServers) {
    await closeAll(clients);
    if (builtin) {
      const operators = clients.map((c) => operatorOf(c.server));
      const passed = spare.filter((s) => operators.includes(operatorOf(s))).map((s) => s.url);
      const passedNote = passed.length > 0 ? ` Not used, same operator as a session: ${passed.join(', ')}.` : '';
      throw new ChainError('too-few-servers', `${builtinAdvice(operators, settings.minServers)}; publishing nothing.${passedNote} ${describeFailures(failures)}`.trimEnd());
    }
    throw new ChainError(
      'too-few-servers',
      `only ${clients.length} of ${servers.length} Electrum servers could be used, min_servers is ${settings.minServers}; publishing nothing. ${describeFailures(failures)}`,
    );
  }
  return new ChainSessions(clients, failures, settings.minServers, spare, options, builtin);
}
