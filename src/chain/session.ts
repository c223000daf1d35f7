// What a run uses: min_servers sessions (no more: the public servers are few and every router
// polls them), one agreed name state, one broadcast, one close. The order (open → lookup →
// sign elsewhere → broadcast → close) stays in the run; this only bundles the pieces so every
// caller applies the same checks.
import { lookupAgreedNameState, type AgreedNameState } from './agree.ts';
import { broadcastToAll, type BroadcastReport } from './broadcast.ts';
import type { ElectrumClient } from './electrum.ts';
import { ChainError } from './errors.ts';
import { closeAll, connectAll, connectEnough, describeFailures, shuffleServers, type FailoverOptions, type ServerFailure } from './failover.ts';
import type { NameStateQuery } from './namestate.ts';
import { parseFingerprintList, PinStore } from './pins.ts';
import { GENESIS_HASHES, resolveServers, type ServerAddress } from './servers.ts';

export interface ChainSettings {
  /** Config `network`. */
  network: 'mainnet' | 'testnet' | 'regtest';
  /** Config `server`; empty or undefined = the built-in list. */
  servers?: readonly string[];
  /** Config `server_fingerprint` (`host:port=hex`). */
  serverFingerprints?: readonly string[];
  /** Config `pin_file`. */
  pinFile?: string;
  /** Config `min_servers`: how many sessions are opened, and how many must agree. */
  minServers: number;
  /**
   * 'enough' (default): open min_servers sessions, moving down the candidates past those that
   * fail. 'all': try every server at once, for diagnostics that report on each of them.
   */
  connect?: 'enough' | 'all';
  /**
   * Order of the built-in default list, a fresh crypto-random shuffle per run unless a test
   * injects its own. A configured `server` list is never reordered: its order is the user's
   * preference.
   */
  order?: (servers: readonly ServerAddress[]) => ServerAddress[];
  /** Transport knobs (timeouts, line cap, run deadline); tests shorten them. */
  transport?: FailoverOptions;
}

export class ChainSessions {
  constructor(
    readonly clients: readonly ElectrumClient[],
    /** Servers that could not be used at all (connect, pin, protocol, genesis). */
    readonly failures: readonly ServerFailure[],
    private readonly minServers: number,
  ) {}

  /** The name state all open sessions agree on (min_servers of them), or a fail-closed error. */
  lookup(query: NameStateQuery): Promise<AgreedNameState> {
    return lookupAgreedNameState(this.clients, query, { minServers: this.minServers, failures: this.failures });
  }

  /** Broadcast to every open session; `txid` is the locally computed one. */
  broadcast(rawHex: string, txid: string): Promise<BroadcastReport> {
    return broadcastToAll(this.clients.filter((c) => !c.isClosed), rawHex, txid);
  }

  close(): Promise<void> {
    return closeAll(this.clients);
  }
}

/**
 * The servers to try, best first: the configured list as given, or the built-in list shuffled
 * (`order`, default a crypto-random shuffle).
 */
export function candidateServers(settings: Pick<ChainSettings, 'network' | 'servers' | 'order'>): ServerAddress[] {
  const servers = resolveServers(settings.servers, settings.network);
  const configured = settings.servers !== undefined && settings.servers.length > 0;
  return configured ? servers : (settings.order ?? shuffleServers)(servers);
}

/**
 * Open min_servers sessions (connectEnough over candidateServers), all within the run deadline;
 * fails with 'too-few-servers', naming every failed server, unless that many negotiate.
 */
export async function openChain(settings: ChainSettings): Promise<ChainSessions> {
  const servers = candidateServers(settings);
  const pins = new PinStore({ file: settings.pinFile, configured: parseFingerprintList(settings.serverFingerprints ?? []) });
  const options: FailoverOptions = { ...settings.transport, pins, genesisHash: GENESIS_HASHES[settings.network] };
  const { clients, failures } = settings.connect === 'all' ? await connectAll(servers, options) : await connectEnough(servers, settings.minServers, options);
  if (clients.length < settings.minServers) {
    await closeAll(clients);
    throw new ChainError(
      'too-few-servers',
      `only ${clients.length} of ${servers.length} Electrum servers could be used, min_servers is ${settings.minServers}; publishing nothing. ${describeFailures(failures)}`,
    );
  }
  return new ChainSessions(clients, failures, settings.minServers);
}
