// Standalone OpenWrt packages without an SDK: `npm run package` (node build.mjs --ipk) calls
// packAll() and writes dist/nmcddns_<version>_all.ipk and dist/luci-app-nmcddns_<version>_all.ipk
// for users who just want `opkg install` on OpenWrt <= 24.10.
//
// The file format is the one OpenWrt's own scripts/ipkg-build writes and opkg-lede reads:
//
//   <name>_<version>_all.ipk = gzip( tar( ./debian-binary    "2.0\n"
//                                         ./data.tar.gz      gzip(tar(the files, ./-prefixed))
//                                         ./control.tar.gz   gzip(tar(./control, ./conffiles,
//                                                            ./postinst, ./prerm, ...)) ))
//
// Not the Debian-style ar archive: opkg-lede (OpenWrt's opkg, 24.10 included) opens the package
// with its gzip reader and walks an outer tar (libbb/unarchive.c deb_extract); it has no ar
// reader, so an ar .ipk does not install there. Tar headers are POSIX ustar with uid/gid 0 and
// user/group "root"; opkg keeps the mode bits (07777) and owners from them.
//
// What goes in each package is listed below, the same paths and modes as the feed Makefile
// (openwrt/nmcddns/Makefile, checked against it by test/openwrt/ipk.test.ts); the LuCI package
// takes whatever openwrt/luci-app-nmcddns/ holds, htdocs/ -> /www and root/ -> /, the layout
// luci.mk installs.
import { gzipSync } from 'node:zlib';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { concatBytes } from '@noble/hashes/utils';

/** @typedef {{ path: string, mode: number, data: Uint8Array }} PackFile  path: absolute on the router, e.g. /usr/bin/nmcddns */
/**
 * @typedef {{
 *   name: string, version: string, depends: string, section: string, description: string,
 *   files: PackFile[], conffiles: string[], keep: string[], postinstPkg?: string, prermPkg?: string,
 *   mtime: number,
 * }} PackageSpec
 */

export const MAINTAINER = 'nmcddns developers';
export const LICENSE = 'MIT';

const BLOCK = 512;

// ---------------------------------------------------------------- tar (POSIX ustar) writer

/**
 * One ustar header block. Names longer than 100 bytes are split into prefix (<= 155) and name
 * (<= 100) at a '/', which opkg-lede and GNU tar both join back.
 * @param {{ name: string, mode: number, size: number, mtime: number, type: '0' | '5' }} e
 */
