// Helpers for the LuCI tests: where the app's files are, how LuCI turns a view file into a
// class (its 'require' preamble and the function wrapper), and recording stand-ins for the
// LuCI modules so a view can be run in Node to see which backend calls and UCI configs it uses.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import vm from 'node:vm';
import { REPO_ROOT } from '../../helpers/fixtures.ts';

export const LUCI_APP = join(REPO_ROOT, 'openwrt', 'luci-app-nmcddns');
export const HTDOCS = join(LUCI_APP, 'htdocs');
export const VIEW_DIR = join(HTDOCS, 'luci-static', 'resources', 'view');
export const ROOTFS = join(LUCI_APP, 'root');
export const RPCD_PLUGIN = join(ROOTFS, 'usr', 'libexec', 'rpcd', 'luci.nmcddns');
export const ACL_FILE = join(ROOTFS, 'usr', 'share', 'rpcd', 'acl.d', 'luci-app-nmcddns.json');
export const MENU_FILE = join(ROOTFS, 'usr', 'share', 'luci', 'menu.d', 'luci-app-nmcddns.json');
export const LUCI_FIXTURES = join(REPO_ROOT, 'test', 'openwrt', 'luci-fixtures');
export const FAKE_CLI = join(LUCI_FIXTURES, 'fake-nmcddns.mjs');

/** Every .js file under view/, as paths relative to view/ without ".js" (menu.d's "path"). */
export function viewPaths(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.js')) out.push(relative(VIEW_DIR, p).replace(/\.js$/, ''));
    }
  };
  walk(VIEW_DIR);
  return out.sort();
}

export function viewSource(path: string): string {
  return readFileSync(join(VIEW_DIR, `${path}.js`), 'utf8');
}

export interface Require {
  dep: string;
  as: string;
}

/**
 * The 'require x' / 'require x as y' strings at the top of a view, found the way luci.js does:
 * quoted strings from the start of the file, stopping at the first one that is neither a
 * require nor 'use strict'. (Real LuCI also scans past comments because it looks only at
 * quoted text; comments before the preamble would be read the same way here.)
 */
export function requiresOf(source: string): Require[] {
  const requireRe = /^require[ \t]+(\S+)(?:[ \t]+as[ \t]+([a-zA-Z_]\S*))?$/;
  const out: Require[] = [];
  let off = -1;
  let quote = -1;
  let esc = false;
  for (let i = 0; i < source.length; i++) {
    const chr = source.charCodeAt(i);
    if (esc) esc = false;
    else if (chr === 92) esc = true;
    else if (chr === quote) {
      const s = source.substring(off, i);
      const m = requireRe.exec(s);
      if (m) out.push({ dep: m[1]!, as: m[2] ?? m[1]!.replace(/[^a-zA-Z0-9_]/g, '_') });
      else if (!/^use[ \t]+strict$/.test(s)) break;
      off = -1;
      quote = -1;
    } else if (quote === -1 && (chr === 34 || chr === 39)) {
      off = i + 1;
      quote = chr;
    }
  }
  return out;
}

/** A context with LuCI's globals (_(), E(), String.prototype.format) for running views in Node. */
export function luciContext(): vm.Context {
  const ctx = vm.createContext({ console });
  vm.runInContext(
    `
    String.prototype.format = function() {
      var args = arguments, i = 0;
      return this.replace(/%(%|s|d)/g, function(m, t) {
        if (t === '%') return '%';
        var v = args[i++];
        return t === 'd' ? String(Math.floor(+v || 0)) : String(v);
      });
    };
    var _ = function(s) { return s; };
    var E = function(tag, attrs, children) { return { tag: tag, attrs: attrs, children: children }; };
    `,
    ctx,
  );
  return ctx;
}

/**
 * Compile a view the way luci.js does: the file is the body of
 * `function(window, document, L, <required modules…>)` and returns the view class.
 * Throws a SyntaxError naming the file when it does not parse.
 */
export function compileView(path: string, ctx: vm.Context = luciContext()): { fn: Function; requires: Require[] } {
  const source = viewSource(path);
  const requires = requiresOf(source);
  const fn = vm.compileFunction(source, ['window', 'document', 'L', ...requires.map((r) => r.as)], {
    filename: join(VIEW_DIR, `${path}.js`),
    parsingContext: ctx,
  });
  return { fn, requires };
}

/** What a view asked of the backend while it was loaded and rendered. */
export interface Usage {
  rpc: { object: string; method: string; params: string[] }[];
  uciConfigs: string[];
  options: RecordedOption[];
}

export interface RecordedOption {
  widget: string;
  name: string;
  tab: string | null;
  values: string[];
  dependsOn: [string, string][];
  value: (key: string) => void;
  depends: (key: string, value: string) => void;
  default?: string;
  placeholder?: string;
  rmempty?: boolean;
  validate?: (this: RecordedOption, sectionId: string, value: string) => true | string;
  section: { formvalue: (sectionId: string, name: string) => string | undefined };
}

/**
 * Run a view's factory and render() with recording stand-ins for view/rpc/form/ui/poll/dom.
 * Modules the ACL check cannot account for (fs, uci, network …) are refused, so a view that
 * starts using them fails here until the test and the ACL learn about them.
 * formValues feeds section.formvalue() for cross-option validators.
 */
