import { describe, expect, it } from 'vitest';
import { decide, type ChainView, type DecideInput } from '../../src/decide/decide.ts';
import { replacementPolicy, replacementShortfall, updatesLeft } from '../../src/decide/fees.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const V1 = '{"ip":"198.51.100.7"}';
const V2 = '{"ip":"198.51.100.8"}';

function input(over: Partial<Omit<DecideInput, 'chain'>> & { chain?: Partial<ChainView> } = {}): DecideInput {
  const { chain, ...rest } = over;
  return {
    desired: V1,
    chain: { value: V1, expiresIn: 20000, expired: false, pending: null, ...chain },
    renewBlocks: 8000,
    minIntervalMs: 600_000,
    now: NOW,
    lastBroadcastAt: null,
    ...rest,
  };
}

const pending = (value: string) => ({ txid: 'aa'.repeat(32), value, fee: 48000, vsize: 240, feeRate: 200 });

describe('decide', () => {
  it('does nothing when the chain already has the value, even written differently', () => {
    expect(decide(input()).action).toBe('unchanged');
    expect(decide(input({ chain: { value: '{ "ip": ["198.51.100.7"] }' } })).action).toBe('unchanged');
  });

  it('updates when the value differs', () => {
    const d = decide(input({ desired: V2 }));
    expect(d).toMatchObject({ action: 'update', value: V2 });
    expect(d.reason).toContain(V1);
    expect(d.reason).toContain(V2);
  });

  it('renews with the same value at expires_in ≤ renew_blocks, not one block earlier', () => {
    expect(decide(input({ chain: { expiresIn: 8001 } })).action).toBe('unchanged');
    expect(decide(input({ chain: { expiresIn: 8000 } }))).toMatchObject({ action: 'renew', value: V1 });
    // A changed value near expiry is an update (which renews too).
    expect(decide(input({ desired: V2, chain: { expiresIn: 100 } })).action).toBe('update');
  });

  it('refuses an expired name, and one whose coin is already gone at expires_in 1', () => {
    for (const chain of [{ expired: true, expiresIn: 0 }, { expiresIn: -5, expired: true }, { expiresIn: 1 }]) {
      const d = decide(input({ desired: V2, chain }));
      expect(d).toMatchObject({ action: 'refused', code: 'expired' });
      expect(d.reason).toMatch(/must register it again/);
    }
    expect(decide(input({ desired: V2, chain: { expiresIn: 2 } })).action).toBe('update');
  });

  it('refuses with the reachability reasons when nothing may be published', () => {
    const d = decide(input({ desired: null, unreachable: 'IPv4: CGNAT 100.64.0.5 and no UPnP gateway; IPv6: none configured' }));
    expect(d).toMatchObject({ action: 'refused', code: 'unreachable' });
    expect(d.reason).toContain('CGNAT 100.64.0.5');
  });

  it('renews with the value already on chain when nothing is reachable and expiry is near, so the name is not lost', () => {
    const unreachable = 'IPv4: CGNAT 100.64.0.5 and no UPnP gateway; IPv6: none configured';
    // Far from expiry: nothing to do but say why.
    expect(decide(input({ desired: null, unreachable, chain: { expiresIn: 8001 } }))).toMatchObject({ action: 'refused', code: 'unreachable' });
    // At renew_blocks: the on-chain value, never an unchecked address.
    const d = decide(input({ desired: null, unreachable, chain: { value: V2, expiresIn: 8000 } }));
    expect(d).toMatchObject({ action: 'renew', value: V2 });
    expect(d.reason).toContain('CGNAT 100.64.0.5');
    // A pending update is already renewing it; min_interval still holds.
    expect(decide(input({ desired: null, unreachable, chain: { expiresIn: 100, pending: pending(V2) } })).action).toBe('refused');
    expect(decide(input({ desired: null, unreachable, chain: { expiresIn: 100 }, lastBroadcastAt: NOW - 60_000 })).action).toBe('waiting');
    // Expired is expired, reachable or not.
    expect(decide(input({ desired: null, unreachable, chain: { expiresIn: 1 } }))).toMatchObject({ action: 'refused', code: 'expired' });
  });

  it('waits for a pending update that already writes the wanted value', () => {
    const d = decide(input({ desired: V2, chain: { pending: pending(V2) } }));
    expect(d.action).toBe('waiting');
    expect(d.reason).toContain('aa'.repeat(32));
    // Back to the confirmed value while an update is pending: the pending one is outdated now.
    expect(decide(input({ desired: V1, chain: { pending: pending(V2) } })).action).toBe('replace');
  });

  it('replaces a pending update with an outdated value instead of chaining', () => {
    const p = pending(V2);
    const d = decide(input({ desired: '{"ip":"198.51.100.9"}', chain: { pending: p } }));
    expect(d).toMatchObject({ action: 'replace', value: '{"ip":"198.51.100.9"}', replaces: p });
  });

  it('rate-limits new transactions by min_interval and says when the next may go', () => {
    const last = NOW - 300_000;
    const d = decide(input({ desired: V2, lastBroadcastAt: last }));
    expect(d).toMatchObject({ action: 'waiting', until: last + 600_000 });
    expect(d.reason).toContain('300 s ago');
    expect(d.reason).toContain(new Date(last + 600_000).toISOString());
    expect(decide(input({ desired: V2, lastBroadcastAt: NOW - 600_000 })).action).toBe('update');
    expect(decide(input({ desired: V2, lastBroadcastAt: last, minIntervalMs: 0 })).action).toBe('update');
    // Replacements and renewals wait too; an unchanged value stays unchanged.
    expect(decide(input({ desired: V1, lastBroadcastAt: last, chain: { pending: pending(V2) } })).action).toBe('waiting');
    expect(decide(input({ lastBroadcastAt: last, chain: { expiresIn: 10 } })).action).toBe('waiting');
    expect(decide(input({ lastBroadcastAt: last })).action).toBe('unchanged');
  });

  it('ignores a last broadcast in the future (the clock went back): no day-long wait', () => {
    expect(decide(input({ desired: V2, lastBroadcastAt: NOW + 86_400_000 })).action).toBe('update');
    expect(decide(input({ desired: V2, lastBroadcastAt: NOW })).action).toBe('waiting');
  });

  it('a flapping WAN: every step within the interval waits, the last address wins after it', () => {
    let last: number | null = null;
    let chainValue = V1;
    let pend: ReturnType<typeof pending> | null = null;
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      const now = NOW + i * 30_000; // a new address every 30 s for 10 minutes
      const desired = `{"ip":"198.51.100.${10 + i}"}`;
      const d = decide(input({ desired, now, lastBroadcastAt: last, chain: { value: chainValue, pending: pend } }));
      if (d.action === 'update' || d.action === 'replace') {
        sent++;
        last = now;
        pend = { ...pending(d.value), txid: String(i).padStart(64, '0') };
      }
    }
    expect(sent).toBe(1);
    // A block confirms the pending one; after the interval the current address goes out.
    chainValue = pend!.value;
    const d = decide(input({ desired: '{"ip":"198.51.100.29"}', now: NOW + 20 * 30_000, lastBroadcastAt: last, chain: { value: chainValue } }));
    expect(d).toMatchObject({ action: 'update', value: '{"ip":"198.51.100.29"}' });
  });
});

