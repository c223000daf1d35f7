// One Electrum-NMC (ElectrumX) session over TCP or TLS: newline-delimited JSON-RPC 2.0,
// `server.version` first, pipelined requests, timeouts at every level, a line-size cap,
// keep-alive pings and typed, validated replies for the methods nmcddns uses.
//
// Every way a server can misbehave ends the same way: the session fails with one ChainError,
// every pending request is rejected with it, the socket is destroyed. Nothing here retries;
// failover (failover.ts) decides what to try next.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { VERSION } from '../version.ts';
import { ChainError, ServerError, sanitizeServerText } from './errors.ts';
import { LineSplitter, LineTooLongError } from './framing.ts';
import { certFingerprint, PinStore, type PinSource } from './pins.ts';
import type { ServerAddress } from './servers.ts';

/** Defaults sized for a router run: a dead server costs at most 10 s, a slow reply 20 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
/** A whole session; a run needs a handful of requests, so two minutes means something is wrong. */
export const DEFAULT_SESSION_TIMEOUT_MS = 120_000;
/**
 * 1 MiB: far above anything nmcddns asks for (a name transaction is < 2 KB of hex, the hot
 * address has a short history), and equal to ElectrumX's own request cap. Header chunks
 * (megabytes with AuxPoW) are never requested.
 */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** ElectrumX drops sessions idle for 600 s; Electrum-NMC pings every 300 s. */
export const DEFAULT_PING_INTERVAL_MS = 300_000;
/**
 * Offered protocol range. 1.4 is what the live Namecoin servers speak (ElectrumX 1.16: up to
 * 1.4.2); 1.6 is accepted because nothing nmcddns calls changed shape except the relay fee,
 * which relayFee() reads from `mempool.get_info` at ≥ 1.6.
 */
export const DEFAULT_PROTOCOL: readonly [string, string] = ['1.4', '1.6'];

export interface ElectrumOptions {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Bound on the whole session; 0 = unbounded (long-lived sessions rely on pings). */
  sessionTimeoutMs?: number;
  maxLineBytes?: number;
  /** Send `server.ping` after this long without sending anything; 0 = never. */
  pingIntervalMs?: number;
  /** Sent in `server.version`; default `nmcddns <version>`. */
  clientName?: string;
  /** `server.version` protocol argument: a single version or [min, max]. */
  protocol?: string | readonly [string, string];
  /** Required trust for tls:// servers; default: a PinStore on /etc/nmcddns/pins.json. */
  pins?: PinStore;
  /** Aborts connect and every request (the whole-run deadline). */
  signal?: AbortSignal;
  /**
   * When set, `server.features` must report this genesis hash (servers.ts GENESIS_HASHES):
   * a testnet server in a mainnet list would otherwise answer with a plausible, wrong state.
   */
  genesisHash?: string;
}

export interface ElectrumStats {
  requests: number;
  bytesSent: number;
  bytesReceived: number;
  notifications: number;
}

export interface Tip {
  height: number;
  /** Header hex as sent (80 bytes + AuxPoW on Namecoin). */
  hex: string;
}

export interface UnspentOutput {
  txid: string;
  vout: number;
  /** 0 while in the mempool. */
  height: number;
  /** Satoshis, as the server says: check against the funding transaction. */
  value: number;
}

export interface HistoryEntry {
  txid: string;
  /** > 0 confirmed; 0 in the mempool with confirmed inputs; -1 in the mempool with unconfirmed inputs. */
  height: number;
  /** Satoshis, mempool entries only. */
  fee?: number;
}

export interface MempoolInfo {
  /** NMC per kB. */
  mempoolminfee: number;
  minrelaytxfee: number;
  incrementalrelayfee: number;
}

