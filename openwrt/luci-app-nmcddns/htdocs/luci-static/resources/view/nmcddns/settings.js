'use strict';
'require view';
'require form';

// Services → Namecoin DDNS → Settings: a form over /etc/config/nmcddns.
//
// Option names, defaults and checks follow docs/config.md (the contract shared with the agent's
// schema); the agent checks everything again when it runs, this form only catches typos early
// with the same rules. Defaults are shown as placeholders and not written, so a future default
// change in the agent reaches users who never touched the option.

// The same rules as the agent's option table (src/config/schema.ts and the checks it calls);
// test/openwrt/luci-static.test.ts runs both over the same values and wants the same verdicts.

var HOSTNAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

function empty(v) {
	return v == null || v === '';
}

function portOk(p) {
	return /^[0-9]{1,5}$/.test(p) && +p >= 1 && +p <= 65535;
}

function isIp4(s) {
	var p = s.split('.');
	return p.length == 4 && p.every(function(x) { return /^(0|[1-9][0-9]{0,2})$/.test(x) && +x <= 255; });
}

// The 8 groups of an IPv6 address as numbers, or null. Accepts :: and a dotted IPv4 tail.
function ip6Groups(s) {
	if (typeof(s) != 'string' || s.indexOf('%') >= 0)
		return null;
	var v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
	if (v4) {
		if (!isIp4(v4[2]))
			return null;
		var b = v4[2].split('.').map(Number);
		s = v4[1] + ((b[0] << 8) | b[1]).toString(16) + ':' + ((b[2] << 8) | b[3]).toString(16);
	}
	var halves = s.split('::');
	if (halves.length > 2)
		return null;
	var parse = function(x) { return x === '' ? [] : x.split(':'); };
	var head = parse(halves[0]), tail = halves.length == 2 ? parse(halves[1]) : [];
	if (!head.concat(tail).every(function(g) { return /^[0-9a-fA-F]{1,4}$/.test(g); }))
		return null;
	var n = head.length + tail.length;
	if (halves.length == 1 ? n != 8 : n > 7)
		return null;
	var fill = [];
	while (fill.length < 8 - n)
		fill.push('0');
	return head.concat(fill, tail).map(function(g) { return parseInt(g, 16); });
}

function validatePath(section_id, value) {
	if (empty(value))
		return true;
	if (value !== value.trim() || value.indexOf('\0') >= 0 || !/^(\/|\.\/|\.\.\/)/.test(value))
		return _('Expecting an absolute path such as /etc/nmcddns/hotkey (no spaces at either end)');
	return true;
}

function validateName(section_id, value) {
	if (empty(value))
		return _('The name is required, e.g. dd/example');
	if (!/^[\x21-\x7e]+$/.test(value) || value.length > 255)
		return _('A Namecoin name is printable ASCII without spaces, at most 255 characters');
	if (/^dd\/./.test(value))
		return true;
	if (/^d\/./.test(value)) {
		if (/^(1|true|yes|on|enabled)$/i.test(this.section.formvalue(section_id, 'i_know_d_names_are_unsafe') || ''))
			return true;
		return _('A d/ name on the router\'s hot key could give the whole domain away: use a dd/ name imported by d/, or tick "I know d/ names are unsafe"');
	}
	return _('Expecting a dd/ name, e.g. dd/example');
}

function validateServer(section_id, value) {
	if (empty(value))
		return true;
	var m = /^([a-z]+):\/\/(\[[^\]]*\]|[^:\/\[\]]*)(?::([^\/]*))?\/?$/i.exec(value.trim());
	var msg = _('Expecting tls://host:port or tcp://host:port, e.g. tls://electrum.example.org:50002');
	if (!m || !/^(tls|tcp)$/i.test(m[1]))
		return msg;
	var host = m[2];
	if (host.charAt(0) == '[') {
		if (!ip6Groups(host.slice(1, -1)))
			return msg;
	}
	else if (host === '' || (!isIp4(host) && !HOSTNAME.test(host)))
		return msg;
	return (m[3] != null && portOk(m[3])) ? true : msg;
}

function validateFingerprint(section_id, value) {
	if (empty(value))
		return true;
	var i = value.lastIndexOf('=');
	var m = i > 0 ? /^(\[[0-9a-fA-F:.]+\]|[^:\[\]]+):(\d{1,5})$/.exec(value.substring(0, i).trim()) : null;
	var fp = value.substring(i + 1).replace(/[\s:]/g, '');
	if (!m || !/^[0-9a-fA-F]{64}$/.test(fp))
		return _('Expecting host:port=sha256 (64 hex digits of the certificate\'s SHA-256)');
	return true;
}

