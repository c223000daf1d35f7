'use strict';
'require view';
'require dom';
'require poll';
'require rpc';
'require ui';

// Services → Namecoin DDNS → Status.
//
// The page shows what `nmcddns status --json` says (through the rpcd plugin luci.nmcddns) and
// computes nothing of its own, except turning blocks into rough days for the expiry (Namecoin
// aims at one block per 10 minutes). Buttons only start things: "Update now" kicks a background
// run and then re-reads status until the last run changes, so no request ever waits on a whole
// run (rpcd would kill an exec after 30 s or 120 s, depending on its version).
//
// Every text that comes from the agent, the chain or a server goes into the page as a text node
// (E() with an array child), never as HTML: the on-chain value is anybody's input.

// One ubus method of the plugin; every answer is a whole JSON object.
function pluginCall(method) {
	return rpc.declare({
		object: 'luci.nmcddns',
		method: method,
		expect: { '': {} }
	});
}

var callStatus = pluginCall('status');
var callCheck = pluginCall('check');
var callSetup = pluginCall('setup');
var callUpdate = pluginCall('update');
var callKeygen = pluginCall('keygen');

// How often to re-read status while a run started here is going on, and for how long at most.
// Each read starts one short `nmcddns status` process on the router, so nothing polls otherwise.
var WATCH_INTERVAL_S = 2;
var WATCH_LIMIT_MS = 5 * 60 * 1000;
var MINUTES_PER_BLOCK = 10;

function isObj(v) {
	return v != null && typeof(v) == 'object' && !Array.isArray(v);
}

// The message of a failed answer: the plugin's own {"error": message}, or the CLI's
// {"error": "ConfigError", "message": …, "option": …} printed with --json.
function errorText(res) {
	if (!isObj(res))
		return _('no answer');
	return res.message != null ? String(res.message) : String(res.error);
}

// Text from outside, always as a text node.
function text(v) {
	return [ v == null ? '' : String(v) ];
}

function unknown() {
	return E('em', {}, [ _('unknown') ]);
}

function row(label, value, id) {
	return E('tr', { 'class': 'tr', 'data-field': id }, [
		E('td', { 'class': 'td left', 'width': '33%' }, [ label ]),
		E('td', { 'class': 'td left' }, Array.isArray(value) ? value : [ value ])
	]);
}

function table(rows) {
	return E('table', { 'class': 'table' }, rows);
}

function when(iso) {
	if (iso == null)
		return unknown();
	var d = new Date(iso);
	return E('span', { 'title': String(iso) }, text(isNaN(d.getTime()) ? iso : d.toLocaleString()));
}

function nmc(sat) {
	// 1 NMC = 10^8 sat; printed without trailing zeros.
	return (sat / 1e8).toFixed(8).replace(/\.?0+$/, '') + ' NMC';
}

// "35000 blocks (about 243 days)": the one figure this page works out itself.
function blocks(n) {
	if (n == null)
		return unknown();
	var days = n * MINUTES_PER_BLOCK / (60 * 24);
	var rough = days >= 2 ? _('about %d days').format(Math.round(days))
		: _('about %d hours').format(Math.round(days * 24));
	return E('span', {}, text(_('%d blocks').format(n) + ' (' + rough + ')'));
}

function address(a) {
	if (!isObj(a))
		return [ unknown() ];
	var shown = a.address != null
		? E('code', {}, text(a.address))
		: E('em', {}, [ _('not published') ]);
	var out = [ shown ];
	if (a.via != null)
		out.push(' ', E('span', { 'class': 'label' }, text(a.via)));
	if (a.reason != null)
		out.push(E('br'), E('small', {}, text(a.reason)));
	if (Array.isArray(a.warnings))
		a.warnings.forEach(function(w) {
			out.push(E('br'), E('small', { 'class': 'warning' }, text(_('Warning: %s').format(w))));
		});
	return out;
}

// The last run's identity: it changes when a run finishes.
function runStamp(st) {
	var r = isObj(st) && isObj(st.lastRun) ? st.lastRun : {};
	return [ r.startedAt, r.finishedAt, r.txid, r.action ].join('|');
}

// status, or {error} when the call itself failed (rpcd down, plugin missing, no access), so the
// page says what went wrong instead of showing a blank status.
function readStatus() {
	return callStatus().catch(function(err) {
		return { error: err.message || String(err) };
	});
}