/** Compare dotted protocol versions: <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const VERSION_RE = /^\d+(\.\d+){0,3}$/;
const HEX64 = /^[0-9a-f]{64}$/;

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ElectrumClient {
  readonly server: ServerAddress;
  readonly stats: ElectrumStats = { requests: 0, bytesSent: 0, bytesReceived: 0, notifications: 0 };
  /** Set by connectElectrum after negotiation. */
  serverSoftware = '';
  protocolVersion = '';
  /** How the TLS certificate was trusted; undefined for tcp://. */
  pinSource: PinSource | undefined;
  /** The newest tip seen in a `blockchain.headers.subscribe` reply or notification. */
  lastTip: Tip | undefined;

  private readonly socket: Socket;
  private readonly splitter: LineSplitter;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: ChainError | undefined;
  private readonly requestTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private pingTimer: NodeJS.Timeout | undefined;
  private sessionTimer: NodeJS.Timeout | undefined;
  private readonly onAbort: () => void;
  private readonly signal: AbortSignal | undefined;
  /** Resolves once the socket is gone, however that happened. */
  readonly closed: Promise<void>;

  /** Use connectElectrum(); this takes an already connected (and, for TLS, verified) socket. */
  constructor(server: ServerAddress, socket: Socket, options: ElectrumOptions = {}) {
    this.server = server;
    this.socket = socket;
    this.splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(new ChainError('connect', `${server.url}: connection error: ${e.message}`, server.url, { cause: e })));
    socket.on('close', () => this.fail(new ChainError('connect', `${server.url}: the server closed the connection`, server.url)));
    const sessionMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    if (sessionMs > 0) {
      this.sessionTimer = setTimeout(
        () => this.fail(new ChainError('timeout', `${server.url}: session lasted longer than ${sessionMs} ms`, server.url)),
        sessionMs,
      );
      this.sessionTimer.unref();
    }
    this.signal = options.signal;
    this.onAbort = () => this.fail(new ChainError('aborted', `${server.url}: aborted (run deadline)`, server.url));
    if (this.signal?.aborted) queueMicrotask(this.onAbort);
    else this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.armPing();
  }

  /** True once the session has failed or been closed. */
  get isClosed(): boolean {
    return this.failure !== undefined;
  }

  /** Why the session ended, if it did. */
  get closeReason(): ChainError | undefined {
    return this.failure;
  }

  /** Send one request; several may be in flight at once. */
  request(method: string, params: readonly unknown[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const line = `${JSON.stringify({ jsonrpc: '2.0', method, id, params })}\n`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // A request that got no answer leaves the stream in an unknown state (a hung or
        // overloaded server): drop the whole session so failover can move on.
        this.fail(new ChainError('timeout', `${this.server.url}: no reply to ${method} within ${this.requestTimeoutMs} ms`, this.server.url));
      }, this.requestTimeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      this.stats.requests++;
      this.stats.bytesSent += Buffer.byteLength(line);
      this.socket.write(line);
      this.armPing();
    });
  }

  /** Close the session; pending requests are rejected. */
  async close(): Promise<void> {
    if (!this.failure) {
      this.fail(new ChainError('connect', `${this.server.url}: closed by nmcddns`, this.server.url), true);
    }
    await this.closed;
  }

  // --- typed methods -------------------------------------------------------------------

  async ping(): Promise<void> {
    await this.request('server.ping');
  }

  /** `server.features`: genesis hash and protocol range, to refuse a server of another chain. */
  async features(): Promise<{ genesisHash: string; serverVersion: string; protocolMin: string; protocolMax: string }> {
    const r = await this.request('server.features');
    if (!isRecord(r) || typeof r.genesis_hash !== 'string') throw this.badReply('server.features', 'no genesis_hash');
    return {
      genesisHash: r.genesis_hash.toLowerCase(),
      serverVersion: typeof r.server_version === 'string' ? r.server_version : '',
      protocolMin: typeof r.protocol_min === 'string' ? r.protocol_min : '',
      protocolMax: typeof r.protocol_max === 'string' ? r.protocol_max : '',
    };
  }

  /** The chain tip (`blockchain.headers.subscribe`). */
  async tip(): Promise<Tip> {
    const r = await this.request('blockchain.headers.subscribe');
    const tip = parseTip(r);
    if (!tip) throw this.badReply('blockchain.headers.subscribe', 'expected {height, hex}');
    this.lastTip = tip;
    return tip;
  }

  async listUnspent(scripthash: string): Promise<UnspentOutput[]> {
    const method = 'blockchain.scripthash.listunspent';
    const r = await this.request(method, [scripthash]);
    if (!Array.isArray(r)) throw this.badReply(method, 'expected an array');
    return r.map((u, i) => {
      if (!isRecord(u) || !isTxid(u.tx_hash) || !isUint(u.tx_pos) || !isInt(u.height) || !isUint(u.value)) {
        throw this.badReply(method, `entry ${i} is not {tx_hash, tx_pos, height, value}`);
      }
      return { txid: u.tx_hash, vout: u.tx_pos, height: u.height, value: u.value };
    });
  }

  async getHistory(scripthash: string): Promise<HistoryEntry[]> {
    return this.historyLike('blockchain.scripthash.get_history', scripthash);
  }

  async getMempool(scripthash: string): Promise<HistoryEntry[]> {
    return this.historyLike('blockchain.scripthash.get_mempool', scripthash);
  }

  /** Raw transaction hex (lowercase). The caller checks that it hashes to the txid asked for. */
  async getTransaction(txid: string): Promise<string> {
    const method = 'blockchain.transaction.get';
    const r = await this.request(method, [txid]);
    if (typeof r !== 'string' || r.length === 0 || r.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(r)) {
      throw this.badReply(method, `${txid}: expected raw transaction hex`);
    }
    return r.toLowerCase();
  }

  /** `blockchain.estimatefee`: NMC per kB, or -1 when the daemon has no estimate. */
  async estimateFee(blocks: number): Promise<number> {
    const r = await this.request('blockchain.estimatefee', [blocks]);
    if (typeof r !== 'number' || !Number.isFinite(r) || (r < 0 && r !== -1)) {
      throw this.badReply('blockchain.estimatefee', 'expected a fee rate in NMC/kB or -1');
    }
    return r;
  }

  /**
   * The relay floor in NMC per kB. Protocol < 1.6: `blockchain.relayfee`. 1.6 removed it;
   * `mempool.get_info` gives `minrelaytxfee` and the current `mempoolminfee`, and the higher
   * of the two is what a transaction must pay to enter that mempool.
   */
  async relayFee(): Promise<number> {
    if (compareVersions(this.protocolVersion || '1.4', '1.6') >= 0) {
      const info = await this.mempoolInfo();
      return Math.max(info.minrelaytxfee, info.mempoolminfee);
    }
    const r = await this.request('blockchain.relayfee');
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) throw this.badReply('blockchain.relayfee', 'expected NMC/kB');
    return r;
  }

  /** `mempool.get_info` (protocol ≥ 1.6). */
  async mempoolInfo(): Promise<MempoolInfo> {
    const r = await this.request('mempool.get_info');
    const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (!isRecord(r) || !num(r.minrelaytxfee)) throw this.badReply('mempool.get_info', 'expected {minrelaytxfee, …}');
    return {
      minrelaytxfee: r.minrelaytxfee,
      mempoolminfee: num(r.mempoolminfee) ? r.mempoolminfee : 0,
      incrementalrelayfee: num(r.incrementalrelayfee) ? r.incrementalrelayfee : 0,
    };
  }

  /** Broadcast raw hex; returns the txid the server reports (the caller compares it). */
  async broadcast(rawHex: string): Promise<string> {
    const r = await this.request('blockchain.transaction.broadcast', [rawHex]);
    if (typeof r !== 'string' || !HEX64.test(r.toLowerCase())) {
      throw this.badReply('blockchain.transaction.broadcast', `expected a txid, got ${sanitizeServerText(JSON.stringify(r) ?? 'nothing', 80)}`);
    }
    return r.toLowerCase();
  }

  // --- internals -----------------------------------------------------------------------

  private async historyLike(method: string, scripthash: string): Promise<HistoryEntry[]> {
    const r = await this.request(method, [scripthash]);
    if (!Array.isArray(r)) throw this.badReply(method, 'expected an array');
    return r.map((h, i) => {
      if (!isRecord(h) || !isTxid(h.tx_hash) || !isInt(h.height) || h.height < -1) {
        throw this.badReply(method, `entry ${i} is not {tx_hash, height}`);
      }
      const e: HistoryEntry = { txid: h.tx_hash, height: h.height };
      if (h.fee !== undefined) {
        if (!isUint(h.fee)) throw this.badReply(method, `entry ${i} has a bad fee`);
        e.fee = h.fee;
      }
      return e;
    });
  }

  private badReply(method: string, why: string): ChainError {
    return new ChainError('bad-reply', `${this.server.url}: ${method} returned a malformed reply: ${why}`, this.server.url);
  }

  private armPing(): void {
    if (this.pingIntervalMs <= 0 || this.failure) return;
    if (this.pingTimer) this.pingTimer.refresh();
    else {
      this.pingTimer = setTimeout(() => {
        this.pingTimer = undefined;
        this.ping().catch(() => undefined); // a failed ping fails the session by itself
      }, this.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    this.stats.bytesReceived += chunk.length;
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (e) {
      if (e instanceof LineTooLongError) {
        this.fail(new ChainError('line-too-long', `${this.server.url}: the server sent a line longer than ${e.maxLineBytes} bytes; dropped the connection`, this.server.url));
        return;
      }
      throw e;
    }
    for (const line of lines) {
      if (this.failure) return;
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.fail(new ChainError('protocol', `${this.server.url}: the server sent a line that is not JSON: ${sanitizeServerText(line, 60)}`, this.server.url));
      return;
    }
    // nmcddns never batches, but a batch answer is just several messages.
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (this.failure) return;
      this.onMessage(m);
    }
  }

  private onMessage(msg: unknown): void {
    if (!isRecord(msg)) {
      this.fail(new ChainError('protocol', `${this.server.url}: the server sent a JSON value that is not a JSON-RPC message`, this.server.url));
      return;
    }
    if (typeof msg.method === 'string' && (msg.id === undefined || msg.id === null)) {
      // A notification. ElectrumX 1.20 even sends param-less ones to a client that skipped
      // server.version; only the tip is of interest.
      this.stats.notifications++;
      if (msg.method === 'blockchain.headers.subscribe' && Array.isArray(msg.params)) {
        const tip = parseTip(msg.params[0]);
        if (tip) this.lastTip = tip;
      }
      return;
    }
    if (msg.id === null && isRecord(msg.error)) {
      // The server could not even read a request's id (aiorpcx -32700 "invalid JSON"): we
      // cannot tell which request it means, so nothing on this session can be trusted.
      this.fail(new ChainError('protocol', `${this.server.url}: the server could not parse a request: ${sanitizeServerText(String(msg.error.message))} (code ${String(msg.error.code)})`, this.server.url));
      return;
    }
    if (typeof msg.id !== 'number') {
      this.fail(new ChainError('protocol', `${this.server.url}: the server sent a message with neither a method nor a numeric id`, this.server.url));
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return; // not ours (a duplicate or a late answer): ignore rather than guess
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if ('error' in msg && msg.error !== undefined && msg.error !== null) {
      const err = msg.error;
      if (!isRecord(err) || typeof err.code !== 'number' || typeof err.message !== 'string') {
        p.reject(this.badReply(p.method, 'error object without numeric code and message'));
        return;
      }
      p.reject(new ServerError(this.server.url, p.method, err.code, err.message));
      return;
    }
    if (!('result' in msg)) {
      p.reject(this.badReply(p.method, 'neither result nor error'));
      return;
    }
    p.resolve(msg.result);
  }

  private fail(err: ChainError, graceful = false): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    if (this.pingTimer) clearTimeout(this.pingTimer);
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    this.signal?.removeEventListener('abort', this.onAbort);
    if (graceful && !this.socket.destroyed) {
      this.socket.end();
      // A peer that never closes its side must not keep us around.
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
  }
}

/** Open a session: connect (TLS: verify the pin), then negotiate with `server.version`. */
export async function connectElectrum(server: ServerAddress, options: ElectrumOptions = {}): Promise<ElectrumClient> {
  const socket = await openSocket(server, options);
  let pinSource: PinSource | undefined;
  if (server.transport === 'tls') {
    const der = (socket as TLSSocket).getPeerCertificate(false)?.raw;
    if (!der || der.length === 0) {
      socket.destroy();
      throw new ChainError('tls-pin', `${server.url}: the server presented no TLS certificate`, server.url);
    }
    try {
      pinSource = (options.pins ?? new PinStore()).verify(server, certFingerprint(der));
    } catch (e) {
      socket.destroy();
      throw e;
    }
  }
  const client = new ElectrumClient(server, socket, options);
  client.pinSource = pinSource;
  const offer = options.protocol ?? DEFAULT_PROTOCOL;
  let reply: unknown;
  try {
    reply = await client.request('server.version', [options.clientName ?? `nmcddns ${VERSION}`, offer]);
  } catch (e) {
    await client.close();
    if (e instanceof ServerError) {
      throw new ChainError('protocol', `${server.url}: the server refused server.version: ${sanitizeServerText(e.rpcMessage)} (code ${e.rpcCode})`, server.url, { cause: e });
    }
    throw e;
  }
  const [min, max] = typeof offer === 'string' ? [offer, offer] : offer;
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'string' || !VERSION_RE.test(reply[1])) {
    await client.close();
    throw new ChainError('protocol', `${server.url}: server.version returned ${sanitizeServerText(JSON.stringify(reply) ?? 'nothing', 80)}, expected [software, protocol]`, server.url);
  }
  if (compareVersions(reply[1], min) < 0 || compareVersions(reply[1], max) > 0) {
    await client.close();
    throw new ChainError('protocol', `${server.url}: the server negotiated protocol ${reply[1]}, outside the offered ${min}–${max}`, server.url);
  }
  client.serverSoftware = sanitizeServerText(reply[0], 80);
  client.protocolVersion = reply[1];
  if (options.genesisHash !== undefined) {
    let genesis: string;
    try {
      genesis = (await client.features()).genesisHash;
    } catch (e) {
      await client.close();
      throw e;
    }
    if (genesis !== options.genesisHash.toLowerCase()) {
      await client.close();
      throw new ChainError('protocol', `${server.url} serves another chain: genesis ${sanitizeServerText(genesis, 64)}, expected ${options.genesisHash}`, server.url);
    }
  }
  return client;
}

