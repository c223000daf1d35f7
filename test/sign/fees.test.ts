// Fee arithmetic and the dust rule, against Namecoin Core's numbers (surplus-fee fixture, policy.h).
import { describe, expect, test } from 'vitest';
import { hexToBytes } from '../../src/sign/bytes.ts';
import { decodeDer, encodeDer, signLowR } from '../../src/sign/ecdsa.ts';
import { checkFeeCaps, dustThreshold, effectiveFeeRate, feeForVsize, requiredFee } from '../../src/sign/fees.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { SignRefusal } from '../../src/sign/refusal.ts';

const regtest = getNetwork('regtest');

describe('fees', () => {
  test('Core’s relay minimum: 100 sat/vB × 144 vB = 14400 sat (surplus-fee variant-fee-exactly-min)', () => {
    expect(requiredFee(144, { feeRate: 1, maxFee: 1e6, maxFeeRate: 1e3 }, regtest)).toBe(14_400);
    expect(effectiveFeeRate({ feeRate: 99.99, maxFee: 1, maxFeeRate: 1 }, regtest)).toBe(100);
  });
  test('rounded up, without float noise', () => {
    expect(feeForVsize(240, 200)).toBe(48_000);
    expect(feeForVsize(240, 100.1)).toBe(24_024);
    expect(feeForVsize(241, 100.5)).toBe(24_221); // 24220.5 → up
  });
  test('minFee wins when higher', () => {
    expect(requiredFee(240, { feeRate: 200, maxFee: 1e6, maxFeeRate: 1e3, minFee: 48_024 }, regtest)).toBe(48_024);
  });
  test('caps', () => {
    const policy = { feeRate: 200, maxFee: 50_000, maxFeeRate: 300 };
    expect(() => checkFeeCaps(48_000, 240, policy)).not.toThrow();
    expect(() => checkFeeCaps(50_001, 240, policy)).toThrow(SignRefusal);
    expect(() => checkFeeCaps(30_000, 99, policy)).toThrow(/303.03 sat\/vB .* above max_fee_rate 300/);
  });
  test('dust thresholds of Core’s GetDustThreshold at 3 sat/vB: 294 (P2WPKH), 546 (P2PKH)', () => {
    expect(dustThreshold(hexToBytes('0014' + '00'.repeat(20)))).toBe(294);
    expect(dustThreshold(hexToBytes('76a914' + '00'.repeat(20) + '88ac'))).toBe(546);
  });
});

describe('low-R signatures', () => {
  test('r < 2^255 always, signatures ≤ 70 DER bytes, some need grinding, DER round-trips', () => {
    const key = hexToBytes('b41dafc1478c031f3f6257b6d8341e0c9292b0d4db0899aefccd87fb2e41c77e');
    let ground = 0;
    for (let i = 0; i < 64; i++) {
      const digest = new Uint8Array(32).fill(i);
      const { compact, counter } = signLowR(digest, key);
      expect(compact[0]! < 0x80).toBe(true);
      if (counter > 0) ground++;
      const der = encodeDer(compact);
      expect(der.length).toBeLessThanOrEqual(70);
      expect(decodeDer(der)).toEqual(compact);
    }
    expect(ground).toBeGreaterThan(10); // about half need at least one retry
  });
});
