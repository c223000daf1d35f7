// The LuCI app's static parts: the views parse as LuCI compiles them, menu.d and acl.d are valid
// and agree with the views, the ACL grants exactly what the views use, and the settings form
// covers docs/config.md with the same names, choices and checks.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { OPTIONS, validateOptions, type RawValue } from '../../src/config/schema.ts';
import { REPO_ROOT } from '../helpers/fixtures.ts';
import {
  ACL_FILE,
  LUCI_APP,
  MENU_FILE,
  compileView,
  recordView,
  requiresOf,
  viewPaths,
  viewSource,
  type RecordedOption,
} from './luci-fixtures/views.ts';

type Acl = Record<
  string,
  {
    description?: string;
    read?: { ubus?: Record<string, string[]>; uci?: string[]; file?: unknown; [k: string]: unknown };
    write?: { ubus?: Record<string, string[]>; uci?: string[]; file?: unknown; [k: string]: unknown };
  }
>;

// The methods that change something on the router or its upstream gateway. `check` is one of
// them: `nmcddns check` "makes sure port mappings exist" (nmcddns --help), i.e. it may open the
// service ports on an upstream UPnP/NAT-PMP gateway. Everything else the page calls only reads.
const STATE_CHANGING = ['check', 'keygen', 'update'];

const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

describe('LuCI views', () => {
  const paths = viewPaths();

  it('are the status page and the settings form', () => {
    expect(paths).toEqual(['nmcddns/settings', 'nmcddns/status']);
  });

  for (const path of paths) {
    it(`${path}.js compiles as LuCI compiles it (function body after the 'require' preamble)`, () => {
      const source = viewSource(path);
      expect(source.startsWith("'use strict';\n'require view';")).toBe(true);
      const { fn, requires } = compileView(path);
      expect(typeof fn).toBe('function');
      expect(requires.map((r) => r.dep)).toContain('view');
      // No module syntax: LuCI evals the file, an import/export would be a SyntaxError there.
      expect(source).not.toMatch(/^\s*(import|export)\s/m);
    });
  }

  it('compileView reports a syntax error with the file name (the check can fail)', () => {
    // requiresOf on a broken body and vm on a bad one: make sure the parse step is real.
    expect(requiresOf("'use strict';\n'require view';\n'require tools.widgets as widgets';\nreturn 1;")).toEqual([
      { dep: 'view', as: 'view' },
      { dep: 'tools.widgets', as: 'widgets' },
    ]);
    expect(() => new Function('window', 'document', 'L', "'use strict'; return view.extend({ render: function( { });")).toThrow(
      SyntaxError,
    );
  });
});

describe('menu.d', () => {
  const menu = readJson<Record<string, { title: string; order: number; action: { type: string; path?: string }; depends?: { acl?: string[]; uci?: Record<string, boolean> } }>>(
    MENU_FILE,
  );
  const acl = readJson<Acl>(ACL_FILE);

  it('puts the app under Services → Namecoin DDNS, hidden without the ACL or the config', () => {
    const top = menu['admin/services/nmcddns'];
    expect(top?.title).toBe('Namecoin DDNS');
    expect(top?.action.type).toBe('firstchild');
    expect(top?.depends?.acl).toEqual(Object.keys(acl));
    expect(top?.depends?.uci).toEqual({ nmcddns: true });
  });

  it('has one entry per view, each pointing at an existing view file', () => {
    const viewEntries = Object.values(menu).filter((e) => e.action.type === 'view');
    expect(viewEntries.map((e) => e.action.path).sort()).toEqual(viewPaths());
    for (const e of viewEntries) {
      expect(statSync(join(LUCI_APP, 'htdocs/luci-static/resources/view', `${e.action.path}.js`)).isFile()).toBe(true);
    }
    // Children sit below the parent entry.
    for (const key of Object.keys(menu)) expect(key.startsWith('admin/services/nmcddns')).toBe(true);
  });
});

