// netif figures: the pure parts (what a run spends classifying and choosing) and one whole
// checkReachability over a fake `ubus` executable (child-process cost, no network).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyIPv4, classifyIPv6 } from '../src/netif/classify.ts';
import { parseIfInet6 } from '../src/netif/ifinet6.ts';
import { chooseIPv6, type Ip6Candidate } from '../src/netif/ip6choice.ts';
import { parseNetifdStatus } from '../src/netif/netifd.ts';
import { checkReachability } from '../src/netif/reachability.ts';

function perOp(label: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 1000); i++) fn(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${label.padEnd(46)} ${(ns / 1000).toFixed(2).padStart(8)} µs/op`);
}

const v4 = Array.from({ length: 256 }, (_, i) => `${(i * 37) % 256}.${i}.${(i * 7) % 256}.1`);
const v6 = Array.from({ length: 256 }, (_, i) => `${(0x2000 + i * 97).toString(16)}:db8:${i.toString(16)}::${i.toString(16)}`);
perOp('classifyIPv4', 200_000, (i) => classifyIPv4(v4[i & 255] as string));
perOp('classifyIPv6', 200_000, (i) => classifyIPv6(v6[i & 255] as string));

const lines = Array.from({ length: 64 }, (_, i) => `2a0affff0010000000000000${i.toString(16).padStart(8, '0')} 03 40 00 ${i % 3 ? '80' : '21'}       v0`).join('\n');
perOp('parseIfInet6 (64 lines)', 5_000, () => parseIfInet6(lines));

const status = JSON.stringify({
  up: true,
  l3_device: 'eth1',
  'ipv4-address': [{ address: '100.72.14.9', mask: 10 }],
  'ipv6-address': Array.from({ length: 8 }, (_, i) => ({ address: `2a02:8100:0:1::${i + 1}`, mask: 128, preferred: 1000 * i, valid: 9000 })),
  'ipv6-prefix': [{ address: '2a02:8100:10:ab00::', mask: 56, preferred: 14400, valid: 86400, assigned: { lan: { address: '2a02:8100:10:ab00::', mask: 64 } } }],
  route: [{ target: '0.0.0.0', mask: 0, nexthop: '100.64.0.1' }],
});
perOp('parseNetifdStatus (8 IPv6 + prefix)', 20_000, () => parseNetifdStatus(status));

const cands: Ip6Candidate[] = Array.from({ length: 16 }, (_, i) => ({
  address: `2a0a::${i + 1}`,
  prefixLen: 64,
  preferred: i % 4 === 0 ? 0 : 1000 + i,
  valid: 9000,
  temporary: i % 5 === 0,
  deprecated: false,
  tentative: false,
  dadFailed: false,
  origin: 'v0',
}));
perOp('chooseIPv6 (16 candidates, with previous)', 50_000, () => chooseIPv6(cands, '2a0a::7'));

const dir = mkdtempSync(join(tmpdir(), 'nmcddns-bench-netif-'));
const json = join(dir, 'wan.json');
writeFileSync(json, JSON.stringify({ up: true, l3_device: 'pppoe-wan', 'ipv4-address': [{ address: '81.2.69.160', mask: 32, ptpaddress: '81.2.69.1' }] }));
const ubus = join(dir, 'ubus');
writeFileSync(ubus, `#!/bin/sh\ncat '${json}'\n`);
chmodSync(ubus, 0o755);
const runs: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = process.hrtime.bigint();
  const v = await checkReachability({ ip4Source: 'ubus', ip4Interface: 'wan', ip6Source: 'none', ip6Interface: 'wan6', ports: [], upnp: false, ip6Firewall: 'ignore', ubusPath: ubus });
  if (v.ipv4.address !== '81.2.69.160') throw new Error(`unexpected verdict ${JSON.stringify(v.ipv4)}`);
  runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
runs.sort((a, b) => a - b);
console.log(`${'checkReachability, fake ubus, public IPv4'.padEnd(46)} ${runs[10]?.toFixed(1).padStart(8)} ms median (20 runs)`);
rmSync(dir, { recursive: true, force: true });
