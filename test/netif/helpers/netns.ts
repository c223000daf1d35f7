// Real network topologies for the netif tests: namespaces this test creates (random names),
// veth pairs created *inside* them (no device ever exists in the host namespace, nothing is
// routed to the host), and Debian's miniupnpd as the upstream IGD (reference §7.2-§7.3):
//
//   [isp] isp0 ── wan0 [igw: miniupnpd, nft] lan0 192.168.77.1 ── eth0 192.168.77.10 [cli: our code]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);

export async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) return (await run(cmd, args, { encoding: 'utf8' })).stdout;
  return new Promise((resolve, reject) => {
    const c = execFile(cmd, args, { encoding: 'utf8' }, (e, out, err) => (e ? reject(new Error(`${cmd} ${args.join(' ')}: ${err || e.message}`)) : resolve(out)));
    c.stdin?.end(input);
  });
}

/** A fresh random namespace prefix, so two test files (vitest runs 2 forks) never collide. */
export function uniquePrefix(tag: string): string {
  return `nmd${tag}${randomBytes(3).toString('hex')}`;
}

export const LAN_CLIENT = '192.168.77.10';
export const LAN_GW = '192.168.77.1';

export interface IgwOptions {
  /** WAN address of the IGD with its length, e.g. `100.64.10.2/24`. */
  wan: string;
  /** The ISP end of the WAN link, e.g. `100.64.10.1`. */
  isp: string;
  secure?: boolean;
  upnp?: boolean;
  natpmp?: boolean;
}

// miniupnpd's nftables backend expects these six chains in one `inet filter` table (§7.2).
const NFT_RULESET = `
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy accept;
    jump miniupnpd
  }
  chain miniupnpd {
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
  }
  chain postrouting_miniupnpd {
  }
}
`;

export class Topology {
  readonly isp: string;
  readonly igw: string;
  readonly cli: string;
  readonly dir: string;
  private daemon: ChildProcess | null = null;
  private log = '';
  private created: string[] = [];
  private extra: ChildProcess[] = [];

  constructor(readonly prefix: string) {
    this.isp = `${prefix}i`;
    this.igw = `${prefix}g`;
    this.cli = `${prefix}c`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  }