describe('acl.d: the least rights the page uses', () => {
  const acl = readJson<Acl>(ACL_FILE);
  const groups = Object.keys(acl);
  const group = acl['luci-app-nmcddns']!;

  it('is one group named after the package, with a description', () => {
    expect(groups).toEqual(['luci-app-nmcddns']);
    expect(group.description).toMatch(/Namecoin DDNS/);
  });

  it('grants only ubus and uci: no file read/exec, no other kind of right', () => {
    expect(Object.keys(group.read ?? {}).sort()).toEqual(['ubus', 'uci']);
    expect(Object.keys(group.write ?? {}).sort()).toEqual(['ubus', 'uci']);
  });

  it('grants exactly the rpc calls the views declare, reads as read and changes as write', async () => {
    const used = new Map<string, Set<string>>();
    for (const path of viewPaths()) {
      for (const c of (await recordView(path)).rpc) {
        if (!used.has(c.object)) used.set(c.object, new Set());
        used.get(c.object)!.add(c.method);
      }
    }
    expect([...used.keys()]).toEqual(['luci.nmcddns']);

    const granted = new Map<string, Set<string>>();
    for (const side of ['read', 'write'] as const) {
      for (const [obj, methods] of Object.entries(group[side]?.ubus ?? {})) {
        if (!granted.has(obj)) granted.set(obj, new Set());
        for (const m of methods) {
          expect(granted.get(obj)!.has(m), `${obj}.${m} granted twice`).toBe(false);
          granted.get(obj)!.add(m);
          expect(side === 'write', `${obj}.${m} is ${side} but ${STATE_CHANGING.includes(m) ? 'changes' : 'only reads'} state`).toBe(
            STATE_CHANGING.includes(m),
          );
        }
      }
    }
    expect(Object.fromEntries([...granted].map(([k, v]) => [k, [...v].sort()]))).toEqual(
      Object.fromEntries([...used].map(([k, v]) => [k, [...v].sort()])),
    );
  });

  it('grants uci on exactly the configs the forms edit', async () => {
    const configs = new Set<string>();
    for (const path of viewPaths()) for (const c of (await recordView(path)).uciConfigs) configs.add(c);
    expect([...configs]).toEqual(['nmcddns']);
    expect(group.read?.uci).toEqual([...configs]);
    expect(group.write?.uci).toEqual([...configs]);
  });
});

// docs/config.md's table: | `option` | type | default | meaning |
interface DocOption {
  name: string;
  type: string;
  default: string;
}
function docOptions(): DocOption[] {
  const md = readFileSync(join(REPO_ROOT, 'docs', 'config.md'), 'utf8');
  const out: DocOption[] = [];
  for (const line of md.split('\n')) {
    const m = /^\| `([a-z0-9_]+)` \| ([^|]*(?:\\\|[^|]*)*) \| ([^|]*(?:\\\|[^|]*)*) \|/.exec(line);
    if (m) out.push({ name: m[1]!, type: m[2]!.replace(/\\\|/g, '|').trim(), default: m[3]!.replace(/\\\|/g, '|').trim() });
  }
  return out;
}