function validatePort(section_id, value) {
	if (empty(value))
		return true;
	var items = value.split(/[\s,]+/).filter(function(x) { return x !== ''; });
	var bad = items.filter(function(x) {
		var m = /^(?:(tcp|udp)\/)?(\d{1,5})$/i.exec(x);
		return !m || +m[2] < 1 || +m[2] > 65535;
	});
	if (bad.length)
		return _('Expecting a port 1-65535, optionally tcp/ or udp/ before it: 443, tcp/443, udp/51820');
	return true;
}

function validateSuffix(section_id, value) {
	if (empty(value))
		return true;
	var g = ip6Groups(value.trim());
	if (!g || g[0] || g[1] || g[2] || g[3])
		return _('Expecting an IPv6 interface id such as ::10 or ::1:2:3:4 (the host part, added to the delegated prefix)');
	return true;
}

// Items that belong in the cold d/ name (never on the hot key), at the top and in map entries.
var FORBIDDEN = [ 'tls', 'ns', 'dns', 'ds', 'import', 'delegate', 'alias', 'translate' ];

function templateProblem(obj, path, top) {
	for (var k in obj) {
		if (FORBIDDEN.indexOf(k) >= 0)
			return _('%s is not allowed: it belongs in the cold d/ name, never on the router\'s hot key').format(path + k);
		if (top && (k == 'ip' || k == 'ip6'))
			return _('%s is not allowed: the agent publishes the WAN address there itself').format(path + k);
		if (k == 'map') {
			var map = obj[k];
			if (map == null || typeof(map) != 'object' || Array.isArray(map))
				return _('%s must be an object of subdomain labels').format(path + k);
			for (var label in map) {
				var sub = map[label];
				if (sub != null && typeof(sub) == 'object' && !Array.isArray(sub)) {
					var p = templateProblem(sub, path + 'map.' + label + '.', false);
					if (p)
						return p;
				}
			}
		}
	}
	return null;
}

function validateTemplate(section_id, value) {
	if (value == null || value.trim() === '')
		return true;
	var t;
	try { t = JSON.parse(value); }
	catch (e) { return _('Expecting a JSON object: %s').format(e.message); }
	if (t == null || typeof(t) != 'object' || Array.isArray(t))
		return _('Expecting a JSON object, e.g. {"tor": "example.onion"}');
	// Deeper checks (txt, srv, map labels) are the agent's; it names the exact item at fault.
	return templateProblem(t, '', true) || true;
}

function intRange(min, max, what) {
	return function(section_id, value) {
		if (empty(value))
			return true;
		var s = String(value).trim();
		if (!/^\d+$/.test(s) || +s < min || +s > max)
			return _('Expecting a whole number from %d to %d (%s)').format(min, max, what);
		return true;
	};
}

function numRange(min, max, what) {
	return function(section_id, value) {
		if (empty(value))
			return true;
		var s = String(value).trim();
		if (!/^\d+(\.\d+)?$/.test(s) || +s < min || +s > max)
			return _('Expecting a number from %d to %d (%s)').format(min, max, what);
		return true;
	};
}

// Renew before Electrum-NMC's semi-expiry: expires_in must stay above 4032 on mainnet/testnet
// (names expire after 36000 blocks); regtest names expire after 30.
function validateRenew(section_id, value) {
	var net = this.section.formvalue(section_id, 'network') || 'mainnet';
	return (net == 'regtest' ? intRange(2, 29, _('blocks on regtest')) : intRange(4033, 35999, _('blocks; Electrum-NMC refuses names with expires_in ≤ 4032')))
		.call(this, section_id, value);
}

function validateIfname(section_id, value) {
	if (empty(value) || /^[A-Za-z0-9_.@:-]{1,32}$/.test(value.trim()))
		return true;
	return _('Expecting a netifd interface (wan, wan6, @wan6) or a Linux device (eth1, pppoe-wan)');
}

function validateIp4(section_id, value) {
	if (empty(value))
		return this.section.formvalue(section_id, 'ip4_source') == 'static' ? _('Required for the static source') : true;
	return isIp4(value.trim()) ? true : _('Expecting an IPv4 address, e.g. 203.0.113.7');
}

