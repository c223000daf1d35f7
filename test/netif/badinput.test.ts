// Bad input from every edge ends in a clear error, inside its deadline: a garbage-printing or
// hanging `ubus` (a real executable on a temp PATH), address scripts that hang or print junk,
// an "IGD" that answers HTML or never answers, a NAT-PMP port that is silent or speaks PCP.
// All servers here listen on loopback only.
import { createSocket, type Socket } from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchDeviceDescription, getExternalIPAddress } from '../../src/netif/igd.ts';
import { natpmpExternalAddress } from '../../src/netif/natpmp.ts';
import { checkReachability } from '../../src/netif/reachability.ts';
import { discoverIGD } from '../../src/netif/ssdp.ts';
import type { NetifOptions } from '../../src/netif/types.ts';
import { askUpstream } from '../../src/netif/upstream.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmcddns-netif-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exe(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const base: NetifOptions = {
  ip4Source: 'ubus',
  ip4Interface: 'wan',
  ip6Source: 'none',
  ip6Interface: 'wan6',
  ports: [],
  upnp: false,
  ip6Firewall: 'ignore',
  // Generous: the cases below are about the message for bad output, which comes at once; a busy
  // CI machine must not turn them into "no answer". The hang cases set HANG_MS themselves.
  timeoutMs: 10_000,
};
/** The product's deadline in the hang cases: short, so that the test ends soon. */
const HANG_MS = 600;
/**
 * Wall-clock bound on a case that must end at its deadline: 10× the deadline, room for a
 * loaded 2-core CI, and still far below what a missed deadline costs (the hanging helpers
 * sleep 30 s; the fake servers never answer at all).
 */
const ends = (deadlineMs: number) => deadlineMs * 10;

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const t0 = Date.now();
  const v = await p;
  return [v, Date.now() - t0];
}

