// Choosing servers: the first one that works (failover), or all that work (agreement,
// broadcast). A whole-run deadline bounds the time spent however many servers are dead.
import { ChainError } from './errors.ts';
import { connectElectrum, type ElectrumClient, type ElectrumOptions } from './electrum.ts';
import type { ServerAddress } from './servers.ts';

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
function withDeadline(options: FailoverOptions): ElectrumOptions & { signal: AbortSignal } {
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

/** Connect to every server at once; returns the sessions that negotiated and the failures. */
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

/** Close sessions, ignoring how each ends. */
export async function closeAll(clients: readonly ElectrumClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
}