  async create(o: IgwOptions): Promise<void> {
    for (const ns of [this.isp, this.igw, this.cli]) {
      await sh('ip', ['netns', 'add', ns]);
      this.created.push(ns);
    }
    const ipn = (ns: string, ...a: string[]) => sh('ip', ['-n', ns, ...a]);
    await ipn(this.igw, 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', 'isp0', 'netns', this.isp);
    await ipn(this.igw, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.cli);
    for (const [ns, dev, addr] of [
      [this.isp, 'isp0', `${o.isp}/${o.wan.split('/')[1]}`],
      [this.igw, 'wan0', o.wan],
      [this.igw, 'lan0', `${LAN_GW}/24`],
      [this.cli, 'eth0', `${LAN_CLIENT}/24`],
    ] as const) {
      await ipn(ns, 'addr', 'add', addr, 'dev', dev);
      await ipn(ns, 'link', 'set', dev, 'up');
    }
    for (const ns of [this.isp, this.igw, this.cli]) await ipn(ns, 'link', 'set', 'lo', 'up');
    await ipn(this.igw, 'route', 'add', 'default', 'via', o.isp);
    await ipn(this.cli, 'route', 'add', 'default', 'via', LAN_GW);
    await sh('ip', ['netns', 'exec', this.igw, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await sh('ip', ['netns', 'exec', this.igw, 'nft', '-f', '-'], NFT_RULESET);
    await this.startMiniupnpd(o);
  }

  private async startMiniupnpd(o: IgwOptions): Promise<void> {
    const conf = join(this.dir, 'miniupnpd.conf');
    writeFileSync(
      conf,
      [
        'ext_ifname=wan0',
        'listening_ip=lan0',
        'http_port=5000',
        `enable_natpmp=${o.natpmp === false ? 'no' : 'yes'}`,
        `enable_upnp=${o.upnp === false ? 'no' : 'yes'}`,
        `secure_mode=${o.secure === false ? 'no' : 'yes'}`,
        'system_uptime=yes',
        'notify_interval=60',
        `lease_file=${join(this.dir, 'upnp.leases')}`,
        'uuid=3f0e1c1a-1111-4222-8333-444455556666',
        'friendly_name=nmcddns test IGD',
        `allow 1024-65535 192.168.77.0/24 1024-65535`,
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    );
    const d = spawn('ip', ['netns', 'exec', this.igw, 'miniupnpd', '-f', conf, '-d', '-P', join(this.dir, 'miniupnpd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.daemon = d;
    const collect = (b: Buffer) => {
      this.log += b.toString();
    };
    d.stdout?.on('data', collect);
    d.stderr?.on('data', collect);
    // Ready when it listens for HTTP (UPnP) or, with UPnP off, for NAT-PMP.
    const ready = o.upnp === false ? /Listening for NAT-PMP|NAT-PMP.*listening|PCP/i : /HTTP listening on port/;
    const t0 = Date.now();
    while (!ready.test(this.log)) {
      if (d.exitCode !== null) throw new Error(`miniupnpd exited ${d.exitCode}:\n${this.log}`);
      if (Date.now() - t0 > 10_000) throw new Error(`miniupnpd did not start within 10 s:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  /**
   * A decoy on a second device of `cli` (lan1 10.9.0.1 ↔ 10.9.0.2 in namespace `<prefix>d`),
   * answering every SSDP search — like the router's own miniupnpd on its LAN side — and made the
   * kernel's default for multicast. Searches that leave through the WAN device never reach it.
   */
  async addDecoy(): Promise<string> {
    const dec = `${this.prefix}d`;
    await sh('ip', ['netns', 'add', dec]);
    this.created.push(dec);
    await sh('ip', ['-n', this.cli, 'link', 'add', 'lan1', 'type', 'veth', 'peer', 'name', 'dec0', 'netns', dec]);
    await sh('ip', ['-n', this.cli, 'addr', 'add', '10.9.0.1/24', 'dev', 'lan1']);
    await sh('ip', ['-n', this.cli, 'link', 'set', 'lan1', 'up']);
    await sh('ip', ['-n', dec, 'addr', 'add', '10.9.0.2/24', 'dev', 'dec0']);
    await sh('ip', ['-n', dec, 'link', 'set', 'dec0', 'up']);
    await sh('ip', ['-n', this.cli, 'route', 'add', '239.0.0.0/8', 'dev', 'lan1']);
    const script = join(this.dir, 'decoy.mjs');
    writeFileSync(
      script,
      `import dgram from 'node:dgram';
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m, r) => {
  if (!m.toString().startsWith('M-SEARCH')) return;
  s.send('HTTP/1.1 200 OK\\r\\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\\r\\nLOCATION: http://10.9.0.2:5000/decoy.xml\\r\\n\\r\\n', r.port, r.address);
});
s.bind(1900, () => { s.addMembership('239.255.255.250', '10.9.0.2'); console.log('ready'); });
`,
    );
    const d = spawn('ip', ['netns', 'exec', dec, process.execPath, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.extra.push(d);
    let err = '';
    d.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`decoy did not start: ${err}`)), 5000);
      d.stdout?.on('data', (b: Buffer) => {
        if (b.toString().includes('ready')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    return dec;
  }

  daemonLog(): string {
    return this.log;
  }

  async nftRules(): Promise<string> {
    return sh('ip', ['netns', 'exec', this.igw, 'nft', 'list', 'table', 'inet', 'filter']);
  }

  async destroy(): Promise<void> {
    const d = this.daemon;
    if (d && d.exitCode === null && d.pid !== undefined) {
      const gone = new Promise((r) => d.once('exit', r));
      d.kill('SIGTERM'); // `ip netns exec` execs miniupnpd, so this pid is the daemon itself
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (d.exitCode === null) d.kill('SIGKILL');
    }
    for (const c of this.extra) if (c.exitCode === null) c.kill('SIGKILL'); // our own `ip netns exec node` children
    this.extra = [];
    for (const ns of this.created.reverse()) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
    this.created = [];
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Bundle the netif driver into `dir` (Node 20 cannot run TypeScript itself inside the namespace). */
export async function bundleDriver(dir: string): Promise<string> {
  const outfile = join(dir, 'driver.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'driver.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}

export interface DriverResult<T = unknown> {
  ok: boolean;
  result?: T;
  error?: string;
  ms: number;
}

/** Run one driver operation inside namespace `ns`; the driver prints one JSON line. */
export async function inNs<T = unknown>(ns: string, driver: string, op: string, args: unknown, timeoutMs = 25_000): Promise<DriverResult<T>> {
  const { stdout } = await run('ip', ['netns', 'exec', ns, process.execPath, driver, JSON.stringify({ op, args })], { encoding: 'utf8', timeout: timeoutMs });
  return JSON.parse(stdout) as DriverResult<T>;
}
