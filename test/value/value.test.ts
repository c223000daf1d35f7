import { describe, expect, it } from 'vitest';
import { buildValue, MAX_VALUE_BYTES } from '../../src/value/build.ts';
import { sameValue } from '../../src/value/compare.ts';
import { checkTemplate, ValueError } from '../../src/value/template.ts';

describe('value building', () => {
  it('builds compact ifa-0001 JSON: ip, ip6, then the template in sorted key order', () => {
    const v = buildValue(
      { ipv4: '198.51.100.7', ipv6: '2001:DB8:0:0::7' },
      { txt: 'hello', map: { www: { ip: '192.0.2.1' }, '*': { tor: 'x.onion' } }, tor: 'abc.onion' },
    );
    expect(v.text).toBe('{"ip":"198.51.100.7","ip6":"2001:db8::7","map":{"*":{"tor":"x.onion"},"www":{"ip":"192.0.2.1"}},"tor":"abc.onion","txt":"hello"}');
    expect(v.bytes).toBe(v.text.length);
  });

  it('leaves out a family that has nothing to publish, and is the same for any template key order', () => {
    expect(buildValue({ ipv4: null, ipv6: '2001:db8::1' }).text).toBe('{"ip6":"2001:db8::1"}');
    expect(buildValue({ ipv4: '192.0.2.1', ipv6: null }).text).toBe('{"ip":"192.0.2.1"}');
    expect(buildValue({ ipv4: null, ipv6: null }).text).toBe('{}');
    const a = buildValue({ ipv4: '192.0.2.1', ipv6: null }, { b: 1, a: { d: 1, c: 2 } } as never).text;
    const b = buildValue({ ipv4: '192.0.2.1', ipv6: null }, { a: { c: 2, d: 1 }, b: 1 } as never).text;
    expect(a).toBe(b);
  });

  it('refuses a value above 520 bytes and says how big the template is', () => {
    const txt = 'x'.repeat(240);
    expect(buildValue({ ipv4: '192.0.2.1', ipv6: null }, { txt: [txt, txt] }).bytes).toBeLessThanOrEqual(MAX_VALUE_BYTES);
    expect(() => buildValue({ ipv4: '192.0.2.1', ipv6: '2001:db8::1' }, { txt: [txt, txt] })).toThrow(
      /the value would be 5\d\d bytes, more than the 520 a name can hold: shorten the template \(it takes 4\d\d bytes\)/,
    );
    // {"ip":"192.0.2.1","txt":["a","b"]} is 32 bytes + the two strings: 244 + 244 = exactly 520.
    const exact = buildValue({ ipv4: '192.0.2.1', ipv6: null }, { txt: ['y'.repeat(244), 'y'.repeat(244)] });
    expect(exact.bytes).toBe(520);
    expect(() => buildValue({ ipv4: '192.0.2.1', ipv6: null }, { txt: ['y'.repeat(244), 'y'.repeat(245)] })).toThrow(/521 bytes/);
  });

  it('counts bytes, not characters', () => {
    const v = buildValue({ ipv4: null, ipv6: null }, { info: 'é'.repeat(10) });
    expect(v.bytes).toBe(v.text.length + 10);
  });

  it('refuses bad addresses from the verdict', () => {
    expect(() => buildValue({ ipv4: '2001:db8::1', ipv6: null })).toThrow(ValueError);
    expect(() => buildValue({ ipv4: null, ipv6: 'fe80::1%eth0' })).toThrow(/not an IPv6 address/);
  });
});

describe('template check', () => {
  it.each([
    ['tls', { tls: [[2, 1, 0, 'AA==']] }, /template\.tls is not allowed.*TLS pin belongs in the cold d\/ name/],
    ['ns', { ns: ['ns1.example'] }, /template\.ns is not allowed/],
    ['ds', { ds: [] }, /template\.ds is not allowed/],
    ['import', { import: [['dd/other']] }, /template\.import is not allowed/],
    ['alias', { alias: 'example.com.' }, /template\.alias is not allowed/],
    ['translate', { translate: 'example.com.' }, /template\.translate is not allowed/],
    ['nested tls', { map: { www: { tls: [] } } }, /template\.map\["www"\]\.tls is not allowed/],
    ['deep ns', { map: { a: { map: { b: { ns: 'x' } } } } }, /template\.map\["a"\]\.map\["b"\]\.ns/],
    ['top ip', { ip6: '2001:db8::1' }, /template\.ip6 is not allowed.*publishes the WAN address/],
    ['bad map ip', { map: { www: { ip: '300.1.1.1' } } }, /"300\.1\.1\.1" is not an IPv4 address/],
    ['bad label', { map: { 'Www': {} } }, /'Www' is not one lower-case DNS label/],
    ['bad srv', { srv: [[1, 2, 'x', 'host']] }, /is not \[priority, weight, port, "target"\]/],
    ['long txt', { txt: 'z'.repeat(256) }, /a TXT string is 256 bytes, the limit is 255/],
    ['bad tor', { tor: 5 }, /template\.tor must be a string or an array of strings/],
  ])('refuses %s', (_label, template, re) => {
    expect(() => checkTemplate(template)).toThrow(re);
  });

  it('allows tor, i2p, txt, srv, map with subdomain addresses and other items', () => {
    const t = { tor: 'a.onion', i2p: 'b.b32.i2p', txt: [['a', 'b']], srv: [[10, 0, 443, 'www.example.bit.']], map: { www: '192.0.2.5', '*': { ip6: ['2001:db8::9'] }, '': { info: 'x' } }, sshfp: [[1, 2, 'AA']] };
    expect(checkTemplate(t)).toBe(t);
    expect(() => checkTemplate([])).toThrow(/must be a JSON object/);
  });
});

describe('semantic comparison with the chain', () => {
  it.each([
    ['{"ip":"198.51.100.7"}', '{ "ip" : [ "198.51.100.7" ] }'],
    ['{"ip":"192.0.2.1","tor":"x"}', '{"tor":"x","ip":"192.0.2.1"}'],
    ['{"ip6":"2001:db8::7"}', '{"ip6":["2001:0DB8:0000:0000:0000:0000:0000:0007"]}'],
    ['{"ip":["192.0.2.2","192.0.2.1"]}', '{"ip":["192.0.2.1","192.0.2.2"]}'],
    ['{"map":{"www":"192.0.2.1"}}', '{"map":{"www":{"ip":["192.0.2.1"]}}}'],
  ])('%s means %s', (a, b) => {
    expect(sameValue(a, b)).toBe(true);
    expect(sameValue(b, a)).toBe(true);
  });

  it.each([
    ['{"ip":"198.51.100.7"}', '{"ip":"198.51.100.8"}'],
    ['{"ip":"198.51.100.7"}', '{"ip":"198.51.100.7","ip6":"2001:db8::1"}'],
    ['{"ip":"198.51.100.7"}', '{"ip":"198.51.100.7","tor":"x"}'],
    ['{"txt":["a","b"]}', '{"txt":["b","a"]}'],
    ['{"ip":"198.51.100.7"}', 'not json'],
    ['{}', '[]'],
    ['{"a":null}', '{}'],
  ])('%s differs from %s', (a, b) => {
    expect(sameValue(a, b)).toBe(false);
    expect(sameValue(b, a)).toBe(false);
  });
});