export async function recordView(path: string, formValues: Record<string, string> = {}): Promise<Usage> {
  const usage: Usage = { rpc: [], uciConfigs: [], options: [] };
  const ctx = luciContext();
  const { fn, requires } = compileView(path, ctx);

  const view = {
    extend(props: Record<string, unknown>) {
      return function ViewClass(this: Record<string, unknown>) {
        Object.assign(this, props);
      };
    },
  };
  const rpc = {
    declare(d: { object: string; method: string; params?: string[] }) {
      usage.rpc.push({ object: d.object, method: d.method, params: d.params ?? [] });
      return () => Promise.resolve({});
    },
  };
  const section = {
    formvalue: (_sid: string, name: string) => formValues[name],
  };
  const makeOption = (widget: string, name: string, tab: string | null): RecordedOption => {
    const o: RecordedOption = {
      widget,
      name,
      tab,
      values: [],
      dependsOn: [],
      section,
      value(k: string) {
        o.values.push(k);
      },
      depends(k: string, v: string) {
        o.dependsOn.push([k, v]);
      },
    };
    usage.options.push(o);
    return o;
  };
  const sectionObj = {
    tab() {},
    option(cls: { widget: string }, name: string) {
      return makeOption(cls.widget, name, null);
    },
    taboption(tab: string, cls: { widget: string }, name: string) {
      return makeOption(cls.widget, name, tab);
    },
  };
  const form = {
    Map: function MapClass(this: unknown, config: string) {
      usage.uciConfigs.push(config);
      return {
        section: () => sectionObj,
        render: () => Promise.resolve('rendered form'),
      };
    },
    TypedSection: { widget: 'TypedSection' },
    NamedSection: { widget: 'NamedSection' },
    Flag: { widget: 'Flag' },
    Value: { widget: 'Value' },
    ListValue: { widget: 'ListValue' },
    DynamicList: { widget: 'DynamicList' },
    TextValue: { widget: 'TextValue' },
  };
  const inert = new Proxy(
    {},
    {
      get: () => () => {},
    },
  );
  const L = {
    resolveDefault: (p: Promise<unknown>, d: unknown) => Promise.resolve(p).catch(() => d),
    bind: (f: Function, self: unknown) => f.bind(self),
  };
  const modules: Record<string, unknown> = { view, rpc, form, ui: inert, poll: inert, dom: inert };
  const args = requires.map((r) => {
    if (!(r.dep in modules)) {
      throw new Error(
        `${path}.js requires '${r.dep}', which the ACL test does not account for: teach test/openwrt/luci-fixtures/views.ts what rights it needs`,
      );
    }
    return modules[r.dep];
  });
  const Cls = fn({}, {}, L, ...args) as new () => { load?: () => unknown; render: (d: unknown) => unknown };
  const inst = new Cls();
  // render() of a form view builds the Map; a status view only declares calls at load time.
  if (path.endsWith('settings')) await inst.render(undefined);
  return usage;
}

/**
 * The built agent (dist/nmcddns.mjs), when it has `status`: the LuCI tests then feed the page and
 * the rpcd plugin its real output. Under CI (where `npm test` builds dist/ first) it must be there.
 */
export function realCli(): { bundle: string; available: boolean; why: string } {
  const bundle = join(REPO_ROOT, 'dist', 'nmcddns.mjs');
  let why = '';
  if (!existsSync(bundle)) why = 'dist/nmcddns.mjs is not built (node build.mjs)';
  else {
    const help = spawnSync(process.execPath, [bundle, '--help'], { encoding: 'utf8' }).stdout;
    if (!/^\s+status\b/m.test(help)) why = 'dist/nmcddns.mjs --help lists no status command';
  }
  if (why && process.env.CI === 'true') throw new Error(`${why}: under CI the LuCI tests run against the real CLI`);
  if (why) console.warn(`*** LuCI tests: ${why}; using the hand-written stand-in output only ***`);
  return { bundle, available: why === '', why };
}

/**
 * A test config (JSON, regtest, everything under dir) and an executable wrapper that runs the
 * real CLI with it, for NMCDDNS_BIN. `update` goes to the stand-in CLI instead (a real run
 * would contact Electrum servers); it rewrites state_dir/status.json, the agent's own status
 * cache, so the real `status` reports the stand-in run.
 */
export function realCliWrapper(dir: string, bundle: string, extra: Record<string, string> = {}): { bin: string; config: string; stateDir: string; keyFile: string } {
  const stateDir = join(dir, 'run');
  const keyFile = join(dir, 'hotkey');
  const config = join(dir, 'config.json');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(
    config,
    JSON.stringify({ enabled: '1', name: 'dd/example', network: 'regtest', key_file: keyFile, state_dir: stateDir, pin_file: join(dir, 'pins.json'), ...extra }),
  );
  const bin = join(dir, 'nmcddns');
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    bin,
    `#!/bin/sh
# test wrapper: the real nmcddns CLI with a test config; update -> stand-in (no servers contacted)
if [ "$1" = update ]; then
	FAKE_NMCDDNS_STATE=${q(stateDir)} exec ${q(process.execPath)} ${q(FAKE_CLI)} "$@"
fi
exec ${q(process.execPath)} ${q(bundle)} --config ${q(config)} "$@"
`,
    { mode: 0o755 },
  );
  return { bin, config, stateDir, keyFile };
}
