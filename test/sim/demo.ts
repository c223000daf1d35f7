// `npm run demo`: the agent end to end, on one machine, in seconds, with no root and no network.
// A regtest Electrum server (the project's simulator) listens on loopback with TLS; a throw-away
// hot key is made in a temp dir; dd/demo is registered to it and funded; then the real built CLI
// (dist/nmcddns.mjs) runs three times, as cron or hotplug would start it:
//   1. update  → publishes the router's address
//   2. update  → unchanged: nothing is sent (a same value is never paid for twice)
//   3. the WAN address changes, update → publishes the new one
// After each step a block is mined and the value on chain is printed.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatKeyFile, generateHotKey, hotAddress, hotScript } from '../../src/sign/keys.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { runNode } from '../helpers/child.ts';
import { startSimulator } from './index.ts';

// Bundled to .build/demo.mjs (build.mjs --demo) or run from test/sim/: the repo root is the
// nearest ancestor holding dist/nmcddns.mjs.
function findBundle(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'dist', 'nmcddns.mjs');
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error('dist/nmcddns.mjs not found: run `node build.mjs` first (npm run demo does)');
}

const NAME = 'dd/demo';
const WAN_BEFORE = '81.2.69.142';
const WAN_AFTER = '81.2.69.160';
// The agent refuses the documentation ranges (192.0.2/24, 2001:db8::/32, 3fff::/20), as it must,
// so the demo needs ordinary unicast literals. The IPv6 one is from the old 6bone block
// 3ffe::/16, returned to IANA in 2006 (RFC 3701) and allocated to nobody since.
const WAN6 = '3ffe:1900:4545:3:200:f8ff:fe21:67cf';

interface CliResult {
  code: number | null;
  json: { action?: string; reason?: string; txid?: string; exitCode?: number };
  stderr: string;
}

async function runCli(bundle: string, args: string[]): Promise<CliResult> {
  const { code, stdout, stderr } = await runNode(bundle, args);
  try {
    return { code, json: JSON.parse(stdout) as CliResult['json'], stderr };
  } catch {
    throw new Error(`nmcddns printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const bundle = findBundle();
  const network = getNetwork('regtest');
  const dir = mkdtempSync(join(tmpdir(), 'nmcddns-demo-'));
  const sim = await startSimulator({ tls: true });
  try {
    const key = generateHotKey(network, 'p2wpkh');
    const keyFile = join(dir, 'hotkey');
    writeFileSync(keyFile, formatKeyFile(key), { mode: 0o600 });
    sim.chain.registerName(NAME, '{}', hotScript(key));
    sim.chain.fund(hotScript(key), 100_000_000);
    sim.chain.mine();
    console.log(`simulator   ${sim.url} (regtest, TLS certificate sha256 ${sim.certFingerprint!.slice(0, 16)}…)`);
    console.log(`hot address ${hotAddress(key)}: holds ${NAME} and 1 NMC of fee coins`);
    console.log(`on chain    ${NAME} = ${sim.chain.nameState(NAME)!.value}\n`);

    const configFile = join(dir, 'nmcddns.json');
    const writeConfig = (ip4: string) =>
      writeFileSync(
        configFile,
        JSON.stringify({
          name: NAME,
          network: 'regtest',
          server: [sim.url],
          server_fingerprint: [`${sim.host}:${sim.port}=${sim.certFingerprint}`],
          key_file: keyFile,
          state_dir: join(dir, 'run'),
          pin_file: join(dir, 'pins.json'),
          ip4_source: 'static',
          ip4_address: ip4,
          ip6_source: 'static',
          ip6_address: WAN6,
          template: { tor: 'demoxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion' },
          min_interval: 0,
        }),
      );

    const steps: { title: string; ip4: string; expect: string }[] = [
      { title: `update (WAN ${WAN_BEFORE})`, ip4: WAN_BEFORE, expect: 'updated' },
      { title: 'update again, nothing changed', ip4: WAN_BEFORE, expect: 'unchanged' },
      { title: `update after the WAN address changed to ${WAN_AFTER}`, ip4: WAN_AFTER, expect: 'updated' },
    ];
    let n = 0;
    for (const step of steps) {
      n++;
      writeConfig(step.ip4);
      const r = await runCli(bundle, ['--config', configFile, 'update', '--json']);
      console.log(`${n}. ${step.title}`);
      console.log(`   $ nmcddns --config ${configFile} update --json`);
      console.log(`   action: ${r.json.action}, exit ${r.code}${r.json.txid ? `, txid ${r.json.txid}` : ''}`);
      console.log(`   reason: ${r.json.reason}`);
      if (r.json.action !== step.expect || r.code !== 0) {
        process.stderr.write(r.stderr);
        throw new Error(`step ${n}: expected ${step.expect}, got ${r.json.action} (exit ${r.code})`);
      }
      const inPool = sim.chain.mempool.length;
      sim.chain.mine();
      const st = sim.chain.nameState(NAME)!;
      console.log(`   mined block ${sim.chain.tipHeight} (${inPool} transaction${inPool === 1 ? '' : 's'} from nmcddns)`);
      console.log(`   on chain: ${NAME} = ${st.value}  (expires in ${st.expiresIn} blocks)\n`);
      if (step.expect === 'updated' && !st.value.includes(step.ip4)) throw new Error(`step ${n}: the chain does not hold ${step.ip4}`);
    }
    const status = await runCli(bundle, ['--config', configFile, 'status', '--json']);
    const funds = (status.json as { funds?: { balanceSat: number; updatesLeft: number } }).funds;
    console.log(`status: ${funds ? `${funds.balanceSat / 1e8} NMC left at the hot address, about ${funds.updatesLeft} more updates` : '(none)'}`);
    console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s; the simulator saw ${sim.stats.connections} connections, ${sim.stats.requests} requests`);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`demo failed: ${(e as Error).message}`);
  process.exit(1);
});