function validateIp6(section_id, value) {
	if (empty(value))
		return this.section.formvalue(section_id, 'ip6_source') == 'static' ? _('Required for the static source') : true;
	return ip6Groups(value.trim()) ? true : _('Expecting an IPv6 address, e.g. 2001:db8::7');
}

// At least one family must have a source: with both at none there is nothing to publish.
function sourcesValidator(other) {
	return function(section_id, value) {
		if (value == 'none' && this.section.formvalue(section_id, other) == 'none')
			return _('IPv4 and IPv6 sources are both none: there would be no address to publish; set at least one');
		return true;
	};
}

function validateScript(section_id, value) {
	if (empty(value)) {
		var needs = this.section.formvalue(section_id, 'ip4_source') == 'script'
			|| this.section.formvalue(section_id, 'ip6_source') == 'script';
		return needs ? _('Required for the script source') : true;
	}
	return validatePath(section_id, value);
}

var SOURCES = [
	[ 'ubus', _('netifd interface (ubus)') ],
	[ 'interface', _('Linux device') ],
	[ 'static', _('Fixed address') ],
	[ 'script', _('Script') ],
	[ 'none', _('None (do not publish)') ]
];

function addressOptions(s, fam, ifDefault, example) {
	var o = s.taboption('addresses', form.ListValue, fam + '_source', _('%s source').format(fam == 'ip4' ? 'IPv4' : 'IPv6'),
		_('Where the address comes from. "ubus" asks netifd about the interface below.'));
	SOURCES.forEach(function(v) { o.value(v[0], v[1]); });
	o.default = 'ubus';
	o.validate = sourcesValidator(fam == 'ip4' ? 'ip6_source' : 'ip4_source');

	o = s.taboption('addresses', form.Value, fam + '_interface', _('Interface'),
		_('netifd interface (ubus source) or Linux device (interface source)'));
	o.placeholder = ifDefault;
	o.depends(fam + '_source', 'ubus');
	o.depends(fam + '_source', 'interface');
	o.validate = validateIfname;

	o = s.taboption('addresses', form.Value, fam + '_address', _('Address'), _('The address to publish with the static source'));
	o.placeholder = example;
	o.depends(fam + '_source', 'static');
	o.validate = fam == 'ip4' ? validateIp4 : validateIp6;
}