// `nmcddns setup --json`: what the owner does in the cold wallet (src/run/setup.ts SetupPlan).
function renderSetup(setup) {
	if (!isObj(setup))
		return [ E('p', {}, [ _('No setup information.') ]) ];
	if (setup.error != null)
		return [ E('div', { 'class': 'alert-message warning' }, text(errorText(setup))) ];

	var shown = { steps: true };
	var rows = [];
	var add = function(key, label, tag) {
		shown[key] = true;
		if (setup[key] == null)
			return;
		var v = typeof(setup[key]) == 'string' ? setup[key] : JSON.stringify(setup[key]);
		rows.push(row(label, E(tag || 'code', {}, text(v)), 'setup-' + key));
	};
	add('hotAddress', _('Hot address (move the dd/ name here and fund it)'));
	add('name', _('Name kept updated by the router'));
	add('domain', _('Your d/ name (stays in the cold wallet)'));
	add('network', _('Network'));
	add('domainValue', _('Value to set on the d/ name'), 'pre');
	add('domainValueWithTls', _('The same with a TLS pin (if you serve TLS)'), 'pre');
	add('fundNmc', _('Send this much NMC to the hot address for fees'));
	var out = [ table(rows) ];

	if (Array.isArray(setup.steps) && setup.steps.length)
		out.push(E('ol', { 'id': 'setup-steps' }, setup.steps.map(function(st) {
			if (!isObj(st))
				return E('li', {}, text(st));
			var li = [ E('strong', {}, text(st.title)) ];
			if (st.why != null)
				li.push(E('br'), E('small', {}, text(st.why)));
			if (st.command != null)
				li.push(E('pre', {}, text(st.command)));
			if (st.electrum != null)
				li.push(E('pre', {}, text(_('Electrum-NMC console: ') + st.electrum)));
			return E('li', {}, li);
		})));

	// Anything else the CLI adds is shown as it came, so nothing is lost between versions.
	var more = {}, any = false;
	Object.keys(setup).forEach(function(k) {
		if (!shown[k] && k.charAt(0) != '_') {
			more[k] = setup[k];
			any = true;
		}
	});
	if (any)
		out.push(E('pre', {}, text(JSON.stringify(more, null, 2))));
	return out;
}

