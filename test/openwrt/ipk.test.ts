// The standalone packages from openwrt/ipk.mjs, opened with the system's gzip/tar (GNU tar), not
// with our writer's own code, and the feed Makefile they must agree with. Proves: the outer
// format is the gzip'd tar opkg-lede reads (not ar); the files, modes (0755 executables, 0644
// data, 0600 config) and owners (root, uid/gid 0) are what the Makefile installs; control has
// the right fields; conffiles lists the shipped config only, as an SDK build's would, and the
// key's directory (the Makefile's other conffiles entry) is in keep.d for sysupgrade; no
// maintainer script touches /etc/nmcddns; the scripts are
// IPKG_INSTROOT-aware; the packaged bundle runs; the LuCI package holds exactly the app's files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FILES, REPO, copyBundle, feedInstalls, makefileDefine, makefileText, makefileVar } from './helpers/feed.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { packAll, tar } from '../../openwrt/ipk.mjs';

const VERSION: string = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
const CONFIG_DOC = readFileSync(join(REPO, 'docs', 'config.md'), 'utf8');

function docDefault(option: string): string {
  const m = new RegExp(`^\\| \`${option}\` \\| [^|]+ \\| \`([^\`]+)\``, 'm').exec(CONFIG_DOC);
  if (!m?.[1]) throw new Error(`docs/config.md has no default for ${option}`);
  return m[1];
}

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  if (r.error) throw r.error;
  return r;
}

interface Listed {
  mode: string;
  owner: string;
  size: number;
  name: string;
}

/** `tar -tvz --numeric-owner` of a .tar.gz: permissions string, uid/gid, size, name. */
function listTar(file: string): Listed[] {
  const r = sh('tar', ['--numeric-owner', '-tvzf', file]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S+) (\d+\/\d+)\s+(\d+) \S+ \S+ (.+)$/.exec(line);
      if (!m) throw new Error(`unexpected tar listing line: ${line}`);
      return { mode: m[1] ?? '', owner: m[2] ?? '', size: Number(m[3]), name: m[4] ?? '' };
    });
}

/** Extract a .ipk as opkg would find it: outer tar.gz, then both inner tar.gz, with owners and modes. */
function unpack(ipk: string, into: string) {
  mkdirSync(into, { recursive: true });
  const outer = sh('tar', ['-xzf', ipk, '-C', into]);
  expect(outer.status, outer.stderr).toBe(0);
  for (const part of ['data', 'control']) {
    mkdirSync(join(into, part), { recursive: true });
    const r = sh('tar', ['--numeric-owner', '--same-owner', '-xpzf', join(into, `${part}.tar.gz`), '-C', join(into, part)]);
    expect(r.status, r.stderr).toBe(0);
  }
  return { data: join(into, 'data'), control: join(into, 'control') };
}

function parseControl(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let last = '';
  for (const line of text.split('\n')) {
    if (line.startsWith(' ') && last) fields[last] += `\n${line.slice(1)}`;
    else {
      const m = /^([A-Za-z-]+): (.*)$/.exec(line);
      if (m?.[1]) fields[(last = m[1])] = m[2] ?? '';
    }
  }
  return fields;
}

