import { describe, expect, it } from 'vitest';
import { checkIp6Firewall, parseUci } from '../../src/netif/firewall.ts';

// The head of fw4's shipped /etc/config/firewall (firewall4 root/etc/config/firewall, as the
// reference §4.4 describes it), plus rules under test.
const BASE = `
config defaults
	option input		REJECT
	option output		ACCEPT
	option forward		REJECT
	option synflood_protect	1

config zone
	option name		lan
	list   network		'lan'
	option input		ACCEPT
	option output		ACCEPT
	option forward		ACCEPT

config zone
	option name		wan
	list   network		'wan'
	list   network		'wan6'
	option input		REJECT
	option output		ACCEPT
	option forward		REJECT
	option masq		1
	option mtu_fix		1

config rule
	option name		Allow-DHCPv6
	option src		wan
	option proto		udp
	option dest_port	546
	option family		ipv6
	option target		ACCEPT
`;

const tcp = (port: number) => ({ proto: 'tcp' as const, port });
const udp = (port: number) => ({ proto: 'udp' as const, port });
const check = (extra: string, ports: { proto: 'tcp' | 'udp'; port: number }[], forward = false, address = '2a02:8100:0:1::2a') =>
  checkIp6Firewall(parseUci(BASE + extra), { ports, wanNetwork: 'wan6', address, forward });

describe('parseUci', () => {
  it('reads sections, options, lists, quotes and comments', () => {
    const s = parseUci(`package firewall\n# c\nconfig rule 'web'\n\toption name "Allow \\"web\\""\n\tlist proto tcp\n\tlist proto 'udp' # both\n\toption dest_port '80 443'\n`);
    expect(s).toEqual([{ type: 'rule', name: 'web', options: { name: 'Allow "web"', proto: ['tcp', 'udp'], dest_port: '80 443' } }]);
  });
  it.each([
    ["option x 'y'", /line 1: option outside a config section/],
    ["config rule\n\toption x 'y", /line 2: unterminated ' quote/],
    ['config rule\n\tfrobnicate x y', /line 2: unknown keyword "frobnicate"/],
    ['config rule\n\toption lonely', /line 2: option needs a name and a value/],
  ])('%j → error with line', (t, re) => {
    expect(() => parseUci(t, '/etc/config/firewall')).toThrow(re);
  });
});

describe('checkIp6Firewall', () => {
  it('the shipped config lets nothing in: the DHCPv6 rule is for udp/546 only', () => {
    expect(check('', [tcp(443), udp(51820)])).toEqual({ zones: ['wan'], open: [], missing: [tcp(443), udp(51820)] });
    expect(check('', [udp(546)]).missing).toEqual([]);
  });

  it('an input rule from wan for the port (family ipv6 or unset) opens it', () => {
    const r = check(`\nconfig rule 'https'\n\toption src wan\n\toption proto tcp\n\toption dest_port 443\n\toption target ACCEPT\n`, [tcp(443), udp(443)]);
    expect(r.open).toEqual([{ port: tcp(443), by: 'rule firewall.https' }]);
    expect(r.missing).toEqual([udp(443)]);
  });

  it('ranges, lists, "tcp udp" and the default proto', () => {
    const r = check(`\nconfig rule\n\toption src wan\n\toption dest_port '8000-8100 51820'\n\toption target ACCEPT\n\toption name Many\n`, [tcp(8050), udp(51820), tcp(8101)]);
    expect(r.open.map((o) => o.port)).toEqual([tcp(8050), udp(51820)]);
    expect(r.open[0]?.by).toBe("rule firewall.@rule[1] 'Many'");
    expect(r.missing).toEqual([tcp(8101)]);
  });

  it.each([
    ['family ipv4', "\toption family ipv4\n"],
    ['disabled', "\toption enabled 0\n"],
    ['target DROP', "\toption target DROP\n"],
    ['from one source only', "\toption src_ip 2001:db8::/32\n"],
    ['src lan', "\toption src lan\n"],
    ['a forward rule', "\toption dest lan\n"],
    ['another dest_ip', "\toption dest_ip 2a02:8100:0:2::/64\n"],
    ['udp only', "\toption proto udp\n"],
  ])('a rule that does not count: %s', (_name, tweak) => {
    // Later options override earlier ones, so the tweak wins over the defaults here.
    const rule = `\nconfig rule\n\toption src wan\n\toption proto tcp\n\toption dest_port 443\n\toption target ACCEPT\n${tweak}`;
    expect(check(rule, [tcp(443)]).missing).toEqual([tcp(443)]);
  });

  it('a LAN server needs a forward rule, matched by dest_ip when given', () => {
    const rule = `\nconfig rule\n\toption src wan\n\toption dest lan\n\toption proto tcp\n\toption dest_port 443\n\toption dest_ip 2a01:4f8:c0c:8e40::/64\n\toption family ipv6\n\toption target ACCEPT\n`;
    expect(check(rule, [tcp(443)], true, '2a01:4f8:c0c:8e40::10').missing).toEqual([]);
    expect(check(rule, [tcp(443)], true, '2a01:4f8:c0c:8e41::10').missing).toEqual([tcp(443)]);
    expect(check(rule, [tcp(443)], false, '2a01:4f8:c0c:8e40::10').missing).toEqual([tcp(443)]); // not an input rule
  });

  it('a wan zone with input ACCEPT opens everything for the router itself', () => {
    const r = checkIp6Firewall(parseUci(BASE.replace('option input\t\tREJECT\n\toption output\t\tACCEPT\n\toption forward\t\tREJECT\n\toption masq', 'option input\t\tACCEPT\n\toption output\t\tACCEPT\n\toption forward\t\tREJECT\n\toption masq')), {
      ports: [tcp(443)],
      wanNetwork: 'wan6',
      address: '2a02:8100:0:1::2a',
      forward: false,
    });
    expect(r.open).toEqual([{ port: tcp(443), by: 'zone wan input ACCEPT' }]);
  });
});