return view.extend({
	load: function() {
		return readStatus();
	},

	renderStatus: function(st) {
		st = isObj(st) ? st : {};
		var chain = isObj(st.chain) ? st.chain : {};
		var funds = isObj(st.funds) ? st.funds : {};
		var run = isObj(st.lastRun) ? st.lastRun : null;
		var addrs = isObj(st.addresses) ? st.addresses : {};
		var out = [];

		if (st.error != null)
			out.push(E('div', { 'class': 'alert-message error', 'id': 'nmcddns-error' },
				text(_('The agent did not answer: %s').format(errorText(st)))));

		if (st.enabled === false)
			out.push(E('div', { 'class': 'alert-message warning' }, [
				_('Disabled: WAN changes and the periodic check start no runs. "Update now" still works.')
			]));

		out.push(E('h3', {}, [ _('Name') ]), table([
			row(_('Name'), st.name != null ? E('code', {}, text(st.name)) : unknown(), 'name'),
			row(_('Network'), st.network != null ? text(st.network) : unknown(), 'network'),
			row(_('Hot address'), st.hotAddress != null ? E('code', {}, text(st.hotAddress))
				: [ E('em', {}, [ _('no key yet') ]) ].concat(st.keyProblem != null ? [ E('br'), E('small', {}, text(st.keyProblem)) ] : []), 'hotAddress'),
			row(_('Agent'), st.running ? E('strong', {}, [ _('running now') ]) : _('idle'), 'running')
		]));

		out.push(E('h3', {}, [ _('Addresses') ]), table([
			row(_('IPv4'), address(addrs.ipv4), 'ipv4'),
			row(_('IPv6'), address(addrs.ipv6), 'ipv6')
		]));

		var pending = isObj(chain.pending) ? chain.pending : null;
		out.push(E('h3', {}, [ _('On chain') ]), table([
			row(_('Value'), chain.value != null ? E('pre', {}, text(chain.value)) : unknown(), 'value'),
			row(_('Value the last run wanted'), st.value != null ? E('pre', {}, text(st.value)) : unknown(), 'wanted'),
			row(_('Expires in'), blocks(chain.expiresIn), 'expiresIn'),
			row(_('Name height / chain tip'), (chain.height == null && chain.tipHeight == null) ? unknown()
				: text((chain.height != null ? chain.height : '?') + ' / ' + (chain.tipHeight != null ? chain.tipHeight : '?')), 'height'),
			row(_('Pending update'), pending
				? [ E('code', {}, text(pending.txid)), E('br'), E('small', {}, text(pending.value)) ]
				: (chain.pending === null ? _('none') : unknown()), 'pending'),
			row(_('Last sent by this router'), isObj(st.lastBroadcast)
				? [ E('code', {}, text(st.lastBroadcast.txid)), ' ', when(st.lastBroadcast.at) ]
				: _('nothing since the last reboot (the record lives in tmpfs)'), 'lastBroadcast')
		]));

		out.push(E('h3', {}, [ _('Fees') ]), table([
			row(_('Fee coins'), funds.feeCoins != null ? text(funds.feeCoins) : unknown(), 'feeCoins'),
			row(_('Balance'), funds.balanceSat != null ? text(nmc(funds.balanceSat)) : unknown(), 'balance'),
			row(_('Updates they pay for'), funds.updatesLeft != null ? text(funds.updatesLeft) : unknown(), 'updatesLeft')
		]));

		var runRows = run ? [
			row(_('Action'), run.action != null ? E('strong', {}, text(run.action)) : E('em', {}, [ _('running…') ]), 'action'),
			row(_('Reason'), text(run.reason), 'reason'),
			row(_('Transaction'), run.txid != null ? E('code', {}, text(run.txid)) : _('none'), 'txid'),
			row(_('Started'), when(run.startedAt), 'startedAt'),
			row(_('Finished'), run.finishedAt != null ? when(run.finishedAt) : E('em', {}, [ _('not yet') ]), 'finishedAt'),
			row(_('Exit code'), run.exitCode != null ? text(run.exitCode) : unknown(), 'exitCode')
		] : [];
		// A run held back by min_interval: the router itself starts the next one then (the
		// periodic loop watches for it), so the user need not press anything.
		if (run && st.retryAt != null)
			runRows.push(row(_('Next run'), [ when(st.retryAt), E('br'),
				E('small', {}, [ _('min_interval holds the next transaction back until then; the router starts that run by itself') ]) ], 'retryAt'));
		out.push(E('h3', {}, [ _('Last run') ]), run ? table(runRows)
			: E('p', { 'data-field': 'lastRun' }, [ E('em', {}, [ _('No run yet.') ]) ]));

		if (st.version != null)
			out.push(E('p', {}, [ E('small', {}, text('nmcddns ' + st.version)) ]));

		return out;
	},

	// No key yet: offer to make one. A key: show what to do in the cold wallet (keygen would
	// refuse to overwrite it anyway). While status is unreadable, offer neither.
	renderKeyButton: function(st) {
		if (!isObj(st) || st.error != null)
			return '';
		if (st.hotAddress == null)
			return E('button', { 'class': 'cbi-button cbi-button-apply', 'id': 'nmcddns-keygen',
				'click': ui.createHandlerFn(this, 'handleKeygen') }, [ _('Generate key') ]);
		return E('button', { 'class': 'cbi-button', 'id': 'nmcddns-setup',
			'click': ui.createHandlerFn(this, 'handleSetup') }, [ _('Show setup') ]);
	},

	refresh: function() {
		return readStatus().then(L.bind(function(st) {
			var hadKey = isObj(this.status) && this.status.hotAddress != null;
			this.status = st;
			dom.content(this.statusNode, this.renderStatus(st));
			if (hadKey != (isObj(st) && st.hotAddress != null))
				dom.content(this.keyNode, this.renderKeyButton(st));
			return st;
		}, this));
	},

	// Re-read status until the last run differs from the one seen when the run was started.
	watch: function(before) {
		var started = Date.now();
		var self = this;
		if (this.watcher)
			poll.remove(this.watcher);
		this.watcher = function() {
			return self.refresh().then(function(st) {
				var done = runStamp(st) != before && isObj(st.lastRun) && st.lastRun.finishedAt != null && !st.running;
				// A status the agent cannot give (a broken config, say) means no run will be
				// recorded either: stop at once, the error is on the page.
				var broken = !isObj(st) || st.error != null;
				if (!done && !broken && Date.now() - started <= WATCH_LIMIT_MS)
					return;
				poll.remove(self.watcher);
				self.watcher = null;
				dom.content(self.busyNode, '');
				if (done)
					ui.addNotification(null, E('p', {}, text(_('Run finished: %s. %s').format(st.lastRun.action, st.lastRun.reason || ''))), 'info');
				else if (broken)
					ui.addNotification(null, E('p', {}, text(_('The run cannot be followed: %s').format(errorText(st)))), 'danger');
				else
					ui.addNotification(null, E('p', {}, [ _('No finished run after five minutes; see the system log (logread -e nmcddns).') ]), 'warning');
			});
		};
		dom.content(this.busyNode, E('em', { 'class': 'spinning' }, [ _('Update running…') ]));
		poll.add(this.watcher, WATCH_INTERVAL_S);
	},

	handleUpdate: function(ev) {
		var before = runStamp(this.status);
		return callUpdate().then(L.bind(function(res) {
			if (!isObj(res) || res.started !== true) {
				ui.addNotification(null, E('p', {}, text(_('Could not start a run: %s').format(errorText(res)))), 'danger');
				return;
			}
			this.watch(before);
		}, this)).catch(function(err) {
			ui.addNotification(null, E('p', {}, text(_('Could not start a run: %s').format(err.message || err))), 'danger');
		});
	},

	handleCheck: function(ev) {
		return callCheck().then(function(res) {
			var body;
			if (!isObj(res) || res.error != null) {
				body = [ E('div', { 'class': 'alert-message error' }, text(errorText(res))) ];
			}
			else {
				body = [
					E('p', {}, [ _('What a run would publish now (nothing is sent):') ]),
					res.reason != null ? E('p', { 'id': 'check-reason' }, [ E('strong', {}, text(res.reason)) ]) : '',
					table([
						row(_('IPv4'), address(res.ipv4), 'check-ipv4'),
						row(_('IPv6'), address(res.ipv6), 'check-ipv6'),
						row(_('Value'), res.value != null
							? E('pre', {}, text(typeof(res.value) == 'string' ? res.value : JSON.stringify(res.value)))
							: E('em', {}, [ _('nothing to publish') ]), 'check-value')
					])
				];
			}
			body.push(E('div', { 'class': 'right' }, [
				E('button', { 'class': 'btn', 'click': ui.hideModal }, [ _('Close') ])
			]));
			ui.showModal(_('Check'), body);
		}).catch(function(err) {
			ui.addNotification(null, E('p', {}, text(_('Check failed: %s').format(err.message || err))), 'danger');
		});
	},

	showSetup: function(title, intro, setup) {
		var body = [];
		if (intro)
			body.push(intro);
		body = body.concat(renderSetup(setup));
		body.push(E('div', { 'class': 'right' }, [
			E('button', { 'class': 'btn', 'click': ui.hideModal }, [ _('Close') ])
		]));
		ui.showModal(title, body);
	},

	handleKeygen: function(ev) {
		return callKeygen().then(L.bind(function(res) {
			res = isObj(res) ? res : {};
			var intro = res.generated
				? E('p', {}, [ _('A new hot key was written on the router. It never leaves it; back it up with the configuration (sysupgrade keeps it).') ])
				: E('div', { 'class': 'alert-message warning' }, text(_('No key generated: %s').format(errorText(res))));
			this.showSetup(_('Hot key'), intro, res.setup);
			return this.refresh();
		}, this)).catch(function(err) {
			ui.addNotification(null, E('p', {}, text(_('Key generation failed: %s').format(err.message || err))), 'danger');
		});
	},

	handleSetup: function(ev) {
		return callSetup().then(L.bind(function(res) {
			this.showSetup(_('Cold-wallet setup'), null, res);
		}, this)).catch(function(err) {
			ui.addNotification(null, E('p', {}, text(_('Setup failed: %s').format(err.message || err))), 'danger');
		});
	},

	render: function(st) {
		this.status = st;
		this.statusNode = E('div', { 'id': 'nmcddns-status' }, this.renderStatus(st));
		this.busyNode = E('span', { 'id': 'nmcddns-busy' });

		this.keyNode = E('span', { 'id': 'nmcddns-key' }, this.renderKeyButton(st));

		var view = E('div', { 'class': 'cbi-map' }, [
			E('h2', {}, [ _('Namecoin DDNS') ]),
			E('div', { 'class': 'cbi-map-descr' }, [
				_('Keeps a Namecoin dd/ name pointing at this router\'s WAN addresses, signed with a hot key that can change nothing else.')
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('div', { 'class': 'cbi-section-node' }, [
					E('button', { 'class': 'cbi-button cbi-button-action', 'id': 'nmcddns-update',
						'click': ui.createHandlerFn(this, 'handleUpdate') }, [ _('Update now') ]),
					' ',
					E('button', { 'class': 'cbi-button', 'id': 'nmcddns-check',
						'click': ui.createHandlerFn(this, 'handleCheck') }, [ _('Check') ]),
					' ',
					this.keyNode,
					' ',
					this.busyNode
				])
			]),
			E('div', { 'class': 'cbi-section' }, [ this.statusNode ])
		]);

		// A run that was going on when the page opened (hotplug, cron): follow it too.
		if (isObj(st) && st.running)
			this.watch(runStamp(st));

		return view;
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
