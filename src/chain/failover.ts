// Choosing servers: the first one that works (failover), as many as a run needs (agreement,
// broadcast), or all that work (diagnostics). A whole-run deadline bounds the time spent
// however many servers are dead. Public Namecoin servers are few and every router polls them,
// so a run opens only the sessions it uses.
import { randomInt } from 'node:crypto';
import { ChainError } from './errors.ts';
import { connectElectrum, type ElectrumClient, type ElectrumOptions } from './electrum.ts';
import { operatorOf, type ServerAddress } from './servers.ts';

/** Bound on finding servers, whatever the list length: 12 dead servers must not cost 2 minutes each. */
export const DEFAULT_RUN_TIMEOUT_MS = 90_000;

export interface ServerFailure {
  server: string;
  error: ChainError;
}

export interface FailoverOptions extends ElectrumOptions {
  /** Overall bound for trying servers and for the sessions found; default 90 s, 0 = none. */
  runTimeoutMs?: number;
}

/**
 * The deadline also reaches the sessions returned: they fail with 'aborted' once it passes,
 * so a run can never outlive it. runTimeoutMs 0 disables it (long-lived sessions).
 */
export function withDeadline(options: FailoverOptions): ElectrumOptions & { signal: AbortSignal } {
  const ms = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const signals = [options.signal, ms > 0 ? AbortSignal.timeout(ms) : undefined].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
  return { ...options, signal };
}

function asChainError(server: ServerAddress, e: unknown): ChainError {
  return e instanceof ChainError ? e : new ChainError('protocol', `${server.url}: ${(e as Error)?.message ?? String(e)}`, server.url, { cause: e });
}

/** One line per failed server, for the final error and the log. */
export function describeFailures(failures: readonly ServerFailure[]): string {
  return failures.map((f) => f.error.message).join('; ');
}

/**
 * Connect to the servers in order and return the first session that negotiates. Connection,
 * TLS-pin and protocol errors move on to the next server; when none works the error lists
 * what went wrong with each.
 */
export async function connectFirst(servers: readonly ServerAddress[], options: FailoverOptions = {}): Promise<{ client: ElectrumClient; failures: ServerFailure[] }> {
  if (servers.length === 0) throw new ChainError('no-server', 'no Electrum server is configured');
  const opts = withDeadline(options);
  const failures: ServerFailure[] = [];
  for (const server of servers) {
    if (opts.signal.aborted) {
      failures.push({ server: server.url, error: new ChainError('aborted', `${server.url}: not tried, the run deadline passed`, server.url) });
      continue;
    }
    try {
      return { client: await connectElectrum(server, opts), failures };
    } catch (e) {
      failures.push({ server: server.url, error: asChainError(server, e) });
    }
  }
  throw new ChainError('no-server', `no Electrum server could be used: ${describeFailures(failures)}`);
}

/** Connect to every server at once (diagnostics); returns the sessions that negotiated and the failures. */
export async function connectAll(servers: readonly ServerAddress[], options: FailoverOptions = {}): Promise<{ clients: ElectrumClient[]; failures: ServerFailure[] }> {
  const opts = withDeadline(options);
  const results = await Promise.allSettled(servers.map((s) => connectElectrum(s, opts)));
  const clients: ElectrumClient[] = [];
  const failures: ServerFailure[] = [];
  results.forEach((r, i) => {
    const server = servers[i]!;
    if (r.status === 'fulfilled') clients.push(r.value);
    else failures.push({ server: server.url, error: asChainError(server, r.reason) });
  });
  return { clients, failures };
}

/**
 * Connect to `want` servers of distinct operators: the first `want` candidates in parallel, and
 * each time one fails the next candidate in order, until `want` sessions negotiated or the
 * candidates run out. At most `want` connections are in flight, so a healthy list costs exactly
 * `want` connections.
 *
 * Two sessions to one operator are one opinion, so a candidate whose operator already has a
 * session, or a connection attempt in flight, or is in `operatorsInUse` (sessions the caller
 * already holds), is passed over; if that attempt fails, the operator's next candidate is tried
 * after all. Passed-over candidates appear neither in the sessions nor in the failures: they stay
 * available as replacements. Servers without an operator label (a configured list) each count as
 * their own, so for them this is plain "the first `want` that work".
 *
 * Returns the sessions (in candidate order, fewer than `want` when too few work: the caller
 * decides whether that is an error) and every failure, including candidates never tried
 * because the run deadline passed.
 */
export async function connectEnough(
  servers: readonly ServerAddress[],
  want: number,
  options: FailoverOptions = {},
  operatorsInUse: Iterable<string> = [],
): Promise<{ clients: ElectrumClient[]; failures: ServerFailure[] }> {
  if (!Number.isInteger(want) || want < 1) throw new RangeError(`connectEnough: want must be a whole number ≥ 1, got ${want}`);
  const opts = withDeadline(options);
  // Indexed by candidate position so the result does not depend on which reply came first.
  const clients: Array<ElectrumClient | undefined> = [];
  const failures: Array<ServerFailure | undefined> = [];
  const taken = servers.map(() => false);
  // Operators with a session or an attempt in flight: their other candidates wait.
  const busy = new Set(operatorsInUse);
  const nextCandidate = (): number => servers.findIndex((s, i) => !taken[i] && !busy.has(operatorOf(s)));
  // One lane per wanted session: a lane tries candidates one after another until one works. A
  // lane that finds only busy operators ends; the lane whose attempt fails frees its operator
  // and carries on, so no candidate that could still count is left behind.
  const lane = async (): Promise<void> => {
    for (let i = nextCandidate(); i >= 0; i = nextCandidate()) {
      taken[i] = true;
      const server = servers[i]!;
      if (opts.signal.aborted) {
        failures[i] = { server: server.url, error: new ChainError('aborted', `${server.url}: not tried, the run deadline passed`, server.url) };
        continue;
      }
      const operator = operatorOf(server);
      busy.add(operator);
      try {
        clients[i] = await connectElectrum(server, opts);
        return;
      } catch (e) {
        failures[i] = { server: server.url, error: asChainError(server, e) };
        busy.delete(operator);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(want, servers.length) }, lane));
  return {
    clients: clients.filter((c): c is ElectrumClient => c !== undefined),
    failures: failures.filter((f): f is ServerFailure => f !== undefined),
  };
}

/**
 * A uniformly random order (Fisher-Yates with crypto randomness): routers that use the built-in
 * list spread their load over the public servers, and a lying server is not always asked first.
 */
export function shuffleServers<T>(servers: readonly T[]): T[] {
  const out = [...servers];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Close sessions, ignoring how each ends. */
export async function closeAll(clients: readonly ElectrumClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
}
