// The listening side: a real TCP or TLS server on loopback speaking ElectrumX 1.20.0's dialect,
// one Session per connection, all sharing one chain backend (several servers may share a chain).
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { ChainBackend } from './backend.ts';
import { makeSelfSignedCert, type SimCert } from './certs.ts';
import { defaultFaults, type FaultKnobs } from './faults.ts';
import type { ServerConfig } from './methods.ts';
import { protocolTuple } from './rpc.ts';
import { Session, type SessionStats } from './session.ts';

export interface ServerOptions {
  tls?: boolean;
  host?: string;
  port?: number;
  protocolMin?: string;
  protocolMax?: string;
  serverVersion?: string;
  /** NMC/kB. */
  relayFee?: number;
  /** NMC/kB, or -1. */
  estimateFee?: number;
  padMessages?: boolean;
  headersBug?: boolean;
  /** ElectrumX SESSION_TIMEOUT: idle sessions are closed after this (default 600 000 ms). */
  sessionTimeoutMs?: number;
  /** Reuse a certificate (e.g. to restart "the same" server), or a different one to test pinning. */
  cert?: SimCert;
}

export const REGTEST_GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  cert?: SimCert;
  faults: FaultKnobs;
  stats: SessionStats;
  config: ServerConfig;
  /** Swap the chain this server answers from (e.g. a fork, to lie consistently). */
  setChain(chain: ChainBackend): void;
  /** Close every open session (the listener stays up). */
  dropSessions(): void;
  close(): Promise<void>;
}

export function serverConfig(o: ServerOptions): ServerConfig {
  const min = protocolTuple(o.protocolMin ?? '1.4');
  const max = protocolTuple(o.protocolMax ?? '1.6.0');
  if (min[0] === 0 || max[0] === 0) throw new Error(`simulator: bad protocol range ${o.protocolMin}..${o.protocolMax}`);
  const serverVersion = o.serverVersion ?? 'ElectrumX 1.20.0';
  return {
    serverVersion,
    protocolMin: min,
    protocolMax: max,
    relayFee: o.relayFee ?? 0.001,
    incrementalRelayFee: 0.000001,
    estimateFee: o.estimateFee ?? 0.001,
    padMessages: o.padMessages ?? true,
    headersBug: o.headersBug ?? true,
    genesisHash: REGTEST_GENESIS,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 600_000,
    banner: `You are connected to an ${serverVersion} server.`,
    donationAddress: '',
  };
}

export async function startServer(chainArg: ChainBackend, o: ServerOptions = {}): Promise<RunningServer> {
  let chain = chainArg;
  const config = serverConfig(o);
  const faults = defaultFaults();
  const stats: SessionStats = { connections: 0, requests: 0, bytesIn: 0, bytesOut: 0, byMethod: {} };
  const sessions = new Set<Session>();
  const sockets = new Set<Socket>();
  const host = o.host ?? '127.0.0.1';
  const cert = o.tls ? (o.cert ?? makeSelfSignedCert()) : undefined;

  const onSocket = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    stats.connections++;
    if (faults.refuse) {
      socket.resetAndDestroy();
      return;
    }
    socket.setNoDelay(true);
    const s = new Session(socket, { config, chain: () => chain, faults, stats });
    sessions.add(s);
    socket.on('close', () => sessions.delete(s));
  };

  let server: Server;
  if (cert) {
    const tlsServer = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, onSocket);
    // A refused TLS connection should look refused at the TCP level, before any handshake.
    tlsServer.on('connection', (raw: Socket) => {
      raw.on('error', () => {});
      if (faults.refuse) {
        stats.connections++;
        raw.resetAndDestroy();
      }
    });
    tlsServer.on('tlsClientError', () => {});
    server = tlsServer;
  } else {
    server = createTcpServer(onSocket);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('simulator: no listening address');
  const port = addr.port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${cert ? 'tls' : 'tcp'}://${hostInUrl}:${port}`,
    host,
    port,
    cert,
    faults,
    stats,
    config,
    setChain(c: ChainBackend) {
      chain = c;
      for (const s of sessions) s.close();
    },
    dropSessions() {
      for (const s of sessions) s.close();
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        for (const sock of sockets) sock.destroy();
        server.close(() => resolve());
      });
    },
  };
}