function openSocket(server: ServerAddress, options: ElectrumOptions): Promise<Socket> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const signal = options.signal;
    if (signal?.aborted) {
      reject(new ChainError('aborted', `${server.url}: aborted (run deadline)`, server.url));
      return;
    }
    let socket: Socket;
    const ready = server.transport === 'tls' ? 'secureConnect' : 'connect';
    if (server.transport === 'tls') {
      socket = tlsConnect({
        host: server.host,
        port: server.port,
        // SNI only for names (RFC 6066 forbids IP literals there).
        servername: isIP(server.host) ? undefined : server.host,
        // Self-signed certificates are the norm; trust comes from the pin check instead.
        rejectUnauthorized: false,
      });
    } else {
      socket = netConnect({ host: server.host, port: server.port });
    }
    const done = (err?: ChainError): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener(ready, onReady);
      if (err) {
        socket.on('error', () => undefined); // late errors of a socket we gave up on
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    const onReady = (): void => {
      // Requests are small and pipelined: Nagle would hold each one back for the previous ACK.
      socket.setNoDelay(true);
      done();
    };
    const onError = (e: Error): void =>
      done(new ChainError('connect', `${server.url}: cannot connect: ${(e as NodeJS.ErrnoException).code ?? e.message}`, server.url, { cause: e }));
    const onAbort = (): void => done(new ChainError('aborted', `${server.url}: aborted (run deadline)`, server.url));
    const timer = setTimeout(() => done(new ChainError('timeout', `${server.url}: no connection within ${timeoutMs} ms`, server.url)), timeoutMs);
    socket.once(ready, onReady);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function parseTip(v: unknown): Tip | undefined {
  if (!isRecord(v) || !isUint(v.height) || typeof v.hex !== 'string') return undefined;
  return { height: v.height, hex: v.hex.toLowerCase() };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}
function isUint(v: unknown): v is number {
  return isInt(v) && v >= 0;
}
function isTxid(v: unknown): v is string {
  return typeof v === 'string' && HEX64.test(v);
}
