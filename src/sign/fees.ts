// Fee policy: a rate in sat/vB applied to the exact vsize of the transaction being signed, never
// below Namecoin's relay minimum (100 sat/vB, 1000× Bitcoin's), and hard caps above which the signer
// refuses instead of burning the hot wallet's coins.
import type { NamecoinNetwork } from './network.ts';
import { SignRefusal } from './refusal.ts';

export interface FeePolicy {
  /** Wanted rate in sat/vB; raised to the network's relay minimum if lower. */
  feeRate: number;
  /** Absolute cap in satoshis. */
  maxFee: number;
  /** Cap in sat/vB over the final vsize. */
  maxFeeRate: number;
  /** Lowest acceptable absolute fee, e.g. the BIP125 floor for replacing a pending update. */
  minFee?: number;
}

const positive = (x: number): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

export function validateFeePolicy(policy: FeePolicy, network: NamecoinNetwork): void {
  const bad = (field: string, why: string): never => {
    throw new SignRefusal('bad-fee-policy', `fee.${field} ${why}`);
  };
  if (!positive(policy.feeRate)) bad('feeRate', `must be a positive number of sat/vB, got ${String(policy.feeRate)}`);
  if (!positive(policy.maxFeeRate)) bad('maxFeeRate', `must be a positive number of sat/vB, got ${String(policy.maxFeeRate)}`);
  if (!Number.isSafeInteger(policy.maxFee) || policy.maxFee <= 0) bad('maxFee', `must be a positive whole number of satoshis, got ${String(policy.maxFee)}`);
  if (policy.minFee !== undefined && (!Number.isSafeInteger(policy.minFee) || policy.minFee < 0)) {
    bad('minFee', `must be a whole number of satoshis ≥ 0, got ${String(policy.minFee)}`);
  }
  if (policy.maxFeeRate < network.minRelayFeeRate) {
    bad('maxFeeRate', `is ${policy.maxFeeRate} sat/vB, below ${network.name}'s relay minimum of ${network.minRelayFeeRate} sat/vB: no transaction could be relayed; raise it`);
  }
  if (policy.feeRate > policy.maxFeeRate) {
    throw new SignRefusal('fee-rate-above-cap', `the fee rate ${policy.feeRate} sat/vB is above max_fee_rate ${policy.maxFeeRate} sat/vB; lower the rate or raise the cap`);
  }
}

/** The rate actually applied: the wanted one, floored at the relay minimum. */
export function effectiveFeeRate(policy: FeePolicy, network: NamecoinNetwork): number {
  return Math.max(policy.feeRate, network.minRelayFeeRate);
}

/** Fee in whole satoshis for `vsize` at `rate`, rounded up (Core's relay check is fee ≥ rate × vsize). */
export function feeForVsize(vsize: number, rate: number): number {
  // Round away float noise first (100.1 × 240 = 24024.000000000004) so it does not cost a satoshi.
  return Math.ceil(Math.round(vsize * rate * 1e6) / 1e6);
}

/** The fee the policy asks for at this vsize: rate × vsize, at least minFee. */
export function requiredFee(vsize: number, policy: FeePolicy, network: NamecoinNetwork): number {
  return Math.max(feeForVsize(vsize, effectiveFeeRate(policy, network)), policy.minFee ?? 0);
}

/** Refuse if `fee` for a transaction of `vsize` breaks either cap. */
export function checkFeeCaps(fee: number, vsize: number, policy: FeePolicy): void {
  if (fee > policy.maxFee) {
    throw new SignRefusal('fee-above-cap', `the fee would be ${fee} sat, above max_fee ${policy.maxFee} sat; raise the cap or lower the rate/minimum`);
  }
  const rate = fee / vsize;
  if (rate > policy.maxFeeRate) {
    throw new SignRefusal('fee-rate-above-cap', `the fee would be ${rate.toFixed(2)} sat/vB (${fee} sat for ${vsize} vB), above max_fee_rate ${policy.maxFeeRate} sat/vB; raise the cap or lower the rate/minimum`);
  }
}

/**
 * Core's dust threshold (GetDustThreshold at DUST_RELAY_TX_FEE 3 sat/vB) for a plain change
 * output: (output size + the size of the input that would spend it) × 3.
 */
export function dustThreshold(changeScript: Uint8Array): number {
  const isWitness = changeScript[0] === 0x00 && changeScript.length >= 4 && changeScript.length <= 42;
  const outputSize = 8 + 1 + changeScript.length;
  const spendSize = isWitness ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return (outputSize + spendSize) * 3;
}