describe('replacement fees (BIP125 as Namecoin Core applies it)', () => {
  const old = { fee: 48000, vsize: 240, feeRate: 200 };

  it('asks for at least the old fee plus the incremental rate times the new size, at a higher rate', () => {
    const p = replacementPolicy(old, 150, 240);
    expect(p.feeRate).toBeGreaterThan(200);
    expect(p.minFee).toBe(48000 + 240);
    expect(replacementPolicy(old, 400, 240).feeRate).toBe(400);
  });

  it('finds the shortfall of a signed replacement', () => {
    // The fixture's rejected same-fee replacement: fee 48000 at vsize 240.
    expect(replacementShortfall(old, { fee: 48000, vsize: 240 })).toBe(240);
    // The fixture's accepted one: 96000.
    expect(replacementShortfall(old, { fee: 96000, vsize: 240 })).toBe(0);
    expect(replacementShortfall(old, { fee: 48240, vsize: 240 })).toBe(0);
    // A bigger transaction paying old fee + 300: enough by rule 4, but 161 sat/vB is below the
    // old 200 sat/vB, so it needs 200 × 300 + 1 = 60001 sat.
    expect(replacementShortfall(old, { fee: 48300, vsize: 300 })).toBe(60001 - 48300);
  });

  it('compares fee rates exactly, not through the rounded old rate', () => {
    // 1000 sat / 3 vB = 333.333… sat/vB, reported rounded down as 333.333. At 3000 vB,
    // 1000000 sat is exactly the old rate, which Core refuses; the rounded rate would pass it.
    const down = { fee: 1000, vsize: 3, feeRate: 333.333 };
    expect(replacementShortfall(down, { fee: 1_000_000, vsize: 3000 }, 0)).toBe(1);
    expect(replacementShortfall(down, { fee: 1_000_001, vsize: 3000 }, 0)).toBe(0);
  });

  it('estimates how many updates the coins pay for', () => {
    expect(updatesLeft(1_000_000, 100)).toBe(40);
    expect(updatesLeft(0, 100)).toBe(0);
    expect(updatesLeft(24_999, 100)).toBe(0);
  });
});
