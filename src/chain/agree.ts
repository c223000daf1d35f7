// Multi-server agreement. One Electrum server can hide the newest update, invent a name coin or
// lie about the tip; nothing in the protocol proves "this is the latest state". So with
// min_servers ≥ 2 the agent acts only when that many servers, queried independently, say the
// same thing about everything a transaction depends on. Any difference is a fail-closed error
// naming the servers and the field; the next run (a block later) usually agrees again.
import { ChainError } from './errors.ts';
import type { ElectrumClient } from './electrum.ts';
import { describeFailures, type ServerFailure } from './failover.ts';
import { lookupNameState, type FeeCoin, type NameState, type NameStateQuery } from './namestate.ts';

/** Tips may differ this much: servers learn of a block seconds apart. */
export const DEFAULT_TIP_WINDOW = 2;

export interface AgreementOptions {
  /** How many servers must answer and agree (config `min_servers`). */
  minServers: number;
  /** Largest allowed difference between tip heights; default 2. */
  tipWindow?: number;
  /** Servers that already failed to connect, for the error message. */
  failures?: readonly ServerFailure[];
}

export interface AgreedNameState extends NameState {
  /** Every server that answered and agreed. */
  servers: string[];
  /** Servers that failed (connection, timeout, a reply caught lying). */
  failures: ServerFailure[];
}

/** The answer of one server: a state, or an error. */
export type ServerAnswer = { server: string; state: NameState } | { server: string; error: ChainError };

/** Errors that are an answer about the name (all servers should say the same), not a broken server. */
const VERDICT_CODES = new Set(['name-not-found', 'name-not-owned']);

/** True if this answer counts towards min_servers: a state, or a verdict about the name. */
export function isAnswer(a: ServerAnswer): boolean {
  return 'state' in a || VERDICT_CODES.has(a.error.code);
}

function describeState(s: NameState, field: Field): string {
  switch (field) {
    case 'tip height':
      return String(s.tipHeight);
    case 'name coin':
      return s.nameCoin ? `${s.nameCoin.txid}:${s.nameCoin.vout}` : 'none';
    case 'name value':
      return JSON.stringify(s.nameCoin?.nameValue ?? null);
    case 'latest confirmed update':
      return s.confirmed ? `${s.confirmed.txid}:${s.confirmed.vout} at height ${s.confirmed.height}` : 'none';
    case 'pending update':
      return s.pending ? s.pending.txid : 'none';
  }
}

type Field = 'tip height' | 'name coin' | 'name value' | 'latest confirmed update' | 'pending update';
const FIELDS: readonly Field[] = ['name coin', 'name value', 'latest confirmed update', 'pending update'];

/**
 * Pure: combine the servers' answers into one state or a fail-closed error. The combined state
 * is the one with the highest tip (so the smallest expiresIn), fee coins only those every server
 * lists, and the highest fee and relay rates (the signer caps what it pays).
 */
export function agreeNameStates(name: string, answers: readonly ServerAnswer[], options: AgreementOptions): AgreedNameState {
  const tipWindow = options.tipWindow ?? DEFAULT_TIP_WINDOW;
  const failures: ServerFailure[] = [...(options.failures ?? [])];
  const states: NameState[] = [];
  const verdicts: { server: string; error: ChainError }[] = [];
  for (const a of answers) {
    if ('state' in a) states.push(a.state);
    else if (VERDICT_CODES.has(a.error.code)) verdicts.push(a);
    else failures.push({ server: a.server, error: a.error });
  }
  const answered = states.length + verdicts.length;
  if (answered < options.minServers) {
    const total = answers.length + (options.failures?.length ?? 0);
    throw new ChainError(
      'too-few-servers',
      `only ${answered} of ${total} Electrum servers answered about ${name}, min_servers is ${options.minServers}; publishing nothing` +
        (failures.length > 0 ? `. ${describeFailures(failures)}` : ''),
    );
  }
  if (verdicts.length > 0) {
    const codes = new Set(verdicts.map((v) => v.error.code));
    if (states.length === 0 && codes.size === 1) throw verdicts[0]!.error; // they all say the same
    const says = [
      ...verdicts.map((v) => `${v.server} says: ${v.error.message}`),
      ...states.map((s) => `${s.server} sees the name coin ${describeState(s, 'name coin')}`),
    ];
    throw new ChainError('disagree', `Electrum servers disagree about ${name}; publishing nothing. ${says.join('; ')}`);
  }

  const tips = states.map((s) => s.tipHeight);
  if (Math.max(...tips) - Math.min(...tips) > tipWindow) {
    throw disagreement(name, 'tip height', states, `more than ${tipWindow} blocks apart`);
  }
  for (const field of FIELDS) {
    const seen = new Set(states.map((s) => describeState(s, field)));
    if (seen.size > 1) throw disagreement(name, field, states);
  }

  const best = [...states].sort((a, b) => b.tipHeight - a.tipHeight)[0]!;
  const outpoint = (c: FeeCoin): string => `${c.txid}:${c.vout}`;
  const everywhere = states.map((s) => new Set(s.feeCoins.map(outpoint)));
  const estimates = states.map((s) => s.estimatedFeeRate).filter((r): r is number => r !== null);
  return {
    ...best,
    feeCoins: best.feeCoins.filter((c) => everywhere.every((set) => set.has(outpoint(c)))),
    feeRate: Math.max(...states.map((s) => s.feeRate)),
    relayFeeRate: Math.max(...states.map((s) => s.relayFeeRate)),
    estimatedFeeRate: estimates.length > 0 ? Math.max(...estimates) : null,
    servers: states.map((s) => s.server),
    failures,
  };
}

function disagreement(name: string, field: Field, states: readonly NameState[], note?: string): ChainError {
  const says = states.map((s) => `${s.server} says ${describeState(s, field)}`).join(', ');
  return new ChainError('disagree', `Electrum servers disagree about the ${field} of ${name}${note ? ` (${note})` : ''}: ${says}; publishing nothing`);
}

/** Look the name up on every session in parallel; each server's state or error. */
export async function lookupAnswers(clients: readonly ElectrumClient[], query: NameStateQuery): Promise<ServerAnswer[]> {
  const settled = await Promise.allSettled(clients.map((c) => lookupNameState(c, query)));
  return settled.map((r, i) => {
    const server = clients[i]!.server.url;
    if (r.status === 'fulfilled') return { server, state: r.value };
    const error = r.reason instanceof ChainError ? r.reason : new ChainError('protocol', `${server}: ${(r.reason as Error)?.message ?? String(r.reason)}`, server);
    return { server, error };
  });
}

/** Look the name up on every session in parallel and require agreement. */
export async function lookupAgreedNameState(clients: readonly ElectrumClient[], query: NameStateQuery, options: AgreementOptions): Promise<AgreedNameState> {
  return agreeNameStates(query.name, await lookupAnswers(clients, query), options);
}