describe('settings form over docs/config.md', async () => {
  const doc = docOptions();
  const form = await recordView('nmcddns/settings');
  const byName = new Map(form.options.map((o) => [o.name, o]));
  const opt = (name: string): RecordedOption => {
    const o = byName.get(name);
    if (!o) throw new Error(`settings.js has no option ${name}`);
    return o;
  };

  it('has every documented option and nothing else', () => {
    expect(doc.length).toBeGreaterThan(20);
    expect(form.options.map((o) => o.name).sort()).toEqual(doc.map((d) => d.name).sort());
    expect(new Set(form.options.map((o) => o.name)).size).toBe(form.options.length);
  });

  it('uses a checkbox for bools, a list for lists and a choice for enums, with the documented choices and defaults', () => {
    for (const d of doc) {
      const o = opt(d.name);
      const enumValues = [...d.type.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const isEnum = /^`[^`]+`(\|`[^`]+`)+$/.test(d.type);
      const docDefault = /^`([^`]*)`/.exec(d.default)?.[1];
      if (d.type.startsWith('bool')) {
        expect(o.widget, d.name).toBe('Flag');
        expect(o.default, d.name).toBe(docDefault);
        // LuCI drops an unticked Flag from the file when rmempty is on; for a default of 1 the
        // agent would then read 1 again, so such a Flag must write its 0.
        if (docDefault === '1') expect(o.rmempty, `${d.name}: rmempty must be false`).toBe(false);
      } else if (d.type.startsWith('list')) {
        expect(o.widget, d.name).toBe('DynamicList');
      } else if (isEnum) {
        expect(o.widget, d.name).toBe('ListValue');
        expect(o.values, d.name).toEqual(enumValues);
        expect(o.default, d.name).toBe(docDefault);
      } else {
        expect(['Value', 'TextValue'], d.name).toContain(o.widget);
        // A documented literal default is shown as the placeholder, never written to the file.
        if (o.placeholder !== undefined && docDefault !== undefined && !/[()]/.test(d.default)) {
          expect(o.placeholder.replace(/ .*/, ''), d.name).toBe(docDefault.replace(/ .*/, ''));
        }
      }
    }
  });

  const cases: [string, string, boolean, Record<string, string>?][] = [
    ['name', 'dd/example', true],
    ['name', '', false],
    ['name', 'example', false],
    ['name', 'dd/', false],
    ['name', 'dd/has space', false],
    ['name', 'd/example', false],
    ['name', 'd/example', true, { i_know_d_names_are_unsafe: '1' }],
    ['server', 'tls://electrum.example.org:50002', true],
    ['server', 'tcp://127.0.0.1:50001', true],
    ['server', 'tcp://[::1]:50001', true],
    ['server', 'ssl://electrum.example.org:50002', false],
    ['server', 'tls://electrum.example.org', false],
    ['server', 'tls://electrum.example.org:70000', false],
    ['server_fingerprint', `electrum.example.org:50002=${'ab'.repeat(32)}`, true],
    ['server_fingerprint', `electrum.example.org:50002=${'ab'.repeat(31)}`, false],
    ['server_fingerprint', `electrum.example.org=${'ab'.repeat(32)}`, false],
    ['port', '443', true],
    ['port', 'tcp/443', true],
    ['port', 'udp/51820', true],
    ['port', 'sctp/443', false],
    ['port', '0', false],
    ['port', '65536', false],
    ['min_servers', '1', true],
    ['min_servers', '0', false],
    ['min_servers', 'two', false],
    ['check_interval', '30', true],
    ['check_interval', '0', false],
    ['max_fee', '200000', true],
    ['max_fee', '-1', false],
    ['renew_blocks', '8000', true],
    ['renew_blocks', '1.5', false],
    ['ip4_address', '203.0.113.7', true],
    ['ip4_address', '203.0.113.256', false],
    ['ip4_address', '203.0.113', false],
    ['ip4_address', '', false, { ip4_source: 'static' }],
    ['ip4_address', '', true, { ip4_source: 'ubus' }],
    ['ip6_address', '2001:db8::7', true],
    ['ip6_address', '2001:db8:0:0:0:0:0:7', true],
    ['ip6_address', '2001:db8::7::1', false],
    ['ip6_address', '2001:db8::g', false],
    ['ip6_suffix', '::10', true],
    ['ip6_suffix', '::1:2:3:4', true],
    ['ip6_suffix', '2001:db8::10', false],
    ['template', '{"tor":"example.onion","txt":"hi"}', true],
    ['template', '', true],
    ['template', '{"tls":{}}', false],
    ['template', '{"ns":["ns1.example"]}', false],
    ['template', '[1,2]', false],
    ['template', '{oops', false],
    ['key_file', '/etc/nmcddns/hotkey', true],
    ['key_file', 'hotkey', false],
    ['state_dir', '/var/run/nmcddns', true],
    ['pin_file', 'relative/pins.json', false],
    ['ip4_interface', 'wan', true],
    ['ip4_interface', 'wan; reboot', false],
    ['ip4_interface', 'br-lan', true],
    ['name', 'dd/Example', true],
    ['name', 'dd/ex_ample', true],
    ['server', 'tls://electrum.example.org:50002/', true],
    ['port', 'tcp/0', false],
    ['port', '+443', false],
    ['template', '{"tor":"x.onion","map":{"www":{"ip":"203.0.113.8"}}}', true],
    ['template', '{"ds":[]}', false],
    ['min_servers', '01', true],
    ['ip6_suffix', '::', true],
    ['fee_rate', '150', true],
    ['fee_rate', 'fast', false],
    ['max_fee', '0', false],
    ['max_fee_rate', '0', false],
    ['check_interval', '1.5', false],
    ['min_interval', '0', true],
    ['key_file', '/etc/nmcddns/hot key', true],
    ['key_file', ' /etc/nmcddns/hotkey', false],
    ['script', '/usr/bin/my-addresses', true],
    ['script', 'my-addresses', false],
    ['script', '', false, { ip6_source: 'script' }],
    ['renew_blocks', '4032', false],
    ['renew_blocks', '36000', false],
    ['renew_blocks', '10', true, { network: 'regtest' }],
    ['renew_blocks', '8000', false, { network: 'regtest' }],
    ['fee_rate', '50', false],
    ['fee_rate', '150.5', true],
    ['max_fee_rate', '2000', true],
    ['min_servers', '65', false],
    ['check_interval', '1441', false],
    ['min_interval', '604801', false],
    ['template', '{"ip":"203.0.113.8"}', false],
    ['template', '{"map":{"www":{"tls":{}}}}', false],
    ['template', '{"map":{"www":{"ip":"203.0.113.8"}}}', true],
    ['template', '{"map":"www"}', false],
    ['template', '{"alias":"evil.bit"}', false],
    ['ip6_address', '::ffff:192.0.2.1', true],
    ['ip6_address', '1:2:3:4:5:6:7:8:9', false],
    ['ip6_address', 'fe80::1%eth0', false],
    ['ip6_suffix', '0:0:0:0::10', true],
    ['ip6_suffix', '::1:2:3:4:5', false],
    ['ip4_address', '01.2.3.4', false],
    ['server', 'tls://bad_host!:50002', false],
    ['server', 'TLS://electrum.example.org:50002', true],
    ['server', 'tls://[2001:db8::1]:50002', true],
    ['server', 'tls://[nothex]:50002', false],
    ['server_fingerprint', `[2001:db8::1]:50002=${'AB:'.repeat(31)}AB`, true],
    ['name', 'dd/\u00e9', false],
    ['name', `dd/${'a'.repeat(253)}`, false],
    ['port', 'TCP/443', true],
    ['ip6_interface', '@wan6', true],
    ['ip4_source', 'none', false, { ip6_source: 'none' }],
    ['ip4_source', 'none', true, { ip6_source: 'ubus' }],
    ['ip6_source', 'none', false, { ip4_source: 'none' }],
    ['ip6_source', 'static', true, { ip4_source: 'none', ip6_address: '2001:db8::7' }],
    ['ip6_interface', 'pppoe-wan', true],
  ];

  it.each(cases)('validates %s = %j → %s', async (name, value, ok, formValues) => {
    const f = formValues ? await recordView('nmcddns/settings', formValues) : form;
    const o = f.options.find((x) => x.name === name)!;
    expect(o.validate, `${name} has a validator`).toBeTypeOf('function');
    const r = o.validate!.call(o, 'main', value);
    if (ok) expect(r).toBe(true);
    else expect(r).toBeTypeOf('string');
  });

  // The agent checks again at run time with src/config/schema.ts; the form must not accept what
  // the agent refuses (the user would learn it only from the log) nor refuse what it accepts.
  it.each(cases)('agrees with the agent\'s schema on %s = %j', async (name, value, _ok, formValues) => {
    const f = formValues ? await recordView('nmcddns/settings', formValues) : form;
    const o = f.options.find((x) => x.name === name)!;
    const formOk = o.validate!.call(o, 'main', value) === true;
    const raw = new Map<string, RawValue>([['name', 'dd/example'], ...Object.entries(formValues ?? {})]);
    if (name === 'ip4_address' || name === 'ip6_address') raw.set(name.replace('address', 'source'), formValues?.[name.replace('address', 'source')] ?? 'static');
    // LuCI removes an emptied option from the file; the agent then sees it absent.
    if (value === '') raw.delete(name);
    else raw.set(name, o.widget === 'DynamicList' ? [value] : value);
    let agentOk = true;
    let why = '';
    try {
      validateOptions(raw, 'test');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      agentOk = false;
      why = e.message;
    }
    expect(formOk, `form ${formOk ? 'accepts' : 'refuses'}, agent ${agentOk ? 'accepts' : `refuses: ${why}`}`).toBe(agentOk);
  });

  it('has the same option names as the agent\'s schema', () => {
    expect(form.options.map((o) => o.name).sort()).toEqual(OPTIONS.map((o) => o.key).sort());
  });

  it('shows the address fields only for the sources that use them', () => {
    expect(opt('ip4_address').dependsOn).toEqual([['ip4_source', 'static']]);
    expect(opt('ip6_address').dependsOn).toEqual([['ip6_source', 'static']]);
    expect(opt('ip4_interface').dependsOn).toEqual([
      ['ip4_source', 'ubus'],
      ['ip4_source', 'interface'],
    ]);
    expect(opt('script').dependsOn).toEqual([
      ['ip4_source', 'script'],
      ['ip6_source', 'script'],
    ]);
  });
});

describe('feed Makefile', () => {
  const mk = readFileSync(join(LUCI_APP, 'Makefile'), 'utf8');
  it('is a luci.mk package depending on nmcddns and luci-base, arch all', () => {
    expect(mk).toMatch(/^LUCI_TITLE:=.+$/m);
    expect(mk).toMatch(/^LUCI_DEPENDS:=\+nmcddns \+luci-base$/m);
    expect(mk).toMatch(/^LUCI_PKGARCH:=all$/m);
    expect(mk).toMatch(/^include \.\.\/\.\.\/luci\.mk$/m);
    expect(mk).toMatch(/^# call BuildPackage - OpenWrt buildroot signature$/m);
  });
  it('ships the rpcd plugin executable (luci.mk copies root/ with its modes)', () => {
    expect(statSync(join(LUCI_APP, 'root/usr/libexec/rpcd/luci.nmcddns')).mode & 0o111).toBe(0o111);
  });
});
