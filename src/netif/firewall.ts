// Does OpenWrt's firewall let the service ports in over IPv6? fw4's default `wan` zone has
// `input REJECT` / `forward REJECT` (firewall4 root/etc/config/firewall), so a published AAAA is
// reachable only with an explicit rule, e.g.
//   config rule
//       option src 'wan'          # the zone holding our WAN network
//       option proto 'tcp'
//       option dest_port '443'
//       option family 'ipv6'      # or unset / 'any'
//       option target 'ACCEPT'
//       option dest 'lan'         # only for a LAN server (prefix + ip6_suffix): a forward rule
// We read /etc/config/firewall ourselves (no `uci` binary needed) with a small UCI reader.
import { parseCidr, parseIPv6, samePrefix } from './addr.ts';
import type { PortSpec } from './types.ts';

export interface UciSection {
  type: string;
  name?: string;
  options: Record<string, string | string[]>;
}

/** Tokenise one UCI line: bare words, 'single' and "double" quoted strings. */
function uciWords(line: string, lineNo: number, where: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let w = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      const q = line[i] as string;
      if (q === "'") {
        const end = line.indexOf(q, i + 1);
        if (end < 0) throw new Error(`${where} line ${lineNo}: unterminated ' quote`);
        w += line.slice(i + 1, end);
        i = end + 1;
      } else if (q === '"') {
        // Double quotes allow backslash escapes, as in the shell and libuci.
        let j = i + 1;
        while (j < line.length && line[j] !== '"') {
          if (line[j] === '\\' && j + 1 < line.length) j++;
          w += line[j];
          j++;
        }
        if (j >= line.length) throw new Error(`${where} line ${lineNo}: unterminated " quote`);
        i = j + 1;
      } else if (q === '\\' && i + 1 < line.length) {
        w += line[i + 1];
        i += 2;
      } else {
        w += q;
        i++;
      }
    }
    out.push(w);
  }
  return out;
}

export function parseUci(text: string, where = 'UCI file'): UciSection[] {
  const sections: UciSection[] = [];
  let cur: UciSection | null = null;
  text.split('\n').forEach((raw, idx) => {
    const w = uciWords(raw, idx + 1, where);
    if (w.length === 0) return;
    const [kw, a, b] = w;
    if (kw === 'package') return;
    if (kw === 'config') {
      if (!a) throw new Error(`${where} line ${idx + 1}: "config" without a section type`);
      cur = { type: a, options: {} };
      if (b) cur.name = b;
      sections.push(cur);
    } else if (kw === 'option' || kw === 'list') {
      if (!cur) throw new Error(`${where} line ${idx + 1}: ${kw} outside a config section`);
      if (!a || b === undefined) throw new Error(`${where} line ${idx + 1}: ${kw} needs a name and a value`);
      const s: UciSection = cur;
      if (kw === 'option') s.options[a] = b;
      else {
        const prev = s.options[a];
        s.options[a] = Array.isArray(prev) ? [...prev, b] : prev === undefined ? [b] : [prev, b];
      }
    } else {
      throw new Error(`${where} line ${idx + 1}: unknown keyword ${JSON.stringify(kw)}`);
    }
  });
  return sections;
}

const words = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(/\s+/)).filter((x) => x !== '');

function portMatches(spec: string[], port: number): boolean {
  if (spec.length === 0) return true; // no dest_port: every port
  return spec.some((p) => {
    const neg = p.startsWith('!');
    if (neg) return false; // a negated port list is too clever to count as "accepts our port"
    const m = /^([0-9]+)(?:[-:]([0-9]+))?$/.exec(p);
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    return port >= lo && port <= hi;
  });
}

function protoMatches(spec: string[], proto: 'tcp' | 'udp'): boolean {
  if (spec.length === 0) return true; // fw4 default proto is "tcp udp"
  return spec.some((p) => p === proto || p === 'all' || p === 'any' || p === 'tcpudp' || p === '*' || (proto === 'tcp' && p === '6') || (proto === 'udp' && p === '17'));
}

export interface FirewallCheck {
  /** Zone(s) holding the WAN network. */
  zones: string[];
  open: { port: PortSpec; by: string }[];
  missing: PortSpec[];
}

/**
 * Which of `ports` an IPv6 client on the Internet may reach at `address`.
 * `forward`: the address is a LAN host (prefix + suffix), so forward rules (`dest` set) count;
 * otherwise the router itself, so input rules (no `dest`) count.
 */
export function checkIp6Firewall(
  sections: UciSection[],
  o: { ports: PortSpec[]; wanNetwork: string; address: string; forward: boolean },
): FirewallCheck {
  const zones = sections.filter((s) => s.type === 'zone');
  let wanZones = zones.filter((z) => words(z.options.network).includes(o.wanNetwork)).map((z) => z.options.name as string);
  if (wanZones.length === 0) wanZones = zones.filter((z) => z.options.name === 'wan').map(() => 'wan');
  const addr = parseIPv6(o.address);
  const open: FirewallCheck['open'] = [];
  const missing: PortSpec[] = [];
  for (const port of o.ports) {
    let by: string | null = null;
    for (const z of zones) {
      const name = z.options.name as string;
      if (!wanZones.includes(name)) continue;
      const policy = String(z.options[o.forward ? 'forward' : 'input'] ?? '').toUpperCase();
      if (policy === 'ACCEPT' && words(z.options.family).every((f) => f !== 'ipv4')) by = `zone ${name} ${o.forward ? 'forward' : 'input'} ACCEPT`;
    }
    // Named as UCI does: firewall.<name> or firewall.@rule[N] (N counts rules only, from 0).
    sections.filter((r) => r.type === 'rule').forEach((r, i) => {
      if (by) return;
      const opt = r.options;
      if (opt.enabled === '0') return;
      if (String(opt.target ?? '').toUpperCase() !== 'ACCEPT') return;
      const src = String(opt.src ?? '');
      if (!(src === '*' || wanZones.includes(src))) return;
      const fam = String(opt.family ?? 'any').toLowerCase();
      if (!(fam === 'any' || fam === 'ipv6' || fam === 'inet6' || fam === '')) return;
      if (opt.src_ip !== undefined || opt.src_mac !== undefined || opt.src_port !== undefined) return; // not "from anyone"
      if (o.forward ? opt.dest === undefined : opt.dest !== undefined) return;
      const destIp = words(opt.dest_ip);
      if (destIp.length > 0) {
        const hit = addr && destIp.some((d) => {
          const c = parseCidr(d);
          return c !== null && c.family === 6 && samePrefix(addr, c.bytes, c.bits);
        });
        if (!hit) return;
      }
      if (!protoMatches(words(opt.proto), port.proto)) return;
      if (!portMatches(words(opt.dest_port), port.port)) return;
      by = `rule ${r.name ? `firewall.${r.name}` : `firewall.@rule[${i}]`}${typeof opt.name === 'string' ? ` '${opt.name}'` : ''}`;
    });
    if (by) open.push({ port, by });
    else missing.push(port);
  }
  return { zones: wanZones, open, missing };
}
