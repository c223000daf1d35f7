// What the feed Makefile (openwrt/nmcddns/Makefile) installs, read from its install recipe, so
// the tests build their router file trees and check the standalone .ipk against the same list
// the OpenWrt SDK would use.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const FEED = join(REPO, 'openwrt', 'nmcddns');
export const FILES = join(FEED, 'files');
export const STAND_INS = fileURLToPath(new URL('../stand-ins', import.meta.url));

export interface FeedInstall {
  /** ./files/<name> for our own files, or the bundle file name for $(PKG_BUILD_DIR)/<name> */
  source: { kind: 'files' | 'bundle'; name: string };
  /** absolute path on the router */
  dest: string;
  mode: number;
}

// Modes of OpenWrt's install macros (rules.mk): INSTALL_BIN 0755, INSTALL_DATA 0644, INSTALL_CONF 0600.
const MACRO_MODE: Record<string, number> = { INSTALL_BIN: 0o755, INSTALL_DATA: 0o644, INSTALL_CONF: 0o600 };

export function makefileText(): string {
  return readFileSync(join(FEED, 'Makefile'), 'utf8');
}

/** The `$(INSTALL_X) <source> $(1)/<dest>` lines of define Package/nmcddns/install. */
export function feedInstalls(): FeedInstall[] {
  const text = makefileText();
  const body = /define Package\/nmcddns\/install\n([\s\S]*?)\nendef/.exec(text)?.[1];
  if (body === undefined) throw new Error('openwrt/nmcddns/Makefile has no define Package/nmcddns/install');
  const out: FeedInstall[] = [];
  for (const line of body.split('\n')) {
    const m = /^\t\$\((INSTALL_BIN|INSTALL_DATA|INSTALL_CONF)\) (\S+) \$\(1\)(\/\S+)$/.exec(line);
    if (!m) continue;
    const [, macro = '', src = '', dest = ''] = m;
    const bundle = /^\$\(PKG_BUILD_DIR\)\/(.+)$/.exec(src);
    const own = /^\.\/files\/(.+)$/.exec(src);
    if (!bundle && !own) throw new Error(`unexpected install source in the Makefile: ${line}`);
    out.push({
      source: bundle ? { kind: 'bundle', name: bundle[1] ?? '' } : { kind: 'files', name: own?.[1] ?? '' },
      dest,
      mode: MACRO_MODE[macro] ?? 0,
    });
  }
  return out;
}

/** A `define Package/nmcddns/<what>` body as lines. */
export function makefileDefine(what: string): string[] {
  const re = new RegExp(`define Package/nmcddns/${what}\\n([\\s\\S]*?)\\nendef`);
  const body = re.exec(makefileText())?.[1];
  if (body === undefined) throw new Error(`openwrt/nmcddns/Makefile has no define Package/nmcddns/${what}`);
  return body.split('\n').filter((l) => l.trim() !== '');
}

export function makefileVar(name: string): string | undefined {
  return new RegExp(`^${name}:=(.*)$`, 'm').exec(makefileText())?.[1]?.trim();
}

/**
 * A private copy of the built bundle (dist/nmcddns.mjs and dist/secp256k1.wasm) in dir, for a
 * test that packs or installs it without touching the checkout's dist/. Builds it first when
 * it is not built yet (`npm test` builds it before the tests).
 */
export function copyBundle(dir: string): string {
  if (!existsSync(join(REPO, 'dist', 'nmcddns.mjs'))) {
    const b = spawnSync('node', ['build.mjs'], { cwd: REPO, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`node build.mjs failed: ${b.stderr}`);
  }
  mkdirSync(dir, { recursive: true });
  for (const f of ['nmcddns.mjs', 'secp256k1.wasm']) copyFileSync(join(REPO, 'dist', f), join(dir, f));
  return dir;
}

/**
 * Skip loudly, or fail under CI=true, when something the test needs is not on this machine.
 * Returns true when the test should run.
 */
export function requireOrSkip(ok: boolean, what: string): boolean {
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`${what} is required under CI=true`);
  console.warn(`SKIPPED: ${what} is not available here`);
  return false;
}
