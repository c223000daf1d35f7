// Pure pieces of the chain layer: framing, server URLs, fingerprints and the pin file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareVersions } from '../../src/chain/electrum.ts';
import { ChainError, sanitizeServerText } from '../../src/chain/errors.ts';
import { LineSplitter, LineTooLongError } from '../../src/chain/framing.ts';
import { forgetPin, normalizeFingerprint, parseFingerprintList, PinStore } from '../../src/chain/pins.ts';
import { DEFAULT_SERVERS, parseServerUrl, resolveServers } from '../../src/chain/servers.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('LineSplitter', () => {
  it('joins lines split across chunks and drops the CR of CRLF', () => {
    const sp = new LineSplitter(100);
    expect(sp.push(enc('{"a":'))).toEqual([]);
    expect(sp.push(enc('1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(sp.push(enc(':2}\r\n\n{"c":3}\n'))).toEqual(['{"b":2}', '', '{"c":3}']);
    expect(sp.pendingBytes).toBe(0);
  });

  it('throws once an unfinished line passes the cap, holding no more than the cap', () => {
    const sp = new LineSplitter(10);
    sp.push(enc('123456789'));
    expect(sp.pendingBytes).toBe(9);
    expect(() => sp.push(enc('01'))).toThrow(LineTooLongError);
    expect(sp.pendingBytes).toBe(0);
    // A complete line over the cap in one chunk is refused too.
    expect(() => new LineSplitter(4).push(enc('12345\n'))).toThrow(LineTooLongError);
    // Exactly the cap is fine.
    expect(new LineSplitter(4).push(enc('1234\n'))).toEqual(['1234']);
  });

  it('decodes UTF-8 split inside a character', () => {
    const bytes = enc('"é"\n');
    const sp = new LineSplitter(100);
    expect(sp.push(bytes.subarray(0, 2))).toEqual([]);
    expect(sp.push(bytes.subarray(2))).toEqual(['"é"']);
  });
});

