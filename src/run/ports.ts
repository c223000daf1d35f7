// The real edges of a run: netif's reachability check and a chain session over every configured
// Electrum server (agreement before acting, broadcast to all). Also the one table that turns an
// exception into an exit code and a message.
import { ChainError } from '../chain/errors.ts';
import { openChain, type ChainSessions } from '../chain/session.ts';
import { ConfigError, KeyError } from '../config/errors.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { checkReachability } from '../netif/reachability.ts';
import { hotScript, type HotKey } from '../sign/keys.ts';
import { SignRefusal } from '../sign/refusal.ts';
import { ValueError } from '../value/template.ts';
import { EXIT, type ChainSession, type RunPorts } from '../run.ts';

/** Exit code and message for anything a command can throw. */
export function classifyError(e: unknown): { exitCode: number; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof ConfigError) return { exitCode: EXIT.config, message };
  if (e instanceof KeyError) return { exitCode: EXIT.key, message };
  if (e instanceof ValueError) return { exitCode: EXIT.refused, message };
  if (e instanceof SignRefusal) {
    const hint =
      e.code === 'fee-above-cap' || e.code === 'fee-rate-above-cap'
        ? ' (config options max_fee, max_fee_rate, fee_rate)'
        : e.code === 'insufficient-funds'
          ? " (fund the hot address: see 'nmcddns setup')"
          : '';
    return { exitCode: EXIT.fee, message: `not signed: ${message}${hint}` };
  }
  if (e instanceof ChainError) {
    if (e.code === 'name-not-owned' || e.code === 'name-not-found' || e.code === 'name-expired') {
      const fix = e.code === 'name-not-owned' ? " ('nmcddns setup' shows how to move it)" : '';
      return { exitCode: EXIT.refused, message: `${message}${fix}` };
    }
    return { exitCode: EXIT.chain, message };
  }
  return { exitCode: EXIT.refused, message: `internal error: ${message}` };
}

/**
 * Sessions with the config's pins: min_servers of them for a run ('enough'), or every server
 * at once for diagnostics that report on each ('all').
 */
export function openSessions(config: Config, minServers = config.minServers, connect: 'enough' | 'all' = 'enough'): Promise<ChainSessions> {
  return openChain({
    network: config.network,
    servers: config.server,
    serverFingerprints: config.serverFingerprint,
    pinFile: config.pinFile,
    minServers,
    connect,
  });
}

class ElectrumSession implements ChainSession {
  constructor(
    private readonly chain: ChainSessions,
    private readonly config: Config,
    private readonly key: HotKey,
  ) {}

  nameState() {
    return this.chain.lookup({ name: this.config.name, hotScript: hotScript(this.key), network: this.key.network });
  }

  broadcast(hex: string, txid: string) {
    return this.chain.broadcast(hex, txid);
  }

  close() {
    return this.chain.close();
  }
}

export function realPorts(log: Logger): RunPorts {
  return {
    reachability: (options) => checkReachability(options),
    async openChain(config, key) {
      const chain = await openSessions(config);
      for (const f of chain.failures) log.warn(f.error.message);
      return new ElectrumSession(chain, config, key);
    },
    now: () => Date.now(),
  };
}
