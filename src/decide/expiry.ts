// Whether a run that has nothing to publish should still ask the servers about the name.
// It must, when renewal may be due (an expired dd/ name is anyone's to register, and d/ still
// imports it); it should not otherwise, because every router behind a CGNAT would then load
// the few public servers on each periodic check for nothing. Pure: the run passes what the
// status cache remembers of the last look at the chain.

/** Namecoin's target block interval. */
const BLOCK_MS = 10 * 60_000;
/**
 * Blocks can come faster than the target for days; counting them at twice the rate makes the
 * estimate of the current expires_in err towards "renewal may be due", i.e. towards looking.
 */
const SAFETY = 2;

export interface LastChainLook {
  /** expires_in the servers reported then. */
  expiresIn: number;
  /** When (ms since the epoch). */
  at: number;
}

export function renewalMayBeDue(last: LastChainLook | null, renewBlocks: number, now: number, network: string): boolean {
  // Regtest blocks come on demand: time says nothing about them.
  if (last === null || network === 'regtest') return true;
  // A look "in the future" means the clock went back: the estimate is worthless, look again.
  if (last.at > now) return true;
  const blocksSince = Math.ceil(((now - last.at) / BLOCK_MS) * SAFETY);
  return last.expiresIn - blocksSince <= renewBlocks;
}