describe('ubus', () => {
  it('garbage from a `ubus` found on PATH → address null, the command named', async () => {
    const bin = join(dir, 'bin');
    exe('bin/../ubus-garbage', 'echo "Segmentation fault (core dumped) <<<"');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(bin, { recursive: true });
    copyFileSync(join(dir, 'ubus-garbage'), join(bin, 'ubus'));
    chmodSync(join(bin, 'ubus'), 0o755);
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    try {
      const v = await checkReachability(base);
      expect(v.ipv4.address).toBeNull();
      expect(v.ipv4.reason).toBe(
        'cannot read the WAN IPv4 address: ubus call network.interface.wan status: not JSON ("Segmentation fault (core dumped) <<<"); is this an OpenWrt netifd interface?',
      );
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('a hanging ubus is killed at the deadline', async () => {
    const ubus = exe('ubus-hang', 'sleep 30');
    const [v, ms] = await timed(checkReachability({ ...base, ubusPath: ubus, timeoutMs: HANG_MS }));
    expect(v.ipv4.reason).toBe('cannot read the WAN IPv4 address: ubus call network.interface.wan status: no answer within 600 ms (killed)');
    expect(ms).toBeLessThan(ends(HANG_MS));
  });

  it('ubus failing ("Not found") → its own message', async () => {
    const ubus = exe('ubus-notfound', 'echo "Command failed: Not found" >&2; exit 4');
    const v = await checkReachability({ ...base, ubusPath: ubus, ip4Interface: 'wwan' });
    expect(v.ipv4.reason).toBe('cannot read the WAN IPv4 address: ubus call network.interface.wwan status: exited with 4: Command failed: Not found');
  });

  it('a JSON answer of the wrong shape names the field', async () => {
    const ubus = exe('ubus-shape', `echo '{"up":true,"ipv4-address":[{"address":"100.64.1.300","mask":10}]}'`);
    const v = await checkReachability({ ...base, ubusPath: ubus });
    expect(v.ipv4.reason).toMatch(/ubus call network\.interface\.wan status: ipv4-address\[0\]\.address "100\.64\.1\.300" is not an IPv4 address/);
  });

  it('a missing ubus binary (not OpenWrt) says so', async () => {
    const v = await checkReachability({ ...base, ubusPath: join(dir, 'no-such-ubus') });
    expect(v.ipv4.reason).toMatch(/ubus call network\.interface\.wan status: .*no-such-ubus not found/);
  });
});

describe('address script', () => {
  const withScript = (script: string): NetifOptions => ({ ...base, ip4Source: 'script', ip6Source: 'script', script });

  it('a hanging script dies at the deadline, its children too', async () => {
    const pidFile = join(dir, 'sleep.pid');
    const script = exe('hang.sh', `sleep 30 & echo $! > ${pidFile}; wait`);
    const [v, ms] = await timed(checkReachability({ ...withScript(script), timeoutMs: HANG_MS }));
    expect(v.ipv4.reason).toBe(`cannot read the WAN IPv4 address: address script ${script}: no answer within 600 ms (killed)`);
    expect(v.ipv6.reason).toBe(`cannot read the WAN IPv6 address: address script ${script}: no answer within 600 ms (killed)`);
    expect(ms).toBeLessThan(ends(HANG_MS));
    // The grandchild `sleep` was in the script's process group and is dead as well: gone, or a
    // zombie waiting for an init that reaps (containers' PID 1 often does not).
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    const state = existsSync(`/proc/${pid}/status`) ? /State:\s+(\S)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
  });

  it.each([
    ['an HTML error page', 'echo "<html><body>502 Bad Gateway</body></html>"', /item 1 "<html><body>502 Bad Gateway<\/body><\/html>" is not an IPv4 or IPv6 address; print a JSON array or one address per line/],
    ['a half address', 'echo 81.2.69', /item 1 "81\.2\.69" is not an IPv4 or IPv6 address/],
    ['broken JSON', `echo '["81.2.69.160",'`, /output starts with "\[" but is not a JSON array/],
    ['JSON of numbers', `echo '[81]'`, /item 1 81 is not an IPv4 or IPv6 address/],
    ['a flood', 'yes 81.2.69.160', /printed more than 65536 bytes \(killed\)/],
    ['a failure', 'echo "no WAN" >&2; exit 3', /exited with 3: no WAN/],
  ])('%s → clear error', async (_what, body, re) => {
    const script = exe(`junk-${Math.random().toString(36).slice(2)}.sh`, body);
    const v = await checkReachability(withScript(script));
    expect(v.ipv4.address).toBeNull();
    expect(v.ipv4.reason).toMatch(re);
  });

  it('a non-executable script', async () => {
    const p = join(dir, 'plain.txt');
    writeFileSync(p, '81.2.69.160\n');
    const v = await checkReachability(withScript(p));
    expect(v.ipv4.reason).toMatch(/plain\.txt is not executable/);
  });

  it('good output: JSON array or lines, run once for both families', async () => {
    const count = join(dir, 'count');
    const script = exe('good.sh', `echo x >> ${count}; printf '# from the modem\\n81.2.69.160\\n\\n2a02:8100:0:1::2a\\n'`);
    const v = await checkReachability({ ...withScript(script), ports: [] });
    expect(v.ipv4).toMatchObject({ address: '81.2.69.160', via: 'direct' });
    expect(v.ipv6).toMatchObject({ address: '2a02:8100:0:1::2a', via: 'direct' });
    expect(readFileSync(count, 'utf8')).toBe('x\n');
  });
});

describe('an IGD that answers HTML or never answers (loopback servers)', () => {
  let http: Server;
  let port = 0;
  const sockets = new Set<import('node:net').Socket>();
  beforeAll(async () => {
    http = createServer((req, res) => {
      if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!DOCTYPE html><html><body>Router login</body></html>');
      } else if (req.url === '/desc') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          '<root><device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>/ctl-hang</controlURL></service></serviceList></device></root>',
        );
      } else if (req.url === '/trickle') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.write('<root>');
        const t = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(t));
      }
      // '/hang' and '/ctl-hang': never answer
    });
    http.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    port = (http.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => http.close(r));
  });

  it('HTML instead of a description', async () => {
    // The server answers at once: the deadline is generous so that only the content is judged.
    await expect(fetchDeviceDescription(`http://127.0.0.1:${port}/html`, 10_000)).rejects.toThrow(
      `http://127.0.0.1:${port}/html is not a UPnP device description (no <root>/<device> element): "<!DOCTYPE html><html><body>Router login</body></html>"`,
    );
  });

  it('a description that never comes, and one that never ends', async () => {
    const [e, ms] = await timed(fetchDeviceDescription(`http://127.0.0.1:${port}/hang`, 500).catch((x: Error) => x));
    expect((e as Error).message).toBe(`UPnP device description: no answer from http://127.0.0.1:${port}/hang within 500 ms`);
    expect(ms).toBeLessThan(ends(500));
    const [e2, ms2] = await timed(fetchDeviceDescription(`http://127.0.0.1:${port}/trickle`, 500).catch((x: Error) => x));
    expect((e2 as Error).message).toBe(`UPnP device description: http://127.0.0.1:${port}/trickle did not finish its answer within 500 ms`);
    expect(ms2).toBeLessThan(ends(500));
  });

  it('a SOAP control URL that never answers', async () => {
    const d = await fetchDeviceDescription(`http://127.0.0.1:${port}/desc`, 10_000); // answered at once
    const [e, ms] = await timed(getExternalIPAddress(d.connection, 500).catch((x: Error) => x));
    expect((e as Error).message).toBe(`UPnP GetExternalIPAddress: no answer from http://127.0.0.1:${port}/ctl-hang within 500 ms`);
    expect(ms).toBeLessThan(ends(500));
  });

  describe('with SSDP and NAT-PMP on loopback', () => {
    let ssdp: Socket;
    let ssdpPort = 0;
    let silent: Socket;
    let silentPort = 0;
    let pcp: Socket;
    let pcpPort = 0;
    const bindUdp = async (onMsg: (s: Socket, m: Buffer, r: { address: string; port: number }) => void): Promise<[Socket, number]> => {
      const s = createSocket('udp4');
      s.on('message', (m, r) => onMsg(s, m, r));
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
      return [s, s.address().port];
    };
    beforeAll(async () => {
      [ssdp, ssdpPort] = await bindUdp((s, m, r) => {
        if (!m.toString().startsWith('M-SEARCH')) return;
        s.send(`HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nLOCATION: http://127.0.0.1:${port}/html\r\n\r\n`, r.port, r.address);
      });
      [silent, silentPort] = await bindUdp(() => undefined);
      [pcp, pcpPort] = await bindUdp((s, _m, r) => s.send(Buffer.from([2, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), r.port, r.address));
    });
    afterAll(() => {
      ssdp.close();
      silent.close();
      pcp.close();
    });

    it('SSDP: a reply from the gateway ends the search early; silence gives [] after the window', async () => {
      // A long window, so that "ended early" stays provable with a wide margin on a busy machine.
      const [found, ms] = await timed(discoverIGD({ localAddress: '127.0.0.1', gateway: '127.0.0.1', port: ssdpPort, multicast: false, windowMs: 20_000 }));
      expect(found.map((f) => f.location)).toEqual([`http://127.0.0.1:${port}/html`]);
      expect(ms).toBeLessThan(10_000);
      const [none, ms2] = await timed(discoverIGD({ localAddress: '127.0.0.1', gateway: '127.0.0.1', port: silentPort, multicast: false, windowMs: 600 }));
      expect(none).toEqual([]);
      expect(ms2).toBeGreaterThanOrEqual(590); // it listened for the whole window
      expect(ms2).toBeLessThan(ends(600));
    });

    it('NAT-PMP: silence and a PCP-only answer', async () => {
      const [e, ms] = await timed(natpmpExternalAddress('127.0.0.1', { timeoutMs: 700, port: silentPort }).catch((x: Error) => x));
      expect((e as Error).message).toBe(`NAT-PMP: no answer from 127.0.0.1:${silentPort} within 700 ms`);
      expect(ms).toBeLessThan(ends(700));
      // Answered at once: a generous deadline so that only the answer's version is judged.
      await expect(natpmpExternalAddress('127.0.0.1', { timeoutMs: 10_000, port: pcpPort })).rejects.toThrow('NAT-PMP: answer has version 2, expected 0 (a PCP-only gateway?)');
    });

    it('the whole upstream question: HTML "IGD", then a silent NAT-PMP → not published, both reasons, within budget', async () => {
      // One timeoutMs serves the HTML fetch (answered at once) and the silent NAT-PMP (waited
      // out): 3 s keeps the first from timing out on a busy machine. The three steps' deadlines
      // (SSDP window, fetch, NAT-PMP) add up to 9 s; the budget is 10× one deadline. NAT-PMP's
      // retransmissions (250 ms, doubling) would go on far past it if the deadline were ignored.
      const [ans, ms] = await timed(
        askUpstream({ localAddress: '127.0.0.1', gateway: '127.0.0.1', ports: [{ proto: 'tcp', port: 443 }], leaseSeconds: 600, timeoutMs: 3000, ssdpWindowMs: 3000, ssdpPort, natpmpPort: silentPort }),
      );
      expect(ans.mappings).toEqual([]);
      expect(ans.verdict.address).toBeNull();
      expect(ans.verdict.reason).toBe(
        `cannot learn the public address behind NAT: http://127.0.0.1:${port}/html is not a UPnP device description (no <root>/<device> element): "<!DOCTYPE html><html><body>Router login</body></html>"; NAT-PMP: no answer from 127.0.0.1:${silentPort} within 3000 ms`,
      );
      expect(ms).toBeGreaterThanOrEqual(2990); // NAT-PMP was really waited for
      expect(ms).toBeLessThan(ends(3000));
    }, 60_000);
  });
});