/** Regular files under dir as router paths. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push('/' + relative(dir, p).split(sep).join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

let work: string;
let dist: string;
let ipk: { nmcddns: string; luci: string };
let bundleBuilt: boolean;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nmcddns-ipk-'));
  dist = copyBundle(join(work, 'dist'));
  bundleBuilt = true;
  process.env.SOURCE_DATE_EPOCH = '1767225600';
  try {
    const written: string[] = await packAll({ root: REPO, dist, version: VERSION });
    ipk = {
      nmcddns: written.find((p) => p.endsWith(`/nmcddns_${VERSION}_all.ipk`)) ?? '',
      luci: written.find((p) => p.endsWith(`/luci-app-nmcddns_${VERSION}_all.ipk`)) ?? '',
    };
  } finally {
    delete process.env.SOURCE_DATE_EPOCH;
  }
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the feed Makefile', () => {
  it('has the version of package.json, PKGARCH all, DEPENDS +node, and the conffiles for config and key', () => {
    expect(makefileVar('PKG_VERSION')).toBe(VERSION);
    expect(makefileText()).toMatch(/^\s*PKGARCH:=all$/m);
    expect(makefileText()).toMatch(/^\s*DEPENDS:=\+node$/m);
    expect(makefileDefine('conffiles')).toEqual(['/etc/config/nmcddns', '/etc/nmcddns/']);
    // The key's directory is a conffile that is not a shipped file: package-pack.mk writes it to
    // /lib/upgrade/keep.d/nmcddns. Both default paths of docs/config.md live in it.
    expect(docDefault('key_file').startsWith('/etc/nmcddns/')).toBe(true);
    expect(docDefault('pin_file').startsWith('/etc/nmcddns/')).toBe(true);
  });

  it('defines no prerm/postrm of its own (removing the package leaves /etc/nmcddns alone)', () => {
    expect(makefileText()).not.toMatch(/define Package\/nmcddns\/(prerm|postrm|preinst|postinst)/);
  });

  it("installs every file of files/, with OpenWrt's install macros", () => {
    const installs = feedInstalls();
    const own = installs.filter((i) => i.source.kind === 'files').map((i) => i.source.name).sort();
    expect(own).toEqual(readdirSync(FILES).sort());
    expect(installs.filter((i) => i.source.kind === 'bundle').map((i) => i.dest)).toEqual(['/usr/lib/nmcddns/nmcddns.mjs', '/usr/lib/nmcddns/secp256k1.wasm']);
  });
});

describe('the default UCI config (files/nmcddns.config)', () => {
  const text = readFileSync(join(FILES, 'nmcddns.config'), 'utf8');
  const active = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));

  it("is disabled: the only active lines are the section and enabled '0'", () => {
    expect(active).toEqual(["config nmcddns 'main'", "\toption enabled '0'"]);
  });

  it('shows every option of docs/config.md, with the documented default where there is one', () => {
    const rows = [...CONFIG_DOC.matchAll(/^\| `([a-z0-9_]+)` \| ([^|]+) \| ([^|]+) \|/gm)];
    expect(rows.length).toBeGreaterThan(20);
    for (const [, option = '', , def = ''] of rows) {
      const line = new RegExp(`^\\t#?(option|list) ${option} '([^']*)'$`, 'm').exec(text);
      expect(line, `option ${option} in nmcddns.config`).not.toBeNull();
      const documented = /^`([^`]+)`/.exec(def.trim())?.[1];
      // Plain literal defaults (not "built-in list", "from the server's estimate", …) must match.
      if (documented !== undefined && /^`[^`]+`\s*(\(|$)/.test(def.trim()) && !/ when | or /.test(def)) {
        expect(line?.[2], `default of ${option}`).toBe(documented);
      }
    }
  });
});

describe(`nmcddns_${VERSION}_all.ipk`, () => {
  let unpacked: { data: string; control: string };
  beforeAll(() => {
    unpacked = unpack(ipk.nmcddns, join(work, 'nmcddns'));
  });

  it("is a gzip'd tar of debian-binary, data.tar.gz, control.tar.gz (what opkg-lede reads), not ar", () => {
    const bytes = readFileSync(ipk.nmcddns);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(bytes.subarray(0, 7).toString('latin1')).not.toBe('!<arch>');
    expect(listTar(ipk.nmcddns).map((e) => e.name)).toEqual(['./debian-binary', './data.tar.gz', './control.tar.gz']);
    expect(readFileSync(join(work, 'nmcddns', 'debian-binary'), 'utf8')).toBe('2.0\n');
  });

  it('holds exactly what the Makefile installs, plus keep.d; every path ./-prefixed, owned by 0/0, right modes', () => {
    const listed = listTar(join(work, 'nmcddns', 'data.tar.gz'));
    const expected = new Map<string, number>(feedInstalls().map((i) => [i.dest, i.mode]));
    expected.set('/lib/upgrade/keep.d/nmcddns', 0o644);
    const files = listed.filter((e) => !e.name.endsWith('/'));
    expect(files.map((e) => e.name.slice(1)).sort()).toEqual([...expected.keys()].sort());
    expect(listed[0]?.name).toBe('./');
    for (const e of listed) {
      expect(e.name.startsWith('./')).toBe(true);
      expect(e.owner).toBe('0/0');
    }
    for (const [path, mode] of expected) {
      const st = statSync(join(unpacked.data, path));
      expect((st.mode & 0o7777).toString(8), path).toBe(mode.toString(8));
      expect([st.uid, st.gid], path).toEqual([0, 0]);
    }
    for (const e of listed.filter((x) => x.name.endsWith('/'))) expect(e.mode, e.name).toBe('drwxr-xr-x');
    expect(statSync(join(unpacked.data, 'usr/bin/nmcddns')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(unpacked.data, 'etc/init.d/nmcddns')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(unpacked.data, 'etc/hotplug.d/iface/95-nmcddns')).mode & 0o7777).toBe(0o644); // sourced, not run
  });

  it('ships the files byte for byte: our files/ and the bundle from dist/', () => {
    for (const i of feedInstalls()) {
      const from = i.source.kind === 'files' ? join(FILES, i.source.name) : join(dist, i.source.name);
      expect(readFileSync(join(unpacked.data, i.dest)).equals(readFileSync(from)), i.dest).toBe(true);
    }
  });

  it('keeps the key and the pins over sysupgrade: /etc/nmcddns/ in /lib/upgrade/keep.d/nmcddns', () => {
    expect(readFileSync(join(unpacked.data, 'lib/upgrade/keep.d/nmcddns'), 'utf8')).toBe('/etc/nmcddns/\n');
    expect(filesUnder(join(unpacked.data, 'etc/nmcddns'))).toEqual([]); // never ships a key
  });

  it('has a control file with the right fields', () => {
    const fields = parseControl(readFileSync(join(unpacked.control, 'control'), 'utf8'));
    const dataTarSize = gunzipSync(readFileSync(join(work, 'nmcddns', 'data.tar.gz'))).length;
    expect(fields).toMatchObject({
      Package: 'nmcddns',
      Version: VERSION,
      Depends: 'node',
      Architecture: 'all',
      Maintainer: makefileVar('PKG_MAINTAINER'),
      License: makefileVar('PKG_LICENSE'),
      Section: 'net',
      'Installed-Size': String(dataTarSize),
    });
    expect(fields.Description).toMatch(/^Dynamic DNS for Namecoin \.bit names\n/);
    expect(listTar(join(work, 'nmcddns', 'control.tar.gz')).map((e) => [e.name, e.mode, e.owner])).toEqual([
      ['./', 'drwxr-xr-x', '0/0'],
      ['./control', '-rw-r--r--', '0/0'],
      ['./conffiles', '-rw-r--r--', '0/0'],
      ['./postinst', '-rwxr-xr-x', '0/0'],
      ['./prerm', '-rwxr-xr-x', '0/0'],
    ]);
  });

  it('lists the shipped config as its one conffile; the key and the pins are kept by keep.d instead', () => {
    const conffiles = readFileSync(join(unpacked.control, 'conffiles'), 'utf8').split('\n').filter(Boolean);
    expect(conffiles).toEqual(['/etc/config/nmcddns']);
    // Not the key: opkg-lede would print "Conffile … has no md5sum" at each upgrade and copy the
    // key to hotkey-opkg.backup meanwhile. Every entry of the Makefile's conffiles is covered
    // by one of the two lists, and the key and the pins are under the kept directory.
    expect(conffiles).not.toContain(docDefault('key_file'));
    const keep = readFileSync(join(unpacked.data, 'lib/upgrade/keep.d/nmcddns'), 'utf8').split('\n').filter(Boolean);
    expect([...conffiles, ...keep].sort()).toEqual([...makefileDefine('conffiles')].sort());
    for (const option of ['key_file', 'pin_file']) expect(keep.some((dir) => docDefault(option).startsWith(dir)), option).toBe(true);
  });

  it('has maintainer scripts that never touch /etc/nmcddns, and no postrm', () => {
    const scripts = readdirSync(unpacked.control).filter((f) => /^(pre|post)(inst|rm)(-pkg)?$/.test(f));
    expect(scripts.sort()).toEqual(['postinst', 'prerm']);
    for (const f of scripts) expect(readFileSync(join(unpacked.control, f), 'utf8')).not.toContain('/etc/nmcddns');
    expect(existsSync(join(unpacked.control, 'postrm'))).toBe(false);
  });

  it('postinst/prerm: hand over to default_postinst/default_prerm from $IPKG_INSTROOT/lib/functions.sh', () => {
    const instroot = join(work, 'instroot');
    mkdirSync(join(instroot, 'lib'), { recursive: true });
    const record = join(work, 'default-calls');
    writeFileSync(
      join(instroot, 'lib', 'functions.sh'),
      `default_postinst() { echo "default_postinst $* root=$IPKG_INSTROOT" >>"${record}"; }\ndefault_prerm() { echo "default_prerm $* root=$IPKG_INSTROOT" >>"${record}"; }\n`,
    );
    // opkg runs the scripts as /usr/lib/opkg/info/<pkg>.<script>; default_* take the package name from $0.
    const info = join(instroot, 'usr', 'lib', 'opkg', 'info');
    mkdirSync(info, { recursive: true });
    for (const s of ['postinst', 'prerm']) {
      copyFileSync(join(unpacked.control, s), join(info, `nmcddns.${s}`));
      chmodSync(join(info, `nmcddns.${s}`), 0o755);
      expect(sh(join(info, `nmcddns.${s}`), ['configure'], { env: { IPKG_INSTROOT: instroot } }).status).toBe(0);
    }
    expect(readFileSync(record, 'utf8')).toBe(
      `default_postinst ${info}/nmcddns.postinst configure root=${instroot}\ndefault_prerm ${info}/nmcddns.prerm configure root=${instroot}\n`,
    );
    // IPKG_NO_SCRIPT=1 (image builds that run scripts later) and a root without functions.sh: nothing.
    rmSync(record);
    expect(sh(join(info, 'nmcddns.postinst'), [], { env: { IPKG_INSTROOT: instroot, IPKG_NO_SCRIPT: '1' } }).status).toBe(0);
    expect(sh(join(info, 'nmcddns.postinst'), [], { env: { IPKG_INSTROOT: join(work, 'empty-root') } }).status).toBe(0);
    expect(existsSync(record)).toBe(false);
  });

  it('packs a bundle that runs: node usr/lib/nmcddns/nmcddns.mjs --version', () => {
    expect(bundleBuilt).toBe(true);
    const r = sh('node', [join(unpacked.data, 'usr/lib/nmcddns/nmcddns.mjs'), '--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('is reproducible: the same inputs and SOURCE_DATE_EPOCH give the same bytes', async () => {
    const again = join(work, 'again');
    mkdirSync(again);
    for (const f of ['nmcddns.mjs', 'secp256k1.wasm']) copyFileSync(join(dist, f), join(again, f));
    process.env.SOURCE_DATE_EPOCH = '1767225600';
    try {
      await packAll({ root: REPO, dist: again, version: VERSION });
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
    expect(readFileSync(join(again, `nmcddns_${VERSION}_all.ipk`)).equals(readFileSync(ipk.nmcddns))).toBe(true);
    const mtimes = sh('tar', ['--full-time', '-tvzf', join(work, 'nmcddns', 'data.tar.gz')]).stdout;
    expect(mtimes).toContain('2026-01-01 00:00:00');
  });
});

describe(`luci-app-nmcddns_${VERSION}_all.ipk`, () => {
  const app = join(REPO, 'openwrt', 'luci-app-nmcddns');
  let unpacked: { data: string; control: string };
  beforeAll(() => {
    unpacked = unpack(ipk.luci, join(work, 'luci'));
  });

  it('holds every file of htdocs/ under /www and of root/ under /, executables 0755, the rest 0644, owned by root', () => {
    const expected = new Map<string, number>();
    for (const [from, to] of [['htdocs', '/www'], ['root', '']] as const) {
      for (const f of filesUnder(join(app, from))) {
        if (f.split('/').some((part) => part.startsWith('.')) || f.endsWith('~')) continue;
        expected.set(`${to}${f}`, statSync(join(app, from, f)).mode & 0o111 ? 0o755 : 0o644);
      }
    }
    expect(filesUnder(unpacked.data)).toEqual([...expected.keys()].sort());
    for (const [path, mode] of expected) {
      const st = statSync(join(unpacked.data, path));
      expect((st.mode & 0o7777).toString(8), path).toBe(mode.toString(8));
      expect([st.uid, st.gid], path).toEqual([0, 0]);
      expect(readFileSync(join(unpacked.data, path)).equals(readFileSync(join(app, path.startsWith('/www/') ? 'htdocs' + path.slice(4) : 'root' + path))), path).toBe(true);
    }
    for (const e of listTar(join(work, 'luci', 'data.tar.gz'))) expect(e.owner).toBe('0/0');
  });

  it('depends on nmcddns and luci-base, and reloads rpcd and drops the LuCI caches after install', () => {
    const fields = parseControl(readFileSync(join(unpacked.control, 'control'), 'utf8'));
    expect(fields).toMatchObject({ Package: 'luci-app-nmcddns', Version: VERSION, Depends: 'nmcddns, luci-base', Architecture: 'all', Section: 'luci', License: 'MIT' });
    const post = readFileSync(join(unpacked.control, 'postinst-pkg'), 'utf8');
    expect(post).toContain('killall -HUP rpcd');
    expect(post).toContain('rm -rf /tmp/luci-modulecache/');
    expect(post).toMatch(/\[ -n "\$\{IPKG_INSTROOT\}" \] \|\|/);
  });
});

/**
 * A reader for the test that applies opkg-lede's own acceptance rules (libbb/unarchive.c,
 * get_header_tar and deb_extract), stricter in places than GNU tar: magic starting "ustar" (or
 * all zero), checksum = sum of the unsigned header bytes with the checksum field as spaces,
 * equal to the octal number in that field; name = prefix + "/" + name; mode & 07777; typeflag
 * '0' or '5' for what we write; the outer member found by its name without "./".
 */
