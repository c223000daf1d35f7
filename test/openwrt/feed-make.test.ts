// The feed Makefile's recipes run by GNU make with a stand-in for the SDK's rules.mk/package.mk
// (test/openwrt/stand-ins/sdk: the real install macros' modes, Build/Prepare pasted through
// $(eval) as the SDK does). Proves: Build/Prepare copies the prebuilt bundle and stops with a
// clear message when it is missing; Package/nmcddns/install lays out exactly the files, modes and
// bytes the standalone .ipk holds (the SDK and `npm run package` agree), and the standalone
// conffiles/keep.d are what the SDK's rules give on that tree; the package fields
// (PKGARCH all, DEPENDS +node, conffiles) are what the SDK would see. Not the real SDK: no feeds,
// no .ipk/.apk packing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { FEED, REPO, STAND_INS, copyBundle, makefileDefine, requireOrSkip } from './helpers/feed.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { nmcddnsSpec } from '../../openwrt/ipk.mjs';

const SDK = join(STAND_INS, 'sdk');
const haveMake = spawnSync('make', ['--version']).status === 0;

function make(buildDir: string, target: string, vars: Record<string, string> = {}) {
  return spawnSync('make', ['-s', '-C', FEED, `TOPDIR=${SDK}`, `INCLUDE_DIR=${SDK}`, `BUILD_DIR=${buildDir}`, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), target], {
    encoding: 'utf8',
  });
}

function tree(dir: string): Map<string, { mode: number; bytes: Buffer }> {
  const out = new Map<string, { mode: number; bytes: Buffer }>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set('/' + relative(dir, p).split(sep).join('/'), { mode: statSync(p).mode & 0o7777, bytes: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

describe.runIf(requireOrSkip(haveMake, 'GNU make'))('feed Makefile under a stand-in SDK', () => {
  let work: string;
  let dist: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'nmcddns-feed-'));
    dist = copyBundle(join(work, 'dist'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs the same files, modes and bytes as the standalone .ipk (keep.d aside, which the SDK generates)', () => {
    const build = join(work, 'build');
    const r = make(build, 'compile', { NMCDDNS_DIST: dist });
    expect(r.status, r.stderr).toBe(0);
    const installed = tree(join(build, 'ipkg-all', 'nmcddns'));
    const spec = nmcddnsSpec({ root: REPO, dist, version: '0', mtime: 0 });
    const packed = new Map<string, { mode: number; bytes: Buffer }>(
      spec.files.map((f: { path: string; mode: number; data: Uint8Array }) => [f.path, { mode: f.mode, bytes: Buffer.from(f.data) }]),
    );
    expect([...installed.keys()].sort()).toEqual([...packed.keys()].sort());
    for (const [path, want] of packed) {
      const got = installed.get(path);
      expect(got?.mode.toString(8), path).toBe(want.mode.toString(8));
      expect(got?.bytes.equals(want.bytes), path).toBe(true);
    }
    // The conffiles split as the SDK does it on this installed tree, in shell as the SDK runs
    // it: scripts/ipkg-build puts `find <entries> -type f` (sorted) in control's conffiles, and
    // package-pack.mk writes each entry that is no regular file (`[ -f ]`) to keep.d.
    const idir = join(build, 'ipkg-all', 'nmcddns');
    const entries = makefileDefine('conffiles').join(' ');
    const split = spawnSync(
      'sh',
      ['-c', `cd "$1" && for cf in ${entries}; do [ -e ".$cf" ] && find ".$cf" -type f; done | sed 's!^\\.!!' | LC_ALL=C sort; echo --; for x in ${entries}; do [ -f ".$x" ] || echo "$x"; done`, 'sh', idir],
      { encoding: 'utf8' },
    );
    expect(split.status, split.stderr).toBe(0);
    const [conffiles = '', keep = ''] = split.stdout.split('--\n');
    expect(spec.conffiles).toEqual(conffiles.split('\n').filter(Boolean));
    expect(spec.keep).toEqual(keep.split('\n').filter(Boolean));
    expect(spec.conffiles).toEqual(['/etc/config/nmcddns']);
    expect(spec.keep).toEqual(['/etc/nmcddns/']);
  });

  it('takes the bundle from the dist/ beside openwrt/ by default', () => {
    const build = join(work, 'build-default');
    const r = make(build, 'compile');
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(build, 'ipkg-all', 'nmcddns', 'usr/lib/nmcddns/secp256k1.wasm')).equals(readFileSync(join(REPO, 'dist', 'secp256k1.wasm')))).toBe(true);
  });

  it('stops with a message naming the missing bundle and how to build it', () => {
    const r = make(join(work, 'build-missing'), 'compile', { NMCDDNS_DIST: join(work, 'nowhere') });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${join(work, 'nowhere')}/nmcddns.mjs is missing`);
    expect(r.stderr).toContain('node build.mjs');
    expect(r.stderr).toContain('NMCDDNS_DIST=');
  });

  it('declares the package as the SDK sees it: net, all, +node, conffiles for the config and the key directory', () => {
    const r = make(join(work, 'build-info'), 'dumpinfo');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Package: nmcddns\n');
    expect(r.stdout).toContain('Section: net\n');
    expect(r.stdout).toContain('Depends: +node\n');
    expect(r.stdout).toContain('Pkgarch: all\n');
    expect(r.stdout).toContain('Conffiles: /etc/config/nmcddns /etc/nmcddns/\n');
  });
});
