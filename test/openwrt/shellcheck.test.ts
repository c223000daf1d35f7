// Every shell file of the OpenWrt packaging passes `shellcheck -s sh` (POSIX sh, what busybox
// ash runs) with no finding at any severity: the feed files, the maintainer scripts the .ipk
// packer writes, and the test stand-ins. Skipped loudly without shellcheck; required under CI=true.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILES, REPO, STAND_INS, requireOrSkip } from './helpers/feed.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { controlScripts, luciSpec } from '../../openwrt/ipk.mjs';

const haveShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe.runIf(requireOrSkip(haveShellcheck, 'shellcheck (apt-get install shellcheck)'))('shellcheck -s sh', () => {
  const feedFiles = readdirSync(FILES)
    .filter((f) => f !== 'nmcddns.config') // UCI, not a script
    .map((f) => join(FILES, f));
  const standIns = readdirSync(STAND_INS, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(STAND_INS, e.name));

  it.each([...feedFiles, ...standIns].map((f) => [f.slice(REPO.length)]))('%s is clean', (file) => {
    const r = spawnSync('shellcheck', ['-s', 'sh', join(REPO, file)], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the maintainer scripts in the .ipk are clean', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmcddns-scripts-'));
    try {
      const scripts: Record<string, string> = controlScripts(luciSpec({ root: REPO, version: '0', mtime: 0 }));
      expect(Object.keys(scripts)).toEqual(['postinst', 'postinst-pkg', 'prerm']);
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
