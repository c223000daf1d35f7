// The one place that decides whether to spend money. Pure: the run gathers the facts (the value
// the WAN addresses call for, the name's state on chain, when the agent last broadcast) and this
// function answers what to do and why, in a sentence the log, `update --json` and `status` show.
//
//   expired (or too close to expiry for an update to be mined)  → refused: the owner must re-register
//   nothing reachable, expires_in ≤ renew_blocks, none pending  → renew with the value already on chain
//   nothing reachable                                          → refused, with the reachability reasons
//   a pending update with the wanted value                     → waiting for a block
//   a pending update with an outdated value                    → replace it (RBF), never chain a second
//   on-chain value differs                                     → update
//   same value, expires_in ≤ renew_blocks                      → renew with that value
//   same value                                                 → nothing (never pay to re-send a value)
// Any new broadcast within min_interval of the last one waits instead: a flapping WAN costs one
// transaction and the last address wins, because the run after the interval sends whatever the
// address is then. Losing the status cache (tmpfs, reboot) only loses the timer; the chain's
// pending transaction still stops a second one.
import { sameValue } from '../value/compare.ts';

export interface PendingUpdate {
  txid: string;
  /** The value the pending transaction writes. */
  value: string;
  fee: number;
  vsize: number;
  /** sat/vB */
  feeRate: number;
}

/** What the chain says about the name (from the agreed Electrum name state). */
export interface ChainView {
  /** The value of the latest confirmed update. */
  value: string;
  expiresIn: number;
  expired: boolean;
  pending: PendingUpdate | null;
}

export interface DecideInput {
  /** The value the current addresses call for, or null when nothing may be published. */
  desired: string | null;
  /** Why nothing may be published (the reachability reasons), when desired is null. */
  unreachable?: string;
  chain: ChainView;
  renewBlocks: number;
  /** min_interval in milliseconds. */
  minIntervalMs: number;
  now: number;
  /** When this agent last broadcast (status cache), or null if unknown. */
  lastBroadcastAt: number | null;
}

export type Decision =
  | { action: 'unchanged'; reason: string }
  | { action: 'update'; value: string; reason: string }
  | { action: 'renew'; value: string; reason: string }
  | { action: 'replace'; value: string; replaces: PendingUpdate; reason: string }
  | { action: 'waiting'; reason: string; until?: number }
  | { action: 'refused'; code: 'expired' | 'unreachable'; reason: string };

/**
 * A NAME_UPDATE is only accepted while expires_in ≥ 2: at expires_in 1 the name coin has already
 * left Namecoin Core's UTXO set (fixtures/regtest/expiry: Core expires names for the height of the
 * next block).
 */
export const MIN_EXPIRES_IN = 2;

export function decide(input: DecideInput): Decision {
  const { chain, desired } = input;
  if (chain.expired || chain.expiresIn < MIN_EXPIRES_IN) {
    const when = chain.expired || chain.expiresIn <= 0 ? 'has expired' : `expires in ${chain.expiresIn} block, too soon for an update to be mined`;
    return {
      action: 'refused',
      code: 'expired',
      reason: `the name ${when} (expires_in ${chain.expiresIn}); its coin is gone, so the hot key can no longer update it: the owner must register it again (name_new, name_firstupdate) to the hot address`,
    };
  }
  // A last broadcast "in the future" means the clock went back since (NTP after a wrong boot
  // time): its timer would hold every change for as long as the clock was off, so it is ignored.
  const last = input.lastBroadcastAt !== null && input.lastBroadcastAt <= input.now ? input.lastBroadcastAt : null;
  const sinceLast = last === null ? Infinity : input.now - last;
  const rateLimited = sinceLast < input.minIntervalMs;
  const until = last === null ? undefined : last + input.minIntervalMs;
  const waitReason = (what: string): string =>
    `${what}, but the last transaction was sent ${Math.round(sinceLast / 1000)} s ago and min_interval is ${Math.round(input.minIntervalMs / 1000)} s; the next run after ${new Date(until ?? 0).toISOString()} sends the address of that moment`;

  if (desired === null) {
    const unreachable = input.unreachable ?? 'no reachable address';
    // Nothing may be published, but the name must not be lost: an expired dd/ name can be
    // registered by anyone, and d/ would go on importing it. Renewing re-writes only what the
    // chain already says (never an unchecked address), so it is the fail-closed choice too.
    if (chain.pending === null && chain.expiresIn <= input.renewBlocks) {
      if (rateLimited) return { action: 'waiting', reason: waitReason(`renewal is due (expires_in ${chain.expiresIn}) while nothing is reachable`), until: until! };
      return {
        action: 'renew',
        value: chain.value,
        reason: `nothing reachable to publish (${unreachable}), but the name expires in ${chain.expiresIn} blocks (renew_blocks ${input.renewBlocks}): renewing it with the value already on chain so it is not lost`,
      };
    }
    return { action: 'refused', code: 'unreachable', reason: `nothing to publish: ${unreachable}` };
  }

  if (chain.pending !== null) {
    const p = chain.pending;
    if (sameValue(p.value, desired)) {
      return { action: 'waiting', reason: `update ${p.txid} with this value is waiting for a block` };
    }
    if (rateLimited) return { action: 'waiting', reason: waitReason(`pending update ${p.txid} has an outdated value`), until: until! };
    return {
      action: 'replace',
      value: desired,
      replaces: p,
      reason: `pending update ${p.txid} writes ${p.value}, the addresses now call for ${desired}: replacing it (RBF) instead of chaining a second update`,
    };
  }
  if (!sameValue(chain.value, desired)) {
    if (rateLimited) return { action: 'waiting', reason: waitReason(`the value changed`), until: until! };
    return { action: 'update', value: desired, reason: `the value on chain is ${chain.value}, the addresses call for ${desired}` };
  }
  if (chain.expiresIn <= input.renewBlocks) {
    if (rateLimited) return { action: 'waiting', reason: waitReason(`renewal is due (expires_in ${chain.expiresIn})`), until: until! };
    return {
      action: 'renew',
      value: desired,
      reason: `the value is current but the name expires in ${chain.expiresIn} blocks (renew_blocks ${input.renewBlocks}): renewing it with the same value`,
    };
  }
  return { action: 'unchanged', reason: `the value on chain is already ${chain.value}; expires in ${chain.expiresIn} blocks` };
}
