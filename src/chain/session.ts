// What a run uses: sessions to the configured servers, one agreed name state, one broadcast,
// one close. The order (open → lookup → sign elsewhere → broadcast → close) stays in the run;
// this only bundles the pieces so every caller applies the same checks.
import { lookupAgreedNameState, type AgreedNameState } from './agree.ts';
import { broadcastToAll, type BroadcastReport } from './broadcast.ts';
import type { ElectrumClient } from './electrum.ts';
import { ChainError } from './errors.ts';
import { closeAll, connectAll, describeFailures, type FailoverOptions, type ServerFailure } from './failover.ts';
import type { NameStateQuery } from './namestate.ts';
import { parseFingerprintList, PinStore } from './pins.ts';
import { GENESIS_HASHES, resolveServers } from './servers.ts';

export interface ChainSettings {
  /** Config `network`. */
  network: 'mainnet' | 'testnet' | 'regtest';
  /** Config `server`; empty or undefined = the built-in list. */
  servers?: readonly string[];
  /** Config `server_fingerprint` (`host:port=hex`). */
  serverFingerprints?: readonly string[];
  /** Config `pin_file`. */
  pinFile?: string;
  /** Config `min_servers`. */
  minServers: number;
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

  /** The name state all answering servers agree on (min_servers of them), or a fail-closed error. */
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

/** Connect to every configured server at once; fails unless at least min_servers negotiate. */
export async function openChain(settings: ChainSettings): Promise<ChainSessions> {
  const servers = resolveServers(settings.servers, settings.network);
  const pins = new PinStore({ file: settings.pinFile, configured: parseFingerprintList(settings.serverFingerprints ?? []) });
  const { clients, failures } = await connectAll(servers, { ...settings.transport, pins, genesisHash: GENESIS_HASHES[settings.network] });
  if (clients.length < settings.minServers) {
    await closeAll(clients);
    throw new ChainError(
      'too-few-servers',
      `only ${clients.length} of ${servers.length} Electrum servers could be used, min_servers is ${settings.minServers}; publishing nothing. ${describeFailures(failures)}`,
    );
  }
  return new ChainSessions(clients, failures, settings.minServers);
}