describe('invalid options throw, naming the option', () => {
  it.each([
    [{ ip4Source: 'web' }, /^option ip4_source: "web" is not one of ubus, interface, static, script, none$/],
    [{ ip4Source: 'static' }, /^option ip4_address: ip4_source static needs an IPv4 address, got undefined$/],
    [{ ip6Source: 'static', ip6Address: 'fe80::1::' }, /^option ip6_address/],
    [{ ip4Source: 'script' }, /^option script: a script source needs/],
    [{ ip6Source: 'static', ip6Address: '2a02::1', ip6Suffix: '::10' }, /^option ip6_suffix: needs ip6_source ubus or interface/],
    [{ ip6Source: 'ubus', ip6Suffix: 'ten' }, /ip6_suffix "ten": not an IPv6 interface id/],
    [{ ports: [{ proto: 'sctp', port: 1 }] }, /^option port: /],
    [{ ip6Firewall: 'maybe' }, /^option ip6_firewall: "maybe" is not require, warn or ignore$/],
    [{ ip4Interface: 'wan; reboot' }, /^option ip4_interface: "wan; reboot" is not an interface name$/],
    [{ timeoutMs: 0 }, /^option timeoutMs/],
  ])('%j', async (over, re) => {
    await expect(checkReachability({ ...base, ...(over as Partial<NetifOptions>) })).rejects.toThrow(re);
  });
  it('the fake executables were really there', () => {
    expect(existsSync(join(dir, 'ubus-hang'))).toBe(true);
  });
});
