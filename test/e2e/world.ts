// A small world for end-to-end runs of the built CLI: one or more simulated Electrum servers on
// loopback (TLS, pinned by fingerprint in the config), a throw-away hot key in a temp dir, the
// dd/ name registered to it, fee coins, and a JSON config. `run()` starts the real
// dist/nmcddns.mjs as a child process (asynchronously: the simulator answers from this process).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatKeyFile, generateHotKey, hotAddress, hotScript, type AddressType, type HotKey } from '../../src/sign/keys.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { jsonOrUndefined, runNode, type NodeRun } from '../helpers/child.ts';
import { startSimulator, type SimChain, type Simulator } from '../sim/index.ts';

export const REPO = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
export const BUNDLE = join(REPO, 'dist', 'nmcddns.mjs');
/** Public-looking addresses (the agent refuses private and documentation ranges, as it should). */
export const ADDR_A = '81.2.69.142';
export const ADDR_B = '81.2.69.160';
export const ADDR_C = '81.2.69.192';

export interface RunOutput extends NodeRun {
  json: any;
}

export interface WorldOptions {
  name?: string;
  /** Servers sharing one chain (default 1). */
  servers?: number;
  tls?: boolean;
  /** Options merged into the JSON config. */
  config?: Record<string, unknown>;
  /** Sat of the name coin (default 0.01 NMC). */
  nameAmount?: number;
  /** Fee coins to create, sat each (default one of 1 NMC). */
  funds?: number[];
  keyType?: AddressType;
  /** Register the name to this script instead of the hot key's. */
  ownerScript?: Uint8Array;
  /** Starting value of the name. */
  initialValue?: string;
}

export interface World {
  dir: string;
  configPath: string;
  keyPath: string;
  key: HotKey;
  hotAddress: string;
  name: string;
  chain: SimChain;
  sims: Simulator[];
  config: Record<string, unknown>;
  /** Rewrite the config with these options merged in. */
  setConfig(options: Record<string, unknown>): void;
  run(args: string[], opts?: { onSpawn?: (child: ChildProcess) => void }): Promise<RunOutput>;
  update(extra?: string[]): Promise<RunOutput>;
  /** The value on chain (confirmed). */
  value(): string | undefined;
  /** Stop the servers and remove the temp dir (key, config, state). */
  close(): Promise<void>;
}

export async function makeWorld(opts: WorldOptions = {}): Promise<World> {
  const network = getNetwork('regtest');
  const name = opts.name ?? 'dd/example';
  const dir = mkdtempSync(join(tmpdir(), 'nmcddns-e2e-'));
  const key = generateHotKey(network, opts.keyType ?? 'p2wpkh');
  const keyPath = join(dir, 'hotkey');
  writeFileSync(keyPath, formatKeyFile(key), { mode: 0o600 });

  const first = await startSimulator({ tls: opts.tls ?? true });
  const sims = [first];
  for (let i = 1; i < (opts.servers ?? 1); i++) sims.push(await startSimulator({ tls: opts.tls ?? true, chain: first.chain }));
  const chain = first.chain;
  chain.registerName(name, opts.initialValue ?? '{}', opts.ownerScript ?? hotScript(key), opts.nameAmount ?? 1_000_000);
  for (const sat of opts.funds ?? [100_000_000]) chain.fund(hotScript(key), sat);
  if ((opts.funds ?? [1]).length > 0) chain.mine();

  const configPath = join(dir, 'nmcddns.json');
  let config: Record<string, unknown> = {
    name,
    network: 'regtest',
    server: sims.map((s) => s.url),
    server_fingerprint: sims.filter((s) => s.certFingerprint).map((s) => `${s.host}:${s.port}=${s.certFingerprint}`),
    key_file: keyPath,
    state_dir: join(dir, 'run'),
    pin_file: join(dir, 'pins.json'),
    ip4_source: 'static',
    ip4_address: ADDR_A,
    ip6_source: 'none',
    min_interval: 0,
    log_level: 'debug',
    ...opts.config,
  };
  const write = () => writeFileSync(configPath, JSON.stringify(config, null, 1));
  write();

  const run = async (args: string[], runOpts: { onSpawn?: (child: ChildProcess) => void } = {}): Promise<RunOutput> => {
    const withConfig = args.includes('--config') ? args : ['--config', configPath, ...args];
    const out = await runNode(BUNDLE, withConfig, runOpts.onSpawn);
    return { ...out, json: jsonOrUndefined(out.stdout) };
  };

  return {
    dir,
    configPath,
    keyPath,
    key,
    hotAddress: hotAddress(key),
    name,
    chain,
    sims,
    get config() {
      return config;
    },
    setConfig(options) {
      config = { ...config, ...options };
      write();
    },
    run,
    update: (extra = []) => run(['update', '--json', ...extra]),
    value: () => chain.nameState(name)?.value,
    close: async () => {
      await Promise.all(sims.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