return view.extend({
	render: function() {
		var m, s, o;

		m = new form.Map('nmcddns', _('Namecoin DDNS'),
			_('Settings of the agent that keeps a Namecoin dd/ name pointing at this router. The hot key stays in its file; this page never reads it.'));

		s = m.section(form.TypedSection, 'nmcddns');
		s.anonymous = true;
		s.addremove = false;

		s.tab('general', _('General'));
		s.tab('addresses', _('Addresses'));
		s.tab('servers', _('Servers'));
		s.tab('fees', _('Fees'));
		s.tab('advanced', _('Advanced'));

		o = s.taboption('general', form.Flag, 'enabled', _('Enabled'),
			_('While off, WAN changes and the periodic check start no runs; "Update now" still does.'));
		o.default = '0';
		o.rmempty = false;

		o = s.taboption('general', form.Value, 'name', _('Name'), _('The Namecoin name to keep updated, e.g. dd/example'));
		o.placeholder = 'dd/example';
		o.rmempty = false;
		o.validate = validateName;

		o = s.taboption('general', form.Flag, 'i_know_d_names_are_unsafe', _('I know d/ names are unsafe'),
			_('Allow a d/ name on the hot key: whoever takes the router could then take the whole domain.'));
		o.default = '0';

		o = s.taboption('general', form.ListValue, 'network', _('Network'));
		o.value('mainnet', _('mainnet'));
		o.value('testnet', _('testnet'));
		o.value('regtest', _('regtest'));
		o.default = 'mainnet';

		o = s.taboption('general', form.Value, 'key_file', _('Hot key file'), _('wpkh(WIF) or pkh(WIF) on one line, mode 0600'));
		o.placeholder = '/etc/nmcddns/hotkey';
		o.validate = validatePath;

		o = s.taboption('general', form.Value, 'check_interval', _('Check interval'), _('Minutes between periodic checks'));
		o.placeholder = '30';
		o.validate = intRange(1, 1440, _('minutes'));

		addressOptions(s, 'ip4', 'wan', '203.0.113.7');
		addressOptions(s, 'ip6', 'wan6', '2001:db8::7');

		o = s.taboption('addresses', form.Value, 'ip6_suffix', _('IPv6 host suffix'),
			_('Publish the delegated prefix plus this host part (a LAN server) instead of the router\'s own address'));
		o.placeholder = '::10';
		o.validate = validateSuffix;

		o = s.taboption('addresses', form.Value, 'script', _('Address script'),
			_('Executable that prints addresses (a JSON array or one per line), for the script source'));
		o.depends('ip4_source', 'script');
		o.depends('ip6_source', 'script');
		o.validate = validateScript;

		o = s.taboption('addresses', form.DynamicList, 'port', _('Service ports'),
			_('Ports that must be reachable: 443 (TCP), tcp/443, udp/51820. Mapped through UPnP/NAT-PMP behind a NAT.'));
		o.validate = validatePort;

		o = s.taboption('addresses', form.Flag, 'upnp', _('Use UPnP / NAT-PMP'),
			_('Ask an upstream gateway when the WAN address is private or CGNAT'));
		o.default = '1';
		// Unticked must be written as 0: a removed option means the agent's default, which is 1.
		o.rmempty = false;

		o = s.taboption('addresses', form.ListValue, 'ip6_firewall', _('IPv6 firewall rule missing'),
			_('What a missing firewall rule for the service ports on IPv6 means'));
		o.value('require', _('do not publish IPv6'));
		o.value('warn', _('publish, with a warning'));
		o.value('ignore', _('ignore'));
		o.default = 'warn';

		o = s.taboption('servers', form.DynamicList, 'server', _('Electrum-NMC servers'),
			_('tls://host:port or tcp://host:port; empty means the built-in public list for the network'));
		o.validate = validateServer;

		o = s.taboption('servers', form.DynamicList, 'server_fingerprint', _('Pinned certificates'),
			_('host:port=sha256hex; without one, the first certificate seen is trusted and remembered'));
		o.validate = validateFingerprint;

		o = s.taboption('servers', form.Value, 'min_servers', _('Servers that must agree'),
			_('Default: 2 when at least two servers are configured, else 1'));
		o.validate = intRange(1, 64, _('servers'));

		o = s.taboption('servers', form.Value, 'pin_file', _('Pin file'));
		o.placeholder = '/etc/nmcddns/pins.json';
		o.validate = validatePath;

		o = s.taboption('fees', form.Value, 'fee_rate', _('Fee rate'), _('sat/vB; default: the server\'s estimate, at least 100'));
		o.validate = numRange(100, 100000, _('sat/vB; Namecoin relays nothing below 100'));

		o = s.taboption('fees', form.Value, 'max_fee', _('Maximum fee'), _('sat per transaction (200000 sat = 0.002 NMC)'));
		o.placeholder = '200000';
		o.validate = intRange(1000, 100000000, _('sat'));

		o = s.taboption('fees', form.Value, 'max_fee_rate', _('Maximum fee rate'), _('sat/vB'));
		o.placeholder = '1000';
		o.validate = numRange(100, 100000, _('sat/vB'));

		o = s.taboption('fees', form.Value, 'renew_blocks', _('Renew before expiry'),
			_('Renew when the name expires in this many blocks or fewer (8000 on mainnet/testnet, 10 on regtest)'));
		o.validate = validateRenew;

		o = s.taboption('fees', form.Value, 'min_interval', _('Minimum interval'),
			_('Seconds between two transactions: a flapping WAN costs one, and the last address wins'));
		o.placeholder = '600';
		o.validate = intRange(0, 7 * 86400, _('seconds'));

		o = s.taboption('advanced', form.TextValue, 'template', _('Static records'),
			_('JSON object merged into the value: tor, i2p, txt, srv, map… (never tls, ns or ds)'));
		o.rows = 4;
		o.placeholder = '{}';
		o.validate = validateTemplate;

		o = s.taboption('advanced', form.Value, 'state_dir', _('State directory'), _('Lock and status cache (tmpfs)'));
		o.placeholder = '/var/run/nmcddns';
		o.validate = validatePath;

		o = s.taboption('advanced', form.ListValue, 'log_level', _('Log level'));
		o.value('error', _('error'));
		o.value('warn', _('warning'));
		o.value('info', _('info'));
		o.value('debug', _('debug'));
		o.default = 'info';

		return m.render();
	}
});
