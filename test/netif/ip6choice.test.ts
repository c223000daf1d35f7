import { describe, expect, it } from 'vitest';
import { applySuffix, chooseIPv6, type Ip6Candidate } from '../../src/netif/ip6choice.ts';

const cand = (address: string, over: Partial<Ip6Candidate> = {}): Ip6Candidate => ({
  address,
  prefixLen: 64,
  preferred: Infinity,
  valid: Infinity,
  temporary: false,
  deprecated: false,
  tentative: false,
  dadFailed: false,
  origin: 'wan6',
  ...over,
});

describe('chooseIPv6', () => {
  const bad = [
    cand('fd00::1'),
    cand('fe80::1'),
    cand('2001:db8::1'),
    cand('2a0a::1', { temporary: true }),
    cand('2a0a::2', { deprecated: true }),
    cand('2a0a::3', { preferred: 0, valid: 100 }),
    cand('2a0a::4', { tentative: true }),
    cand('2a0a::5', { dadFailed: true, tentative: true }),
  ];

  it('never picks ULA, link-local, documentation, temporary, deprecated, tentative or DAD-failed', () => {
    const r = chooseIPv6(bad);
    expect(r.chosen).toBeNull();
    expect(r.rejected.map((x) => x.why)).toEqual([
      'unique local (ULA) (fc00::/7)',
      'link-local (fe80::/10)',
      'documentation-only (2001:db8::/32)',
      'temporary (privacy) address',
      'deprecated (preferred lifetime over)',
      'deprecated (preferred lifetime over)',
      'tentative (duplicate address detection still running)',
      'duplicate address detection failed',
    ]);
    expect(r.reason).toMatch(/^no stable global IPv6 address \(fd00::1: unique local/);
  });

  it('picks the one good address among bad ones, whatever the order', () => {
    const good = cand('2a0a::100', { preferred: 600 });
    expect(chooseIPv6([...bad, good]).chosen?.address).toBe('2a0a::100');
    expect(chooseIPv6([good, ...bad.reverse()]).chosen?.address).toBe('2a0a::100');
  });

  it('prefers the longest preferred lifetime, then the lowest address', () => {
    const list = [cand('2a0a::30', { preferred: 100 }), cand('2a0a::20', { preferred: 900 }), cand('2a0a::10', { preferred: 900 })];
    expect(chooseIPv6(list).chosen?.address).toBe('2a0a::10');
    expect(chooseIPv6([...list].reverse()).chosen?.address).toBe('2a0a::10');
  });

  it('keeps the previous address while usable, even when a better one appears', () => {
    const list = [cand('2a0a::20', { preferred: 10 }), cand('2a0a::10', { preferred: 9000 })];
    const r = chooseIPv6(list, '2a0a:0:0:0::20');
    expect(r.chosen?.address).toBe('2a0a::20');
    expect(r.reason).toMatch(/kept from the previous run/);
  });

  it('leaves the previous address once it is deprecated, and says so', () => {
    const r = chooseIPv6([cand('2a0a::20', { preferred: 0 }), cand('2a0a::10')], '2a0a::20');
    expect(r.chosen?.address).toBe('2a0a::10');
    expect(r.reason).toMatch(/the previous 2a0a::20 is no longer usable/);
  });

  it('says when there is nothing at all', () => {
    expect(chooseIPv6([])).toEqual({ chosen: null, reason: 'no IPv6 address found', rejected: [] });
  });
});

describe('applySuffix', () => {
  it.each([
    ['2001:db8:1:ff00::/56', '::10', '2001:db8:1:ff00::10'],
    ['2a01:4f8:c0c:8e40::/64', '::211:22ff:fe33:4455', '2a01:4f8:c0c:8e40:211:22ff:fe33:4455'],
    ['2a01:4f8:c0c:8e40::/60', '::1:0:0:0:10', '2a01:4f8:c0c:8e41::10'],
    // host bits already set in the prefix text are cleared: the prefix is a prefix
    ['2a01:4f8:c0c:8e40::1/64', '::10', '2a01:4f8:c0c:8e40::10'],
    ['2a01:4f8:c0c:8e41::/63', '::1:0:0:0:10', '2a01:4f8:c0c:8e41::10'],
  ])('%s + %s = %s', (p, s, want) => {
    expect(applySuffix(p, s)).toBe(want);
  });
  it.each([
    ['2001:db8::/56', '::', /all zero/],
    ['2001:db8::/64', '1::10', /overlaps the \/64 prefix/],
    ['2001:db8::/64', '::1:0:0:0:10', /overlaps/],
    ['2001:db8::', '::10', /a \/128 leaves no room/],
    ['10.0.0.0/8', '::10', /expected addr\/len/],
    ['2001:db8::/64', 'ten', /ip6_suffix "ten": not an IPv6 interface id/],
  ])('%s + %s → error', (p, s, re) => {
    expect(() => applySuffix(p, s)).toThrow(re);
  });
});
