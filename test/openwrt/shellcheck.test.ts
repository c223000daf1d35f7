// Every shell file of the OpenWrt packaging passes `shellcheck -s sh` (POSIX sh, what busybox
// ash runs) with no finding at any severity: every file under openwrt/ and the test stand-ins
// that is a shell script (a #!/bin/sh line, or the `# shellcheck shell=sh` of a sourced file),
// so a new one cannot be forgotten (the rpcd plugin, the feed files, the stand-ins), and the
// maintainer scripts the .ipk packer writes for both packages. Skipped loudly without
// shellcheck; required under CI=true.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, STAND_INS, requireOrSkip } from './helpers/feed.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { controlScripts, luciSpec } from '../../openwrt/ipk.mjs';

/** Files below dir (recursively) that are shell scripts, by their first lines. */
function shellFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...shellFiles(p));
    else if (e.isFile()) {
      const head = readFileSync(p, 'utf8').slice(0, 200);
      if (/^#!\/bin\/(ba)?sh\b/.test(head) || /^# shellcheck shell=sh$/m.test(head)) out.push(p);
    }
  }
  return out.sort();
}

const haveShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe.runIf(requireOrSkip(haveShellcheck, 'shellcheck (apt-get install shellcheck)'))('shellcheck -s sh', () => {
  const files = [...shellFiles(join(REPO, 'openwrt')), ...shellFiles(STAND_INS)];

  it('finds every shell file, the rpcd plugin and the sourced ones included', () => {
    const rel = files.map((f) => f.slice(REPO.length));
    for (const f of [
      'openwrt/luci-app-nmcddns/root/usr/libexec/rpcd/luci.nmcddns',
      'openwrt/nmcddns/files/nmcddns.init',
      'openwrt/nmcddns/files/nmcddns.hotplug',
      'openwrt/nmcddns/files/nmcddns.uci.sh',
      'openwrt/nmcddns/files/nmcddns.kick',
      'openwrt/nmcddns/files/nmcddns.periodic',
      'openwrt/nmcddns/files/nmcddns.launcher',
      'test/openwrt/stand-ins/procd.sh',
    ]) {
      expect(rel).toContain(f);
    }
    expect(rel.some((f) => f.endsWith('nmcddns.config'))).toBe(false); // UCI, not a script
  });

  it.each(files.map((f) => [f.slice(REPO.length)]))('%s is clean', (file) => {
    const r = spawnSync('shellcheck', ['-s', 'sh', join(REPO, file)], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the maintainer scripts in both .ipk files are clean', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmcddns-scripts-'));
    try {
      // nmcddns has no scripts of its own: controlScripts of a spec without postinstPkg/prermPkg.
      const agent: Record<string, string> = controlScripts({ name: 'nmcddns' });
      const luci: Record<string, string> = controlScripts(luciSpec({ root: REPO, version: '0', mtime: 0 }));
      expect(Object.keys(agent)).toEqual(['postinst', 'prerm']);
      expect(Object.keys(luci)).toEqual(['postinst', 'postinst-pkg', 'prerm']);
      const scripts = { ...Object.fromEntries(Object.entries(agent).map(([k, v]) => [`nmcddns.${k}`, v])), ...Object.fromEntries(Object.entries(luci).map(([k, v]) => [`luci.${k}`, v])) };
      for (const [name, text] of Object.entries(scripts)) {
        writeFileSync(join(dir, name), text);
        const r = spawnSync('shellcheck', ['-s', 'sh', join(dir, name)], { encoding: 'utf8' });
        expect(r.stdout + r.stderr, name).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
