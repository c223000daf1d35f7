'use strict';
'require view';
'require form';

// Services → Namecoin DDNS → Settings: a form over /etc/config/nmcddns.
//
// Option names, defaults and checks follow docs/config.md (the contract shared with the agent's
// schema); the agent checks everything again when it runs, this form only catches typos early
// with the same rules. Defaults are shown as placeholders and not written, so a future default
// change in the agent reaches users who never touched the option.

var HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

function portOk(p) {
	var n = +p;
	return /^[0-9]{1,5}$/.test(p) && n >= 1 && n <= 65535;
}

function absPath(section_id, value) {
	if (value == null || value === '')
		return true;
	if (!/^\/[^\s]*$/.test(value))
		return _('Expecting an absolute path without spaces, e.g. /etc/nmcddns/hotkey');
	return true;
}

function validateName(section_id, value) {
	if (value == null || value === '')
		return _('The name is required, e.g. dd/example');
	if (/\s/.test(value) || value.length > 255)
		return _('A Namecoin name has no spaces and at most 255 characters');
	if (/^dd\/./.test(value))
		return true;
	if (/^d\/./.test(value)) {
		var unsafe = this.section.formvalue(section_id, 'i_know_d_names_are_unsafe');
		if (unsafe == '1')
			return true;
		return _('A d/ name on the router\'s hot key could give the whole domain away: use a dd/ name imported by d/, or tick "I know d/ names are unsafe"');
	}
	return _('Expecting a dd/ name, e.g. dd/example');
}

function validateServer(section_id, value) {
	if (value == null || value === '')
		return true;
	var m = /^(tls|tcp):\/\/(.+)$/.exec(value);
	var hp = m ? HOST_PORT.exec(m[2]) : null;
	if (!m || !hp || !portOk(hp[2]))
		return _('Expecting tls://host:port or tcp://host:port, e.g. tls://electrum.example.org:50002');
	return true;
}

function validateFingerprint(section_id, value) {
	if (value == null || value === '')
		return true;
	var i = value.lastIndexOf('=');
	var hp = i > 0 ? HOST_PORT.exec(value.substring(0, i)) : null;
	if (!hp || !portOk(hp[2]) || !/^[0-9a-fA-F]{64}$/.test(value.substring(i + 1)))
		return _('Expecting host:port=sha256 (64 hex digits of the certificate\'s SHA-256)');
	return true;
}

function validatePort(section_id, value) {
	if (value == null || value === '')
		return true;
	var m = /^(?:(tcp|udp)\/)?([0-9]{1,5})$/.exec(value);
	if (!m || !portOk(m[2]))
		return _('Expecting a port 1-65535, optionally tcp/ or udp/ before it: 443, tcp/443, udp/51820');
	return true;
}

function validateSuffix(section_id, value) {
	if (value == null || value === '')
		return true;
	// An interface id written as an IPv6 address whose upper 64 bits are zero: ::10, ::1:2:3:4.
	var m = /^::([0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,3})$/.exec(value);
	if (!m)
		return _('Expecting an IPv6 interface id such as ::10 (the host part, added to the delegated prefix)');
	return true;
}

function validateTemplate(section_id, value) {
	if (value == null || value.trim() === '')
		return true;
	var t;
	try { t = JSON.parse(value); }
	catch (e) { return _('Expecting a JSON object: %s').format(e.message); }
	if (t == null || typeof(t) != 'object' || Array.isArray(t))
		return _('Expecting a JSON object, e.g. {"tor": "example.onion"}');
	var forbidden = [ 'tls', 'ns', 'ds' ].filter(function(k) { return k in t; });
	if (forbidden.length)
		return _('%s belong in the cold d/ name, never on the router\'s hot key').format(forbidden.join(', '));
	return true;
}

function uintAtLeast(min, what) {
	return function(section_id, value) {
		if (value == null || value === '')
			return true;
		if (!/^[0-9]+$/.test(value) || +value < min)
			return _('Expecting a whole number of at least %d (%s)').format(min, what);
		return true;
	};
}

function validateIp4(section_id, value) {
	if (value == null || value === '')
		return this.section.formvalue(section_id, 'ip4_source') == 'static' ? _('Required for the static source') : true;
	var p = value.split('.');
	if (p.length != 4 || !p.every(function(x) { return /^(0|[1-9][0-9]{0,2})$/.test(x) && +x <= 255; }))
		return _('Expecting an IPv4 address, e.g. 203.0.113.7');
	return true;
}

