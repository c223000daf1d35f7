// The Electrum-NMC regtest simulator: a real TCP or TLS server on loopback that answers like
// ElectrumX 1.20.0 for Namecoin in front of Namecoin Core v31.1.0 regtest, as recorded in
// ../shared/fixtures/regtest/. Usage:
//
//   const sim = await startSimulator({ tls: true });
//   sim.chain.registerName('dd/example', '{"ip":"192.0.2.1"}', hotScript);
//   sim.chain.fund(hotScript, 100_000_000); sim.chain.mine();
//   // point the client at sim.url (pin sim.certFingerprint), then: sim.faults.hang = true, ...
//   await sim.close();
//
// Two servers that agree: startSimulator({ chain: a.chain }). One that lies consistently:
// startSimulator({ chain: a.chain.fork() }) then chain.forceNameUpdate(...) on that fork.
import { SimChain, type SimChainOptions } from './chain.ts';
import type { FaultKnobs } from './faults.ts';
import { startServer, type ServerOptions } from './server.ts';
import type { SessionStats } from './session.ts';
import type { SimCert } from './certs.ts';

export { SimChain, NAME_EXPIRATION } from './chain.ts';
export type { NameState, Outpoint, RegisterRequest, SimChainOptions } from './chain.ts';
export { BroadcastRejection } from './backend.ts';
export type { FaultKnobs, Lies } from './faults.ts';
export { defaultFaults, resetFaults } from './faults.ts';
export { makeSelfSignedCert, certFingerprint, type SimCert } from './certs.ts';
export { padMessage } from './framing.ts';

export interface SimulatorOptions extends ServerOptions, SimChainOptions {
  /** Share a chain with other simulators (two servers that agree); startHeight is then ignored. */
  chain?: SimChain;
}

export interface Simulator {
  /** tcp://127.0.0.1:P or tls://127.0.0.1:P */
  url: string;
  host: string;
  port: number;
  /** TLS only: the self-signed certificate (PEM) and the sha256 of its DER, lowercase hex. */
  certPem?: string;
  certFingerprint?: string;
  cert?: SimCert;
  chain: SimChain;
  faults: FaultKnobs;
  stats: SessionStats;
  /** Answer from another chain from now on (open sessions are closed). */
  useChain(chain: SimChain): void;
  /** Close open sessions, keep listening. */
  dropSessions(): void;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  // A relay fee given for a new chain is also its node's policy (one figure, as namecoind has).
  let chain =
    opts.chain ??
    new SimChain({ minRelayFeePerKvB: opts.relayFee === undefined ? undefined : Math.round(opts.relayFee * 1e8), ...opts });
  const server = await startServer(chain, opts);
  const sim: Simulator = {
    url: server.url,
    host: server.host,
    port: server.port,
    chain,
    faults: server.faults,
    stats: server.stats,
    useChain(c: SimChain) {
      chain = c;
      sim.chain = c;
      server.setChain(c);
    },
    dropSessions: () => server.dropSessions(),
    close: () => server.close(),
  };
  if (server.cert) {
    sim.cert = server.cert;
    sim.certPem = server.cert.certPem;
    sim.certFingerprint = server.cert.fingerprint;
  }
  return sim;
}
