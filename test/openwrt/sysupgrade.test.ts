// sysupgrade keeps the hot key and the pins: the nmcddns .ipk's data is unpacked into a busybox
// chroot (as opkg lays it down: modes and owners from the archive), the key and the pins are
// written where a run writes them, and then the chroot's busybox runs sysupgrade's own list step
// (add_uci_conffiles in OpenWrt's /sbin/sysupgrade: `find` over the lines of
// /etc/sysupgrade.conf and /lib/upgrade/keep.d/*, regular files and links) and its backup and
// restore (`tar czf -T list`, later `tar -C / -xzf` on the new image's root). Proves: the list
// names /etc/nmcddns/hotkey and /etc/nmcddns/pins.json, and after the restore into a fresh root
// both are there with their bytes and modes (the key 0600). Not the real sysupgrade: no image,
// no flash, no `opkg list-changed-conffiles` (it only adds changed conffiles such as a changed
// /etc/config/nmcddns; the key is kept without it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouterRoot, routerRootUnavailable } from './helpers/router-root.ts';
import { REPO, copyBundle, requireOrSkip } from './helpers/feed.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { packAll } from '../../openwrt/ipk.mjs';

const VERSION: string = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
const KEY = 'wpkh(test-key-material-not-a-real-wif)\n';
const PINS = '{"electrum.example.org:50002":"ab"}\n';

// sysupgrade's list step and its backup, as /sbin/sysupgrade runs them (add_uci_conffiles and
// do_save_conffiles), minus `opkg list-changed-conffiles`, which this root has no opkg for. The
// list goes to tar as arguments: Debian's busybox tar has no -T (OpenWrt's has).
const BACKUP = `#!/bin/sh
# shellcheck disable=SC2046 # word splitting of the lists is the point, as in sysupgrade
( find $(sed -ne '/^[[:space:]]*$/d; /^#/d; p' /etc/sysupgrade.conf /lib/upgrade/keep.d/* 2>/dev/null) \\
	-type f -o -type l 2>/dev/null ) | sort -u > /tmp/sysupgrade.conffiles
tar czf /tmp/sysupgrade.tgz $(cat /tmp/sysupgrade.conffiles) 2>/dev/null
`;

const missing = routerRootUnavailable('busybox');
describe.runIf(requireOrSkip(missing === undefined, `${missing} for the sysupgrade test`))('sysupgrade with the nmcddns package installed', () => {
  let work: string;
  let before: RouterRoot;
  let after: RouterRoot;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nmcddns-sysupgrade-'));
    const dist = copyBundle(join(work, 'dist'));
    const written: string[] = await packAll({ root: REPO, dist, version: VERSION });
    const ipk = written.find((p) => p.endsWith(`/nmcddns_${VERSION}_all.ipk`));
    expect(ipk).toBeDefined();
    const outer = join(work, 'outer');
    mkdirSync(outer);
    expect(spawnSync('tar', ['-xzf', ipk!, '-C', outer]).status).toBe(0);

    before = new RouterRoot('busybox');
    after = new RouterRoot('busybox');
    const installed = spawnSync('tar', ['--numeric-owner', '--same-owner', '-xpzf', join(outer, 'data.tar.gz'), '-C', before.dir], { encoding: 'utf8' });
    expect(installed.status, installed.stderr).toBe(0);
    // What keygen and the first TLS connections write at run time.
    before.write('/etc/nmcddns/hotkey', KEY, 0o600);
    before.write('/etc/nmcddns/pins.json', PINS, 0o644);
    before.write('/etc/sysupgrade.conf', '## This file contains files and directories that should\n## be preserved during an upgrade.\n\n');
    before.write('/sbin/nmcddns-backup', BACKUP, 0o755);
    // A router always has base-files' keep.d lists too (so find never runs without a path).
    before.write('/lib/upgrade/keep.d/base-files-essential', '/etc/passwd\n');
    before.write('/etc/passwd', 'root:x:0:0:root:/root:/bin/ash\n');
  }, 60_000);

  afterAll(() => {
    before?.cleanup();
    after?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists the key and the pins for the backup (keep.d from the package)', async () => {
    const r = await before.run(['/sbin/nmcddns-backup']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = before.read('/tmp/sysupgrade.conffiles').split('\n').filter(Boolean);
    expect(list).toEqual(['/etc/nmcddns/hotkey', '/etc/nmcddns/pins.json', '/etc/passwd']);
  });

  it('restores both, bytes and modes, into the new root', async () => {
    copyFileSync(join(before.dir, 'tmp/sysupgrade.tgz'), join(after.dir, 'tmp/sysupgrade.tgz'));
    expect(existsSync(join(after.dir, 'etc/nmcddns/hotkey'))).toBe(false);
    const r = await after.run(['/bin/tar', '-C', '/', '-xzf', '/tmp/sysupgrade.tgz']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(after.read('/etc/nmcddns/hotkey')).toBe(KEY);
    expect(after.read('/etc/nmcddns/pins.json')).toBe(PINS);
    expect(statSync(join(after.dir, 'etc/nmcddns/hotkey')).mode & 0o7777).toBe(0o600);
  });
});