describe('parseServerUrl', () => {
  it('reads tcp, tls, names, IPv4 and bracketed IPv6', () => {
    expect(parseServerUrl('tls://NMC2.bitcoins.sk:57002')).toEqual({
      transport: 'tls', host: 'nmc2.bitcoins.sk', port: 57002, url: 'tls://nmc2.bitcoins.sk:57002', key: 'nmc2.bitcoins.sk:57002',
    });
    expect(parseServerUrl('tcp://127.0.0.1:51001').key).toBe('127.0.0.1:51001');
    const v6 = parseServerUrl('tls://[2607:5300:203:7ac5:198:50:223:25]:50002');
    expect(v6.host).toBe('2607:5300:203:7ac5:198:50:223:25');
    expect(v6.key).toBe('[2607:5300:203:7ac5:198:50:223:25]:50002');
    expect(parseServerUrl('tls://[2001:DB8::1]:50002').key).toBe('[2001:db8::1]:50002');
  });

  it.each([
    ['nmc.example:50002', 'cannot read it'],
    ['ssl://nmc.example:50002', "unknown scheme 'ssl'"],
    ['tls://nmc.example', 'the port is missing'],
    ['tls://nmc.example:0', 'outside 1-65535'],
    ['tls://nmc.example:99999', 'outside 1-65535'],
    ['tls://nmc.example:50o02', 'is not a number'],
    ['tls://[nmc.example]:50002', 'not an IPv6 address'],
    ['tls://nm c.example:1', 'not a host name'],
    ['tls://:50002', 'the host is missing'],
  ])('%s is refused (%s)', (url, why) => {
    let err: unknown;
    try {
      parseServerUrl(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChainError);
    expect((err as ChainError).code).toBe('bad-url');
    expect((err as Error).message).toContain(`server '${url}' is not valid`);
    expect((err as Error).message).toContain(why);
  });

  it('uses the configured list, else the network defaults', () => {
    expect(resolveServers(['tcp://10.0.0.1:50001'], 'mainnet').map((s) => s.url)).toEqual(['tcp://10.0.0.1:50001']);
    // The same server twice is one opinion, not two.
    expect(resolveServers(['tls://A.example:1', 'tls://a.example:1', 'tcp://a.example:1', 'tls://a.example:2'], 'mainnet').map((s) => s.url)).toEqual(['tls://a.example:1', 'tls://a.example:2']);
    const defaults = resolveServers(undefined, 'mainnet');
    expect(defaults.length).toBe(DEFAULT_SERVERS.mainnet.length);
    expect(defaults.every((s) => s.transport === 'tls')).toBe(true);
    expect(() => resolveServers([], 'testnet')).toThrow(/no public Electrum-NMC server for testnet: set the 'server' option/);
    expect(() => resolveServers([], 'signet')).toThrow(/unknown network 'signet'/);
  });
});

describe('misc', () => {
  it('compares protocol versions numerically', () => {
    expect(compareVersions('1.4.2', '1.4')).toBeGreaterThan(0);
    expect(compareVersions('1.4', '1.4.0')).toBe(0);
    expect(compareVersions('1.10', '1.6')).toBeGreaterThan(0);
    expect(compareVersions('1.4.3', '1.6')).toBeLessThan(0);
  });

  it('sanitises server text: no control characters, bounded length', () => {
    expect(sanitizeServerText('a\n\nb\x1b[31mc')).toBe('a b?[31mc');
    expect(sanitizeServerText('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

describe('fingerprints and the pin file', () => {
  const fp = 'ab'.repeat(32);
  const root = mkdtempSync(join(tmpdir(), 'nmcddns-pins-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const tmp = (): string => join(mkdtempSync(join(root, 'p-')), 'sub', 'pins.json');
  const server = parseServerUrl('tls://nmc.example:50002');

  it('normalises colon-separated and upper-case fingerprints', () => {
    expect(normalizeFingerprint('AB:'.repeat(31) + 'AB')).toBe(fp);
    expect(normalizeFingerprint('abcd')).toBeNull();
  });

  it('parses server_fingerprint entries and names the bad one', () => {
    const m = parseFingerprintList([`NMC.example:50002=${fp}`, `[2001:db8::1]:50002=${fp}`]);
    expect([...m.keys()]).toEqual(['nmc.example:50002', '[2001:db8::1]:50002']);
    expect(() => parseFingerprintList([`nmc.example=${fp}`])).toThrow(/server_fingerprint 'nmc.example=.*is not host:port/);
    expect(() => parseFingerprintList(['nmc.example:1=zz'])).toThrow(/not 64 hex digits/);
    expect(() => parseFingerprintList(['nmc.example:1'])).toThrow(/there is no '='/);
  });

  it('records on first use (creating the directory), then checks', () => {
    const file = tmp();
    const pins = new PinStore({ file });
    expect(pins.verify(server, fp)).toBe('first-use');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'nmc.example:50002': fp });
    expect(pins.verify(server, fp)).toBe('file');
    expect(() => pins.verify(server, 'cd'.repeat(32))).toThrow(/certificate changed/);
  });

  it('forgets one entry so the next contact pins again', () => {
    const file = tmp();
    const pins = new PinStore({ file });
    pins.verify(server, fp);
    pins.verify(parseServerUrl('tls://other.example:1'), fp);
    expect(forgetPin(file, 'NMC.example:50002')).toBe(true);
    expect(forgetPin(file, 'nmc.example:50002')).toBe(false);
    expect(pins.list()).toEqual({ 'other.example:1': fp });
    expect(pins.verify(server, 'cd'.repeat(32))).toBe('first-use');
    expect(() => forgetPin(file, 'no-port')).toThrow(/is not host:port/);
  });

  it('fails closed on a damaged pin file instead of overwriting it', () => {
    const file = join(mkdtempSync(join(root, 'p-')), 'pins.json');
    writeFileSync(file, '{"nmc.example:50002": "ab');
    expect(() => new PinStore({ file }).verify(server, fp)).toThrow(/not valid JSON: repair it or delete it/);
    expect(readFileSync(file, 'utf8')).toBe('{"nmc.example:50002": "ab');
    writeFileSync(file, '{"nmc.example:50002": 5}');
    expect(() => new PinStore({ file }).verify(server, fp)).toThrow(/entry 'nmc.example:50002' is not a sha256/);
  });
});
