import { describe, expect, it } from 'vitest';
import { renewalMayBeDue } from '../../src/decide/expiry.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const HOUR = 3_600_000;

describe('renewalMayBeDue (a run with nothing to publish: ask the servers or not)', () => {
  it('asks when nothing is known (first run, tmpfs lost at reboot) and always on regtest', () => {
    expect(renewalMayBeDue(null, 8000, NOW, 'mainnet')).toBe(true);
    expect(renewalMayBeDue({ expiresIn: 30000, at: NOW }, 8000, NOW, 'regtest')).toBe(true);
  });

  it('does not ask while the last known expiry, aged at twice the block rate, is clear of renew_blocks', () => {
    // 30000 blocks left a day ago: at most 288 blocks (2 × 144) have passed.
    expect(renewalMayBeDue({ expiresIn: 30000, at: NOW - 24 * HOUR }, 8000, NOW, 'mainnet')).toBe(false);
    // 8300 left a day ago: 8300 − 288 = 8012 > 8000, still clear; a few hours later it is not.
    expect(renewalMayBeDue({ expiresIn: 8300, at: NOW - 24 * HOUR }, 8000, NOW, 'mainnet')).toBe(false);
    expect(renewalMayBeDue({ expiresIn: 8300, at: NOW - 26 * HOUR }, 8000, NOW, 'mainnet')).toBe(true);
  });

  it('asks when already within renew_blocks, and when the clock went back', () => {
    expect(renewalMayBeDue({ expiresIn: 8000, at: NOW }, 8000, NOW, 'mainnet')).toBe(true);
    expect(renewalMayBeDue({ expiresIn: 30000, at: NOW + HOUR }, 8000, NOW, 'mainnet')).toBe(true);
  });
});