function opkgMembers(tarBytes: Buffer): { name: string; mode: number; uid: number; gid: number; type: string; data: Buffer }[] {
  const out = [];
  let off = 0;
  while (off + 512 <= tarBytes.length) {
    const h = tarBytes.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.subarray(a, a + n).toString('latin1').replace(/\0.*$/s, '');
    const magic = h.subarray(257, 262).toString('latin1');
    expect(magic === 'ustar' || magic === '\0\0\0\0\0', 'ustar magic').toBe(true);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
    expect(sum, `header checksum of ${str(0, 100)}`).toBe(parseInt(str(148, 8).trim(), 8));
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    const size = parseInt(str(124, 12), 8);
    const type = String.fromCharCode(h[156] ?? 0);
    expect(['0', '5'], `typeflag of ${name}`).toContain(type);
    out.push({ name, mode: parseInt(str(100, 8), 8) & 0o7777, uid: parseInt(str(108, 8), 8), gid: parseInt(str(116, 8), 8), type, data: tarBytes.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe("opkg-lede's header rules", () => {
  it.each([['nmcddns'], ['luci']] as const)('the %s package passes them, outer and inner, and yields control and conffiles', (which) => {
    const outer = opkgMembers(gunzipSync(readFileSync(which === 'nmcddns' ? ipk.nmcddns : ipk.luci)));
    const member = (n: string) => outer.find((m) => m.name.replace(/^\.\//, '') === n);
    expect(member('debian-binary')?.data.toString()).toBe('2.0\n');
    const control = opkgMembers(gunzipSync(member('control.tar.gz')?.data ?? Buffer.alloc(0)));
    const data = opkgMembers(gunzipSync(member('data.tar.gz')?.data ?? Buffer.alloc(0)));
    for (const m of [...outer, ...control, ...data]) expect([m.uid, m.gid], m.name).toEqual([0, 0]);
    expect(control.find((m) => m.name === './control')?.data.toString()).toMatch(/^Package: /);
    expect(data.length).toBeGreaterThan(5);
    if (which === 'nmcddns') expect(control.find((m) => m.name === './conffiles')?.data.toString()).toContain('/etc/config/nmcddns\n');
  });
});

describe('the tar writer, read back by GNU tar', () => {
  it('splits a path longer than 100 bytes into the ustar prefix, and refuses one that cannot be split', () => {
    const long = `./www/${'a'.repeat(60)}/${'b'.repeat(60)}/file.js`;
    const file = join(work, 'long.tar');
    writeFileSync(file, tar([{ name: long, mode: 0o644, mtime: 0, data: new TextEncoder().encode('x') }]));
    const r = sh('tar', ['-tf', file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(long);
    // Split at the last '/', the directories would be 186 bytes; split earlier, 123 + 65.
    const deep = `./${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(60)}/x.js`;
    writeFileSync(file, tar([{ name: deep, mode: 0o644, mtime: 0, data: new TextEncoder().encode('y') }]));
    expect(sh('tar', ['-tf', file]).stdout.trim()).toBe(deep);
    expect(() => tar([{ name: `./${'c'.repeat(120)}`, mode: 0o644, mtime: 0 }])).toThrow(/path too long/);
  });
});
