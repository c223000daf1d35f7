// Fee arithmetic the decision needs around the signer: the floor a replacement must pay (BIP125
// as Namecoin Core applies it), and how many more updates the hot address can pay for.

/**
 * Incremental relay fee assumed for replacements, sat/vB. Namecoin Core's default is 0.1 sat/vB
 * (fixtures/regtest/rbf-and-chains: incrementalrelayfee 0.000001 NMC/kvB; a same-fee replacement
 * was refused "not enough additional fees to relay; 0.00 < 0.00000024"). Ten times that covers
 * nodes that raised it, for 2400 sat on a 240 vB transaction.
 */
export const INCREMENTAL_RELAY_FEE_RATE = 1;

export interface FeePolicy {
  /** sat/vB for the new transaction. */
  feeRate: number;
  /** Absolute floor the signer must pay, sat (undefined = none). */
  minFee?: number;
}

export interface Replaced {
  fee: number;
  vsize: number;
  feeRate: number;
}

/**
 * Fee policy for a replacement: BIP125 rules 3 and 4 (pay at least the old fee plus the
 * incremental rate times the new size) and Core's rule that the new fee rate must be higher.
 * `newVsize` is an estimate; check the signed result with `replacementShortfall`.
 */
export function replacementPolicy(old: Replaced, baseFeeRate: number, newVsize: number, incremental = INCREMENTAL_RELAY_FEE_RATE): FeePolicy {
  const feeRate = Math.max(baseFeeRate, Math.ceil((old.feeRate + incremental) * 1000) / 1000);
  const minFee = old.fee + Math.ceil(incremental * newVsize);
  return { feeRate, minFee };
}

/** How many sat the signed replacement lacks (0 when it satisfies BIP125 against `old`). */
export function replacementShortfall(old: Replaced, signed: { fee: number; vsize: number }, incremental = INCREMENTAL_RELAY_FEE_RATE): number {
  const byFee = old.fee + Math.ceil(incremental * signed.vsize) - signed.fee;
  // Strictly higher rate (fee / vsize > old.fee / old.vsize), in whole numbers: the rounded
  // old.feeRate could let a replacement a fraction of a sat below the old rate through.
  const byRate = Math.floor((old.fee * signed.vsize) / old.vsize) + 1 - signed.fee;
  return Math.max(0, byFee, byRate);
}

/** Size of a typical update (one name input, one fee input, name output, change), vB. */
export const TYPICAL_UPDATE_VSIZE = 250;

/**
 * Roughly how many updates the coins can pay for: spendable fee coins plus the name coin's
 * surplus above the locked minimum, divided by the fee of a typical update.
 */
export function updatesLeft(spendableSat: number, feeRate: number, vsize = TYPICAL_UPDATE_VSIZE): number {
  const per = Math.ceil(feeRate * vsize);
  return per <= 0 ? 0 : Math.max(0, Math.floor(spendableSat / per));
}
