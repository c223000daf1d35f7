import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig, parseConfigText } from '../../src/config/load.ts';
import { OPTIONS } from '../../src/config/schema.ts';
import { readFileSync } from 'node:fs';
import { BAD_OPTION_VALUES } from './bad-options.ts';

const json = (o: Record<string, unknown>) => parseConfigText(JSON.stringify(o), 'cfg.json');
const base = { name: 'dd/example' };

describe('config schema', () => {
  it('fills every default of docs/config.md', () => {
    const { config, format } = json(base);
    expect(format).toBe('json');
    expect(config).toMatchObject({
      enabled: false,
      name: 'dd/example',
      iKnowDNamesAreUnsafe: false,
      network: 'mainnet',
      server: [],
      serverFingerprint: [],
      minServers: 2,
      keyFile: '/etc/nmcddns/hotkey',
      ip4Source: 'ubus',
      ip4Interface: 'wan',
      ip6Source: 'ubus',
      ip6Interface: 'wan6',
      port: [],
      upnp: true,
      ip6Firewall: 'warn',
      template: {},
      feeRate: undefined,
      maxFee: 200000,
      maxFeeRate: 1000,
      renewBlocks: 8000,
      minInterval: 600,
      checkInterval: 30,
      stateDir: '/var/run/nmcddns',
      pinFile: '/etc/nmcddns/pins.json',
      logLevel: 'info',
    });
    expect(json({ ...base, network: 'regtest' }).config.renewBlocks).toBe(10);
  });

  it('reads UCI and JSON with the same names to the same config', () => {
    const uci = parseConfigText(
      [
        "config nmcddns 'main'",
        "  option name 'dd/example'",
        "  option network 'regtest'",
        "  option enabled '1'",
        "  list server 'tls://127.0.0.1:50002'",
        "  list server 'tcp://[::1]:50001'",
        "  option ip4_source 'static'",
        "  option ip4_address '198.51.100.7'",
        "  option ip6_source 'none'",
        "  list port '443'",
        "  list port 'udp/51820'",
        `  option template '{"tor":"x.onion","map":{"www":{"ip":"192.0.2.9"}}}'`,
        "  option fee_rate '150'",
        "  option min_interval '0'",
      ].join('\n'),
      '/etc/config/nmcddns',
    );
    const js = json({
      name: 'dd/example', network: 'regtest', enabled: true, server: ['tls://127.0.0.1:50002', 'tcp://[::1]:50001'],
      ip4_source: 'static', ip4_address: '198.51.100.7', ip6_source: 'none', port: [443, 'udp/51820'],
      template: { tor: 'x.onion', map: { www: { ip: '192.0.2.9' } } }, fee_rate: 150, min_interval: 0,
    });
    expect(uci.format).toBe('uci');
    expect(uci.section).toBe('main');
    expect(uci.config).toEqual(js.config);
    expect(uci.config.port).toEqual([{ proto: 'tcp', port: 443 }, { proto: 'udp', port: 51820 }]);
    expect(uci.config.minServers).toBe(2);
  });

  it.each<[Record<string, unknown>, RegExp]>([
    [{ name: 'example' }, /option name: 'example' is not valid; expected a dd\/ name/],
    [{ name: 'dd/has space' }, /option name: 'dd\/has space' is not valid; a Namecoin name is printable ASCII/],
    [{ name: `dd/${'x'.repeat(260)}` }, /at most 255 bytes/],
    [{ name: 'd/example' }, /'d\/example' is a d\/ name.*i_know_d_names_are_unsafe/],
    [{ network: 'mainet' }, /option network: 'mainet' is not valid; allowed: mainnet, testnet, regtest/],
    [{ server: ['ssl://a:1'] }, /option server: server 'ssl:\/\/a:1' is not valid: unknown scheme/],
    [{ server: ['tls://a'] }, /option server: .*the port is missing/],
    [{ server_fingerprint: ['a:1=zz'] }, /option server_fingerprint: .*64 hex digits/],
    [{ min_servers: 0 }, /option min_servers: 0 is not valid; allowed: a whole number from 1 to 64/],
    [{ server: ['tls://a:1'], min_servers: 2 }, /option min_servers: 2 is more than the 1 configured server/],
    [{ key_file: 'hotkey' }, /option key_file: 'hotkey' is not valid; expected an absolute path/],
    [{ ip4_source: 'web' }, /option ip4_source: 'web' is not valid; allowed: ubus, interface, static, script, none/],
    [{ ip4_source: 'static' }, /option ip4_address: required when ip4_source is static/],
    [{ ip4_source: 'static', ip4_address: '1.2.3' }, /option ip4_address: '1.2.3' is not valid; expected an IPv4 address/],
    [{ ip6_source: 'static', ip6_address: '198.51.100.1' }, /option ip6_address: .*expected an IPv6 address/],
    [{ ip6_suffix: '2001:db8::1' }, /option ip6_suffix: .*interface identifier/],
    [{ ip4_source: 'script' }, /option script: required when ip4_source is script/],
    [{ ip4_interface: 'wan; rm -rf /' }, /option ip4_interface: .*netifd interface/],
    [{ port: ['tcp/0'] }, /option port: 'tcp\/0' is not valid; allowed: 443 \(TCP\), tcp\/443 or udp\/51820/],
    [{ port: ['sctp/9'] }, /option port: 'sctp\/9'/],
    [{ upnp: 'maybe' }, /option upnp: 'maybe' is not valid; allowed: 0 or 1/],
    [{ ip6_firewall: 'off' }, /option ip6_firewall: 'off' is not valid; allowed: require, warn, ignore/],
    [{ template: '{"tor":' }, /option template: .*expected a JSON object/],
    [{ template: ['x'] }, /option template: takes one value/],
    [{ template: { tls: [] } }, /template\.tls is not allowed in the template: the TLS pin belongs in the cold d\/ name/],
    [{ template: { map: { '*': { ns: ['ns.example'] } } } }, /template\.map\["\*"\]\.ns is not allowed/],
    [{ template: { ip: '192.0.2.1' } }, /template\.ip is not allowed in the template: the agent publishes the WAN address/],
    [{ template: { import: 'dd/x' } }, /template\.import is not allowed/],
    [{ fee_rate: 50 }, /option fee_rate: 50 is not valid; allowed: a number from 100 to 100000 sat\/vB \(Namecoin relays nothing below 100\)/],
    [{ fee_rate: 2000 }, /option fee_rate: 2000 sat\/vB is above max_fee_rate 1000/],
    [{ max_fee: -5 }, /option max_fee: -5 is not valid/],
    [{ max_fee_rate: 'lots' }, /option max_fee_rate: 'lots'/],
    [{ renew_blocks: 4000 }, /option renew_blocks: 4000 is not valid; allowed: a whole number from 4033 to 35999 blocks on mainnet \(Electrum-NMC refuses/],
    [{ renew_blocks: 40 }, /4033 to 35999/],
    [{ network: 'regtest', renew_blocks: 30 }, /allowed: a whole number from 2 to 29 blocks on regtest/],
    [{ min_interval: '10m' }, /option min_interval: '10m'/],
    [{ check_interval: 0 }, /option check_interval: 0 is not valid/],
    [{ state_dir: '' }, /option state_dir: '' is not valid/],
    [{ log_level: 'verbose' }, /option log_level: 'verbose' is not valid; allowed: error, warn, info, debug/],
    [{ ip4_adress: '1.2.3.4' }, /unknown option 'ip4_adress' \(did you mean 'ip4_address'\?\)/],
    [{ ip4_source: 'none', ip6_source: 'none' }, /both none/],
    [{ name: ['dd/a', 'dd/b'] }, /option name: takes one value, but a list was given/],
  ])('refuses %j with a message naming option, value and what is allowed', (opts, re) => {
    let err: unknown;
    try {
      json({ ...base, ...opts });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(re);
  });

  it('has a bad value for every option of the schema', () => {
    expect(Object.keys(BAD_OPTION_VALUES).sort()).toEqual(OPTIONS.map((o) => o.key).sort());
  });

  it.each(Object.entries(BAD_OPTION_VALUES))('a bad %s is a ConfigError naming that option', (key, value) => {
    for (const network of ['mainnet', 'regtest']) {
      const opts = key === 'network' ? { ...base, network: value } : { ...base, network, [key]: value };
      let err: unknown;
      try {
        json(opts);
      } catch (e) {
        err = e;
      }
      expect(err, `${key} on ${network}`).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).option).toBe(key);
      expect((err as Error).message).toContain(`option ${key}`);
    }
  });

  it('allows a d/ name only with the explicit option', () => {
    expect(json({ name: 'd/example', i_know_d_names_are_unsafe: '1' }).config.name).toBe('d/example');
  });

  it('warns about options that the chosen source ignores', () => {
    const { warnings } = json({ ...base, ip4_address: '198.51.100.7' });
    expect(warnings).toEqual(['ip4_address is ignored because ip4_source is ubus, not static']);
  });

  it('puts the UCI line number in front of an option error', () => {
    expect(() => parseConfigText("config nmcddns\n option name 'dd/x'\n\n option upnp 'perhaps'\n", '/etc/config/nmcddns')).toThrow(
      /^\/etc\/config\/nmcddns:4: option upnp: 'perhaps' is not valid/,
    );
  });

  it('reads --section and refuses it for JSON', () => {
    const text = "config nmcddns a\n option name 'dd/a'\nconfig nmcddns b\n option name 'dd/b'\n";
    expect(parseConfigText(text, 'f').config.name).toBe('dd/a');
    expect(parseConfigText(text, 'f', 'b').config.name).toBe('dd/b');
    expect(() => parseConfigText('{"name":"dd/a"}', 'f.json', 'b')).toThrow(/--section applies to UCI files only/);
  });

  it('loads files from disk and says when the file is missing or broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmcddns-cfg-'));
    const f = join(dir, 'nmcddns');
    expect(() => loadConfig(f)).toThrow(/config file .* does not exist: create it/);
    writeFileSync(f, '  \n{"name": "dd/x",}');
    expect(() => loadConfig(f)).toThrow(/is not valid JSON/);
    writeFileSync(f, "config nmcddns\n\toption name 'dd/x'\n");
    expect(loadConfig(f).section).toBe('@nmcddns[0]');
    rmSync(dir, { recursive: true, force: true });
  });

  it('documents every schema option in docs/config.md', () => {
    const doc = readFileSync('docs/config.md', 'utf8');
    for (const o of OPTIONS) expect(doc, o.key).toContain(`| \`${o.key}\` |`);
  });
});
