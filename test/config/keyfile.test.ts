import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../src/config/errors.ts';
import { createKeyFile, loadHotKey } from '../../src/config/keyfile.ts';
import { hotAddress } from '../../src/sign/keys.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { thrownBy } from '../helpers/thrown.ts';

const regtest = getNetwork('regtest');
const ROOT = mkdtempSync(join(tmpdir(), 'nmcddns-key-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));
const tmp = () => mkdtempSync(join(ROOT, 'k-'));
const KEY1_WIF = 'cTcpidRjJoBS9sh4VHjGDygfhgWiDDYvknPiY7Xxf7jxmJazB7D1';

const errorOf = (f: () => unknown): KeyError => thrownBy(KeyError, f);

describe('hot key file', () => {
  it('reads wpkh(WIF) and pkh(WIF) of mode 0600 to the fixture addresses of key1 (fixtures/README.md)', () => {
    const dir = tmp();
    const f = join(dir, 'hotkey');
    writeFileSync(f, `wpkh(${KEY1_WIF})\n`, { mode: 0o600 });
    expect(hotAddress(loadHotKey(f, regtest))).toBe('ncrt1q2qg4cklhrlywce363qjlfl80mc68jykqvk2uzu');
    writeFileSync(f, `pkh(${KEY1_WIF})\n`);
    expect(hotAddress(loadHotKey(f, regtest))).toBe('mnpK9eZjBz1y22SD3Lwmgz8yozQrZJRUtS');
  });

  it('refuses a group- or world-readable file and says chmod 600 <path>', () => {
    const f = join(tmp(), 'hotkey');
    writeFileSync(f, `wpkh(${KEY1_WIF})\n`);
    chmodSync(f, 0o644);
    const e = errorOf(() => loadHotKey(f, regtest));
    expect(e.code).toBe('permissions');
    expect(e.message).toContain(`has mode 0644`);
    expect(e.message).toContain(`chmod 600 ${f}`);
    expect(e.message).not.toContain(KEY1_WIF);
    chmodSync(f, 0o640);
    expect(errorOf(() => loadHotKey(f, regtest)).message).toContain('mode 0640');
  });

  it('says how to create a missing key, refuses symlinks and never shows the key of a bad file', () => {
    const dir = tmp();
    expect(errorOf(() => loadHotKey(join(dir, 'none'), regtest)).message).toMatch(/does not exist: create it with 'nmcddns keygen'/);
    const real = join(dir, 'real');
    writeFileSync(real, `wpkh(${KEY1_WIF})\n`, { mode: 0o600 });
    symlinkSync(real, join(dir, 'link'));
    expect(errorOf(() => loadHotKey(join(dir, 'link'), regtest)).message).toMatch(/symbolic link/);
    // A mainnet key in a regtest config, and a truncated WIF: refused, key text absent.
    const mangled = KEY1_WIF.slice(0, -3);
    writeFileSync(real, `wpkh(${mangled})\n`);
    const e = errorOf(() => loadHotKey(real, regtest));
    expect(e.code).toBe('invalid');
    expect(e.message).not.toContain(mangled);
    expect(e.message).not.toContain(mangled.slice(0, 20));
    writeFileSync(real, `wpkh(${KEY1_WIF})\nsecond line\n`);
    expect(errorOf(() => loadHotKey(real, regtest)).message).toMatch(/expected exactly one line/);
  });

  it('creates a 0600 key that loads back, in a 0700 directory, and never overwrites', () => {
    const dir = join(tmp(), 'etc', 'nmcddns');
    const f = join(dir, 'hotkey');
    const key = createKeyFile(f, regtest, 'p2wpkh');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(f, 'utf8')).toMatch(/^wpkh\([1-9A-HJ-NP-Za-km-z]+\)#[a-z0-9]{8}\n$/);
    expect(hotAddress(loadHotKey(f, regtest))).toBe(hotAddress(key));
    const before = readFileSync(f, 'utf8');
    const e = errorOf(() => createKeyFile(f, regtest, 'p2pkh'));
    expect(e.code).toBe('exists');
    expect(readFileSync(f, 'utf8')).toBe(before);
    const legacy = createKeyFile(join(dir, 'legacy'), regtest, 'p2pkh');
    expect(hotAddress(legacy)).toMatch(/^[mn]/);
  });
});