function validateIp6(section_id, value) {
	if (value == null || value === '')
		return this.section.formvalue(section_id, 'ip6_source') == 'static' ? _('Required for the static source') : true;
	var halves = value.split('::');
	var groups = function(s) { return s === '' ? [] : s.split(':'); };
	var g = halves.length == 2 ? groups(halves[0]).concat(groups(halves[1])) : groups(value);
	var ok = halves.length <= 2
		&& (halves.length == 2 ? g.length <= 7 : g.length == 8)
		&& g.every(function(x) { return /^[0-9a-fA-F]{1,4}$/.test(x); });
	return ok ? true : _('Expecting an IPv6 address, e.g. 2001:db8::7');
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

	o = s.taboption('addresses', form.Value, fam + '_interface', _('Interface'),
		_('netifd interface (ubus source) or Linux device (interface source)'));
	o.placeholder = ifDefault;
	o.depends(fam + '_source', 'ubus');
	o.depends(fam + '_source', 'interface');
	o.validate = function(section_id, value) {
		return (value == null || value === '' || /^[A-Za-z0-9_.@-]+$/.test(value)) ? true : _('Expecting an interface name such as %s').format(ifDefault);
	};

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
		o.validate = absPath;

		o = s.taboption('general', form.Value, 'check_interval', _('Check interval'), _('Minutes between periodic checks'));
		o.placeholder = '30';
		o.validate = uintAtLeast(1, _('minutes'));

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
		o.validate = absPath;

		o = s.taboption('addresses', form.DynamicList, 'port', _('Service ports'),
			_('Ports that must be reachable: 443 (TCP), tcp/443, udp/51820. Mapped through UPnP/NAT-PMP behind a NAT.'));
		o.validate = validatePort;

		o = s.taboption('addresses', form.Flag, 'upnp', _('Use UPnP / NAT-PMP'),
			_('Ask an upstream gateway when the WAN address is private or CGNAT'));
		o.default = '1';

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
		o.validate = uintAtLeast(1, _('servers'));

		o = s.taboption('servers', form.Value, 'pin_file', _('Pin file'));
		o.placeholder = '/etc/nmcddns/pins.json';
		o.validate = absPath;

		o = s.taboption('fees', form.Value, 'fee_rate', _('Fee rate'), _('sat/vB; default: the server\'s estimate, at least 100'));
		o.validate = uintAtLeast(1, _('sat/vB'));

		o = s.taboption('fees', form.Value, 'max_fee', _('Maximum fee'), _('sat per transaction (200000 sat = 0.002 NMC)'));
		o.placeholder = '200000';
		o.validate = uintAtLeast(0, _('sat'));

		o = s.taboption('fees', form.Value, 'max_fee_rate', _('Maximum fee rate'), _('sat/vB'));
		o.placeholder = '1000';
		o.validate = uintAtLeast(1, _('sat/vB'));

		o = s.taboption('fees', form.Value, 'renew_blocks', _('Renew before expiry'),
			_('Renew when the name expires in this many blocks or fewer (8000 on mainnet/testnet, 10 on regtest)'));
		o.validate = uintAtLeast(1, _('blocks'));

		o = s.taboption('fees', form.Value, 'min_interval', _('Minimum interval'),
			_('Seconds between two transactions: a flapping WAN costs one, and the last address wins'));
		o.placeholder = '600';
		o.validate = uintAtLeast(0, _('seconds'));

		o = s.taboption('advanced', form.TextValue, 'template', _('Static records'),
			_('JSON object merged into the value: tor, i2p, txt, srv, map… (never tls, ns or ds)'));
		o.rows = 4;
		o.placeholder = '{}';
		o.validate = validateTemplate;

		o = s.taboption('advanced', form.Value, 'state_dir', _('State directory'), _('Lock and status cache (tmpfs)'));
		o.placeholder = '/var/run/nmcddns';
		o.validate = absPath;

		o = s.taboption('advanced', form.ListValue, 'log_level', _('Log level'));
		o.value('error', _('error'));
		o.value('warn', _('warning'));
		o.value('info', _('info'));
		o.value('debug', _('debug'));
		o.default = 'info';

		return m.render();
	}
});
