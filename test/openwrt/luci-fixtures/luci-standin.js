// A small stand-in for LuCI's client runtime, for the headless-browser test of the nmcddns views.
// It is NOT LuCI: it provides just what the views use, with LuCI's behaviour where it matters:
//  - views are compiled the way luci.js does it: the file is the body of
//    function(window, document, L, <modules named in the 'require' preamble>) returning a class;
//  - E()/dom.append treat a string child as HTML and array items as text (so the test sees the
//    same escaping the real page would);
//  - rpc.declare() posts ubus JSON-RPC to /ubus and applies `expect` as rpc.js does;
//  - poll ticks once a second and runs each function every `interval` ticks, never twice at once;
//  - ui.createHandlerFn() disables the button until the handler's promise settles.
(function(window, document) {
	'use strict';

	String.prototype.format = function() {
		var args = arguments, i = 0;
		return this.replace(/%(%|s|d)/g, function(m, t) {
			if (t === '%')
				return '%';
			var v = args[i++];
			return t === 'd' ? String(Math.floor(+v || 0)) : String(v);
		});
	};

	window._ = function(s) { return s; };

	var dom = {
		elem: function(e) {
			return e != null && typeof(e) == 'object' && 'nodeType' in e;
		},
		append: function(node, children) {
			if (!this.elem(node))
				return null;
			if (Array.isArray(children)) {
				for (var i = 0; i < children.length; i++)
					if (this.elem(children[i]))
						node.appendChild(children[i]);
					else if (children[i] != null)
						node.appendChild(document.createTextNode('' + children[i]));
				return node.lastChild;
			}
			if (typeof(children) == 'function')
				return this.append(node, children(node));
			if (this.elem(children))
				return node.appendChild(children);
			if (children != null) {
				node.innerHTML = '' + children; // as LuCI: a plain string is markup
				return node.lastChild;
			}
			return null;
		},
		content: function(node, children) {
			if (!this.elem(node))
				return null;
			while (node.firstChild)
				node.removeChild(node.firstChild);
			return this.append(node, children);
		},
		create: function(tag, attrs, children) {
			var el = document.createElement(tag);
			if (attrs != null && (typeof(attrs) != 'object' || Array.isArray(attrs) || this.elem(attrs))) {
				children = attrs;
				attrs = null;
			}
			for (var k in (attrs || {})) {
				var v = attrs[k];
				if (v == null)
					continue;
				if (typeof(v) == 'function')
					el.addEventListener(k, v);
				else if (typeof(v) == 'object')
					el.setAttribute(k, JSON.stringify(v));
				else
					el.setAttribute(k, v);
			}
			this.append(el, children);
			return el;
		}
	};

	window.E = function() { return dom.create.apply(dom, arguments); };

	var Poll = {
		queue: [],
		tick: 0,
		timer: null,
		add: function(fn, interval) {
			if (typeof(fn) != 'function' || !(interval > 0))
				throw new TypeError('Invalid argument to poll.add()');
			for (var i = 0; i < this.queue.length; i++)
				if (this.queue[i].fn === fn)
					return false;
			this.queue.push({ r: true, i: interval >>> 0, fn: fn });
			if (this.timer == null) {
				this.tick = 0;
				this.timer = window.setInterval(Poll.step, 1000);
				Poll.step();
			}
			return true;
		},
		remove: function(fn) {
			var len = this.queue.length;
			this.queue = this.queue.filter(function(e) { return e.fn !== fn; });
			if (!this.queue.length && this.timer != null) {
				window.clearInterval(this.timer);
				this.timer = null;
			}
			return this.queue.length != len;
		},
		step: function() {
			Poll.queue.slice().forEach(function(e) {
				if (Poll.tick % e.i != 0 || !e.r)
					return;
				e.r = false;
				Promise.resolve(e.fn()).finally(function() { e.r = true; });
			});
			Poll.tick++;
		},
		active: function() { return this.timer != null; }
	};

	var rpcId = 1;
	var rpc = {
		declare: function(d) {
			return function() {
				var args = {}, params = d.params || [];
				for (var i = 0; i < params.length && i < arguments.length; i++)
					args[params[i]] = arguments[i];
				var body = [ { jsonrpc: '2.0', id: rpcId++, method: 'call',
					params: [ L.env.sessionid, d.object, d.method, args ] } ];
				return fetch('/ubus/', { method: 'POST', headers: { 'Content-Type': 'application/json' },
					body: JSON.stringify(body) })
					.then(function(res) { return res.json(); })
					.then(function(replies) {
						var r = replies[0];
						if (r.error)
							throw new Error('RPC call to ' + d.object + '/' + d.method + ' failed: ' + r.error.message);
						if (r.result[0] !== 0)
							throw new Error('RPC call to ' + d.object + '/' + d.method + ' failed with ubus code ' + r.result[0]);
						var ret = r.result[1];
						for (var key in (d.expect || {})) {
							if (ret != null && key != '')
								ret = ret[key];
							var def = d.expect[key];
							if (ret == null || (def != null && typeof(ret) != typeof(def)) || Array.isArray(ret) != Array.isArray(def))
								ret = def;
							break;
						}
						return ret;
					});
			};
		}
	};

	var ui = {
		createHandlerFn: function(ctx, fn) {
			var args = Array.prototype.slice.call(arguments, 2);
			if (typeof(fn) == 'string')
				fn = ctx[fn];
			return function(ev) {
				var btn = ev.target; // as ui.js does
				if (btn.blur)
					btn.blur();
				btn.disabled = true;
				btn.classList.add('spinning');
				return Promise.resolve(fn.apply(ctx, args.concat([ ev ]))).finally(function() {
					btn.disabled = false;
					btn.classList.remove('spinning');
				});
			};
		},
		addNotification: function(title, children) {
			var classes = Array.prototype.slice.call(arguments, 2);
			var n = E('div', { 'class': 'alert-message ' + classes.join(' ') }, [
				title ? E('h4', {}, [ title ]) : '',
				E('div', {}, children)
			]);
			var box = document.getElementById('notifications');
			box.insertBefore(n, box.firstChild);
			return n;
		},
		showModal: function(title, children) {
			var m = document.querySelector('#modal_overlay > .modal');
			dom.content(m, [ E('h4', {}, [ title ]) ].concat(children));
			document.body.classList.add('modal-overlay-active');
			return m;
		},
		hideModal: function() {
			document.body.classList.remove('modal-overlay-active');
		}
	};

	var view = {
		extend: function(props) {
			var C = function() {};
			C.prototype = Object.assign({
				load: function() {},
				render: function() {}
			}, props);
			return C;
		}
	};

	var modules = { view: view, dom: dom, poll: Poll, rpc: rpc, ui: ui };

	// The part of luci.js's compileClass that matters: read the 'require' preamble, then
	// eval the file as the body of a function taking window, document, L and the modules.
	function compileView(source, url) {
		var requireRe = /^require[ \t]+(\S+)(?:[ \t]+as[ \t]+([a-zA-Z_]\S*))?$/;
		var names = [], instances = [];
		for (var i = 0, off = -1, quote = -1, esc = false; i < source.length; i++) {
			var chr = source.charCodeAt(i);
			if (esc)
				esc = false;
			else if (chr == 92)
				esc = true;
			else if (chr == quote) {
				var s = source.substring(off, i), m = requireRe.exec(s);
				if (m) {
					if (!(m[1] in modules))
						throw new Error('stand-in has no module ' + m[1]);
					names.push(m[2] || m[1].replace(/[^a-zA-Z0-9_]/g, '_'));
					instances.push(modules[m[1]]);
				}
				else if (!/^use[ \t]+strict$/.test(s))
					break;
				off = -1;
				quote = -1;
			}
			else if (quote == -1 && (chr == 34 || chr == 39)) {
				off = i + 1;
				quote = chr;
			}
		}
		var factory = (0, eval)('(function(window, document, L' + names.map(function(n) { return ', ' + n; }).join('') +
			') { ' + source + ' })\n//# sourceURL=' + url + '\n');
		return factory.apply(factory, [ window, document, L ].concat(instances));
	}

	var L = window.L = {
		env: { sessionid: '00000000000000000000000000000000', pollinterval: 5 },
		ui: ui,
		dom: dom,
		bind: function(fn, self) {
			return Function.prototype.bind.apply(fn, [ self ].concat(Array.prototype.slice.call(arguments, 2)));
		},
		isObject: function(v) { return v != null && typeof(v) == 'object'; },
		resolveDefault: function(value, defvalue) {
			return Promise.resolve(value).catch(function() { return defvalue; });
		},
		// Load view/<path>.js, then load() → render() → #view, as LuCI's view class does.
		renderView: function(path) {
			var url = '/luci-static/resources/view/' + path + '.js';
			return fetch(url).then(function(res) {
				if (!res.ok)
					throw new Error('HTTP ' + res.status + ' loading ' + url);
				return res.text();
			}).then(function(source) {
				var Cls = compileView(source, url);
				var inst = new Cls();
				window.currentView = inst;
				return Promise.resolve(inst.load()).then(function(data) {
					return inst.render(data);
				}).then(function(node) {
					dom.content(document.getElementById('view'), node);
					document.body.setAttribute('data-view-ready', '1');
				});
			}).catch(function(err) {
				dom.content(document.getElementById('view'), E('pre', { 'class': 'alert-message error', 'id': 'view-error' }, [ String(err.stack || err) ]));
				document.body.setAttribute('data-view-ready', 'error');
				throw err;
			});
		}
	};
})(window, document);