function tarHeader(e) {
  const h = new Uint8Array(BLOCK);
  const enc = new TextEncoder();
  const put = (/** @type {number} */ off, /** @type {number} */ len, /** @type {string} */ s) => {
    const b = enc.encode(s);
    if (b.length > len) throw new Error(`tar: field too long for '${e.name}': '${s}'`);
    h.set(b, off);
  };
  const octal = (/** @type {number} */ off, /** @type {number} */ len, /** @type {number} */ n) =>
    put(off, len, n.toString(8).padStart(len - 1, '0') + '\0');

  let name = e.name;
  let prefix = '';
  if (enc.encode(name).length > 100) {
    // The first '/' that leaves at most 100 bytes after it: the longest name, the shortest prefix.
    const full = name;
    const last = full.endsWith('/') ? full.length - 2 : full.length - 1;
    let cut = -1;
    for (let i = full.indexOf('/'); i !== -1 && i <= last; i = full.indexOf('/', i + 1)) {
      if (enc.encode(full.slice(i + 1)).length <= 100) {
        cut = i;
        break;
      }
    }
    prefix = cut > 0 ? full.slice(0, cut) : '';
    name = cut > 0 ? full.slice(cut + 1) : full;
    if (!prefix || enc.encode(name).length > 100 || enc.encode(prefix).length > 155) {
      throw new Error(`tar: path too long for a ustar header (at most 155 bytes of directories and 100 of name): '${e.name}'`);
    }
  }
  put(0, 100, name);
  octal(100, 8, e.mode & 0o7777);
  octal(108, 8, 0); // uid root
  octal(116, 8, 0); // gid root
  octal(124, 12, e.size);
  octal(136, 12, Math.floor(e.mtime));
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  put(156, 1, e.type);
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(265, 32, 'root');
  put(297, 32, 'root');
  octal(329, 8, 0);
  octal(337, 8, 0);
  put(345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/**
 * A tar archive: entries in the given order, then two zero blocks.
 * @param {{ name: string, mode: number, mtime: number, data?: Uint8Array }[]} entries
 *   a name ending in '/' is a directory, anything else a regular file
 * @returns {Uint8Array}
 */
export function tar(entries) {
  /** @type {Uint8Array[]} */
  const parts = [];
  for (const e of entries) {
    const dir = e.name.endsWith('/');
    const data = dir ? new Uint8Array(0) : (e.data ?? new Uint8Array(0));
    parts.push(tarHeader({ name: e.name, mode: e.mode, size: data.length, mtime: e.mtime, type: dir ? '5' : '0' }));
    if (data.length > 0) {
      parts.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return concatBytes(...parts);
}

/** gzip without a file name and with mtime 0 in its header (like `gzip -n`): same input, same bytes. */
function gzip(/** @type {Uint8Array} */ data) {
  return new Uint8Array(gzipSync(data, { level: 9 }));
}

// ---------------------------------------------------------------- ipk assembly

/**
 * The tar entries of a file tree: "./", then every directory and file sorted by name (as
 * `tar --sort=name -c .` in ipkg-build lists them), directories 0755.
 * @param {PackFile[]} files
 * @param {number} mtime
 */
function treeEntries(files, mtime) {
  const dirs = new Set(['./']);
  const seen = new Set();
  for (const f of files) {
    if (!f.path.startsWith('/') || f.path.endsWith('/') || f.path.includes('//')) {
      throw new Error(`package file path must be absolute and name a file: '${f.path}'`);
    }
    if (seen.has(f.path)) throw new Error(`package file listed twice: '${f.path}'`);
    seen.add(f.path);
    const parts = f.path.split('/').slice(1, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`./${parts.slice(0, i).join('/')}/`);
  }
  /** @type {{ name: string, mode: number, mtime: number, data?: Uint8Array }[]} */
  const entries = [...dirs].map((name) => ({ name, mode: 0o755, mtime }));
  for (const f of files) entries.push({ name: `.${f.path}`, mode: f.mode, mtime, data: f.data });
  // "./" first, then by name; a directory always sorts before what it holds.
  const key = (/** @type {string} */ n) => (n === './' ? '' : n.replace(/\/$/, ''));
  return entries.sort((a, b) => (key(a.name) < key(b.name) ? -1 : key(a.name) > key(b.name) ? 1 : 0));
}

/**
 * The maintainer scripts, as OpenWrt's package-pack.mk writes them: postinst/prerm call
 * default_postinst/default_prerm from /lib/functions.sh (which run /etc/uci-defaults, enable and
 * start or stop and disable the package's init scripts, and source <pkg>.postinst-pkg /
 * <pkg>.prerm-pkg). Both look at $IPKG_INSTROOT, so an image build (offline root) only enables.
 */
const POSTINST = `#!/bin/sh
[ "\${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s "\${IPKG_INSTROOT}/lib/functions.sh" ] || exit 0
# shellcheck source=/dev/null
. "\${IPKG_INSTROOT}/lib/functions.sh"
default_postinst "$0" "$@"
`;
const PRERM = `#!/bin/sh
[ -s "\${IPKG_INSTROOT}/lib/functions.sh" ] || exit 0
# shellcheck source=/dev/null
. "\${IPKG_INSTROOT}/lib/functions.sh"
default_prerm "$0" "$@"
`;

/**
 * The maintainer scripts of a package, by file name in control.tar.gz, in archive order.
 * @param {PackageSpec} spec
 * @returns {Record<string, string>}
 */
export function controlScripts(spec) {
  /** @type {Record<string, string>} */
  const scripts = { postinst: POSTINST };
  if (spec.postinstPkg) scripts['postinst-pkg'] = spec.postinstPkg;
  scripts.prerm = PRERM;
  if (spec.prermPkg) scripts['prerm-pkg'] = spec.prermPkg;
  return scripts;
}

/**
 * The control file. Description: first line after the field, further lines indented by one
 * space (opkg's continuation lines).
 * @param {PackageSpec} spec
 * @param {number} installedSize
 */
export function controlText(spec, installedSize) {
  const [first = '', ...rest] = spec.description.trim().split('\n').map((l) => l.trim());
  return [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    `Depends: ${spec.depends}`,
    `License: ${LICENSE}`,
    `Section: ${spec.section}`,
    `Maintainer: ${MAINTAINER}`,
    `Architecture: all`,
    `Installed-Size: ${installedSize}`,
    `Description: ${first}`,
    ...rest.map((l) => ` ${l || '.'}`),
    '',
  ].join('\n');
}

/**
 * One .ipk as bytes.
 * @param {PackageSpec} spec
 * @returns {Uint8Array}
 */
export function buildIpk(spec) {
  const enc = new TextEncoder();
  const mtime = spec.mtime;
  const files = [...spec.files];
  // What sysupgrade keeps beyond the conffiles opkg reports as changed: the conffiles that are
  // not shipped files (written at run time, like the hot key), the rule package-pack.mk uses.
  if (spec.keep.length > 0) {
    files.push({ path: `/lib/upgrade/keep.d/${spec.name}`, mode: 0o644, data: enc.encode(spec.keep.join('\n') + '\n') });
  }
  const dataTar = tar(treeEntries(files, mtime));

  /** @type {{ name: string, mode: number, mtime: number, data?: Uint8Array }[]} */
  const control = [
    { name: './', mode: 0o755, mtime },
    { name: './control', mode: 0o644, mtime, data: enc.encode(controlText(spec, dataTar.length)) },
  ];
  if (spec.conffiles.length > 0) {
    control.push({ name: './conffiles', mode: 0o644, mtime, data: enc.encode(spec.conffiles.join('\n') + '\n') });
  }
  for (const [name, text] of Object.entries(controlScripts(spec))) {
    control.push({ name: `./${name}`, mode: 0o755, mtime, data: enc.encode(text) });
  }

  return gzip(
    tar([
      { name: './debian-binary', mode: 0o644, mtime, data: enc.encode('2.0\n') },
      { name: './data.tar.gz', mode: 0o644, mtime, data: gzip(dataTar) },
      { name: './control.tar.gz', mode: 0o644, mtime, data: gzip(tar(control)) },
    ]),
  );
}

// ---------------------------------------------------------------- the two packages

/**
 * nmcddns: the bundle, the launcher, the init script, the hotplug hook, the default config.
 * @param {{ root: string, dist: string, version: string, mtime: number }} o
 * @returns {PackageSpec}
 */
export function nmcddnsSpec({ root, dist, version, mtime }) {
  const files = join(root, 'openwrt', 'nmcddns', 'files');
  const need = (/** @type {string} */ p, /** @type {string} */ hint) => {
    if (!existsSync(p)) throw new Error(`${p} is missing: ${hint}`);
    return new Uint8Array(readFileSync(p));
  };
  const bundle = (/** @type {string} */ f) => need(join(dist, f), "build the bundle first with 'node build.mjs'");
  const own = (/** @type {string} */ f) => need(join(files, f), 'the nmcddns feed files are incomplete');
  /** @type {PackFile[]} */
  const shipped = [
    { path: '/usr/lib/nmcddns/nmcddns.mjs', mode: 0o644, data: bundle('nmcddns.mjs') },
    { path: '/usr/lib/nmcddns/secp256k1.wasm', mode: 0o644, data: bundle('secp256k1.wasm') },
    { path: '/usr/lib/nmcddns/uci.sh', mode: 0o644, data: own('nmcddns.uci.sh') },
    { path: '/usr/lib/nmcddns/kick', mode: 0o755, data: own('nmcddns.kick') },
    { path: '/usr/lib/nmcddns/periodic', mode: 0o755, data: own('nmcddns.periodic') },
    { path: '/usr/bin/nmcddns', mode: 0o755, data: own('nmcddns.launcher') },
    { path: '/etc/init.d/nmcddns', mode: 0o755, data: own('nmcddns.init') },
    { path: '/etc/hotplug.d/iface/95-nmcddns', mode: 0o644, data: own('nmcddns.hotplug') },
    { path: '/etc/config/nmcddns', mode: 0o600, data: own('nmcddns.config') },
  ];
  return {
    name: 'nmcddns',
    version,
    depends: 'node',
    section: 'net',
    description: `Dynamic DNS for Namecoin .bit names
Keeps a Namecoin dd/ name pointing at this router's reachable WAN addresses, signing
name_update transactions with a hot key and pushing them to Electrum-NMC servers.
Runs start on WAN changes and every check_interval minutes; no resident Node process.`,
    files: shipped,
    // The feed Makefile's conffiles (/etc/config/nmcddns and the key directory /etc/nmcddns/),
    // split the way the SDK splits them, so both builds install and upgrade alike.
    ...sdkConffiles(makefileConffiles(join(root, 'openwrt', 'nmcddns', 'Makefile'), 'nmcddns'), shipped),
    mtime,
  };
}

/**
 * The entries of `define Package/<name>/conffiles` in a feed Makefile.
 * @param {string} makefile
 * @param {string} name
 * @returns {string[]}
 */
export function makefileConffiles(makefile, name) {
  const text = existsSync(makefile) ? readFileSync(makefile, 'utf8') : '';
  const body = new RegExp(`^define Package/${name}/conffiles\\n([\\s\\S]*?)\\nendef`, 'm').exec(text)?.[1];
  if (body === undefined) throw new Error(`${makefile} has no 'define Package/${name}/conffiles'`);
  return body.split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * What an SDK build makes of a package's conffiles entries:
 * - control's `conffiles`: the shipped regular files each entry names or holds (scripts/ipkg-build
 *   runs `find <entries> -type f` in the package tree, then sorts). A conffile that is not shipped
 *   is left out: opkg-lede would print "Conffile ... has no md5sum" for it on every upgrade and
 *   copy it to <file>-opkg.backup meanwhile, i.e. a second copy of the hot key on flash.
 * - /lib/upgrade/keep.d/<pkg>: every entry that is not a shipped file (package-pack.mk's
 *   `[ -f $(IDIR)/$x ] || keepfiles=...`), so sysupgrade keeps what runs write, like the key.
 * @param {string[]} entries paths, a directory ending in '/'
 * @param {PackFile[]} files
 * @returns {{ conffiles: string[], keep: string[] }}
 */
export function sdkConffiles(entries, files) {
  const shipped = files.map((f) => f.path);
  const under = (/** @type {string} */ e) => (e.endsWith('/') ? e : `${e}/`);
  const conffiles = [...new Set(shipped.filter((p) => entries.some((e) => p === e || p.startsWith(under(e)))))].sort();
  const keep = entries.filter((e) => !shipped.includes(e));
  return { conffiles, keep };
}

/**
 * luci-app-nmcddns: every file under openwrt/luci-app-nmcddns/htdocs (-> /www) and root (-> /).
 * Executable bits come from the checkout (an rpcd exec plugin must be 0755), everything else 0644.
 * @param {{ root: string, version: string, mtime: number }} o
 * @returns {PackageSpec}
 */
export function luciSpec({ root, version, mtime }) {
  const app = join(root, 'openwrt', 'luci-app-nmcddns');
  /** @type {PackFile[]} */
  const files = [];
  for (const [from, to] of /** @type {const} */ ([['htdocs', '/www'], ['root', '']])) {
    const base = join(app, from);
    for (const file of walk(base)) {
      const rel = relative(base, file).split(sep).join('/');
      const mode = statSync(file).mode & 0o111 ? 0o755 : 0o644;
      files.push({ path: `${to}/${rel}`, mode, data: new Uint8Array(readFileSync(file)) });
    }
  }
  // The title the LuCI feed Makefile gives the app, so both builds describe it alike.
  const makefile = join(app, 'Makefile');
  const title = existsSync(makefile) ? /^LUCI_TITLE:=(.+)$/m.exec(readFileSync(makefile, 'utf8'))?.[1]?.trim() : undefined;
  return {
    name: 'luci-app-nmcddns',
    version,
    depends: 'nmcddns, luci-base',
    section: 'luci',
    description: `${title ?? 'LuCI support for nmcddns (Namecoin dynamic DNS)'}
Status of the dd/ name, "Update now", key setup and the settings form.`,
    files,
    conffiles: files.filter((f) => f.path.startsWith('/etc/config/')).map((f) => f.path),
    keep: [],
    // What luci.mk's postinst does on a live system: drop LuCI's caches and make rpcd re-read
    // its ACLs and plugins, so the page and its backend work without a reboot.
    postinstPkg: `#!/bin/sh
[ -n "\${IPKG_INSTROOT}" ] || {
	rm -f /tmp/luci-indexcache.*
	rm -rf /tmp/luci-modulecache/
	killall -HUP rpcd 2>/dev/null
	exit 0
}
`,
    mtime,
  };
}

/**
 * Regular files below dir, sorted; dotfiles and editor backups (`*~`) skipped; a missing dir is empty.
 * @param {string} dir
 * @returns {string[]}
 */
function walk(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.') || entry.name.endsWith('~')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * The timestamp in every tar header: SOURCE_DATE_EPOCH when set (reproducible builds), else the
 * bundle's modification time, so packing the same build twice gives the same bytes.
 * @param {string} dist
 */
function packMtime(dist) {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env !== undefined && env !== '') {
    if (!/^\d+$/.test(env)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got '${env}'`);
    return Number(env);
  }
  const bundle = join(dist, 'nmcddns.mjs');
  return existsSync(bundle) ? Math.floor(statSync(bundle).mtimeMs / 1000) : Math.floor(Date.now() / 1000);
}

/**
 * Write both packages into dist/.
 * @param {{ root: string, dist: string, version: string }} o
 * @returns {Promise<string[]>} the paths written
 */
export async function packAll({ root, dist, version }) {
  if (!/^[0-9A-Za-z.+~-]+$/.test(version)) {
    throw new Error(`package version '${version}' has characters opkg does not allow in a version (use [0-9A-Za-z.+~-])`);
  }
  const mtime = packMtime(dist);
  const written = [];
  for (const spec of [nmcddnsSpec({ root, dist, version, mtime }), luciSpec({ root, version, mtime })]) {
    const out = join(dist, `${spec.name}_${version}_all.ipk`);
    writeFileSync(out, buildIpk(spec));
    written.push(out);
  }
  for (const p of written) {
    const rel = relative(root, p);
    process.stdout.write(`packed ${rel.startsWith('..') ? p : rel}\n`);
  }
  return written;
}
