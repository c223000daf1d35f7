// One client connection to the simulated ElectrumX 1.20.0 (Namecoin, regtest): line framing,
// JSON-RPC 2.0 with batches, server.version negotiation and the method table it unlocks, header
// and scripthash subscriptions, and the fault knobs applied to every reply.
import type { Socket } from 'node:net';
import { createHash } from 'node:crypto';
import type { ChainBackend } from './backend.ts';
import type { FaultKnobs } from './faults.ts';
import { batchMessage, padMessage } from './framing.ts';
import { pyJson } from './pyjson.ts';
import { buildMethods, type ServerConfig } from './methods.ts';
import {
  BAD_REQUEST,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  RpcError,
  bindArgs,
  type MethodSpec,
  type ProtocolTuple,
} from './rpc.ts';

/** aiorpcx NewlineFramer max_size as ElectrumX sets it (MAX_RECV default). */
export const MAX_RECV = 1_000_000;

export interface SessionStats {
  connections: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  byMethod: Record<string, number>;
}

export interface SessionContext {
  config: ServerConfig;
  chain: () => ChainBackend;
  faults: FaultKnobs;
  stats: SessionStats;
}

type Reply = { id: unknown; result?: unknown; error?: { code: number; message: string } };

export class Session {
  svSeen = false;
  /** Negotiated protocol; the minimum until server.version says otherwise (ElectrumX does the same). */
  protocol: ProtocolTuple;
  subscribeHeaders = false;
  readonly scripthashSubs = new Map<string, string | null>();
  private methods: Map<string, MethodSpec>;
  private buffer: Buffer[] = [];
  private pendingWrites = new Set<Promise<void>>();
  private idleTimer: NodeJS.Timeout | undefined;
  private buffered = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private unlisten: () => void;
  private lastNotifiedHeight: number;

  constructor(
    readonly socket: Socket,
    readonly ctx: SessionContext,
  ) {
    this.protocol = ctx.config.protocolMin;
    this.methods = buildMethods(this);
    this.lastNotifiedHeight = ctx.chain().tipHeight;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.touchIdle();
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    this.unlisten = ctx.chain().onChange((ev) => this.queueTask(() => this.notify(ev)));
  }

  get chain(): ChainBackend {
    return this.ctx.chain();
  }

  setProtocol(p: ProtocolTuple): void {
    this.protocol = p;
    this.methods = buildMethods(this);
  }

  /** Close the session; what was already written is flushed first (TLS needs the orderly end). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.unlisten();
    if (this.socket.destroyed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Tear the connection down at once (server shutdown). */
  destroy(): void {
    this.close();
    this.socket.destroy();
  }

  /** ElectrumX drops sessions that sent nothing for SESSION_TIMEOUT (600 s by default). */
  private touchIdle(): void {
    clearTimeout(this.idleTimer);
    const ms = this.ctx.config.sessionTimeoutMs;
    if (ms > 0) {
      this.idleTimer = setTimeout(() => this.close(), ms);
      this.idleTimer.unref();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.touchIdle();
    this.ctx.stats.bytesIn += chunk.length;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      const line = this.buffered === 0 ? piece : Buffer.concat([...this.buffer, piece]);
      this.buffer = [];
      this.buffered = 0;
      start = nl + 1;
      const text = line.toString('utf8');
      this.queueTask(() => this.handleLine(text));
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.buffer.push(rest);
      this.buffered += rest.length;
      // aiorpcx drops a connection whose pending line exceeds max_size.
      if (this.buffered > MAX_RECV) this.close();
    }
  }

  private queueTask(task: () => Promise<void> | void): void {
    this.queue = this.queue.then(task).catch(() => this.close());
  }

  private async handleLine(text: string): Promise<void> {
    if (this.closed || text.trim() === '') return;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      await this.send(pyJson({ jsonrpc: '2.0', error: { code: PARSE_ERROR, message: 'invalid JSON' }, id: null }), 'invalid JSON');
      return;
    }
    if (Array.isArray(msg)) {
      if (msg.length === 0) {
        await this.send(pyJson({ jsonrpc: '2.0', error: { code: INVALID_REQUEST, message: 'batch is empty' }, id: null }), 'batch');
        return;
      }
      const parts: string[] = [];
      let disconnect = false;
      for (const item of msg) {
        const r = await this.handleRequest(item);
        if (r.reply) parts.push(replyJson(r.reply));
        disconnect ||= r.disconnect;
      }
      if (parts.length > 0) this.reply(batchMessage(parts), 'batch');
      if (disconnect) await this.closeAfterWrites();
      return;
    }
    const r = await this.handleRequest(msg);
    if (r.reply) this.reply(replyJson(r.reply), r.method);
    if (r.disconnect) await this.closeAfterWrites();
  }

  private async handleRequest(msg: unknown): Promise<{ reply: Reply | null; disconnect: boolean; method: string }> {
    if (typeof msg !== 'object' || msg === null) {
      return {
        reply: { id: null, error: { code: INVALID_REQUEST, message: 'request object must be a dictionary' } },
        disconnect: false,
        method: '',
      };
    }
    const req = msg as { id?: unknown; method?: unknown; params?: unknown };
    const isNotification = !('id' in req);
    const id = req.id ?? null;
    const method = typeof req.method === 'string' ? req.method : '';
    if (method === '') {
      return {
        reply: isNotification ? null : { id, error: { code: INVALID_REQUEST, message: 'missing method' } },
        disconnect: false,
        method,
      };
    }
    this.ctx.stats.requests++;
    this.ctx.stats.byMethod[method] = (this.ctx.stats.byMethod[method] ?? 0) + 1;

    // ElectrumX >= 1.19 insists on server.version first. Recorded: two junk notifications (its
    // old-client crash probes), the error, then the connection is closed.
    if (!this.svSeen && method !== 'server.version') {
      await this.send(pyJson({ jsonrpc: '2.0', method: 'blockchain.relayfee' }), method);
      await this.send(pyJson({ jsonrpc: '2.0', method: 'blockchain.estimatefee' }), method);
      return {
        reply: { id, error: { code: BAD_REQUEST, message: 'use server.version to identify client' } },
        disconnect: true,
        method,
      };
    }

    const spec = this.methods.get(method);
    try {
      if (!spec) throw new RpcError(METHOD_NOT_FOUND, `unknown method "${method}"`);
      const args = bindArgs(method, spec, req.params);
      let result = await spec.fn(...args);
      const t = this.ctx.faults.transform;
      if (t) result = t(method, args, result);
      return { reply: isNotification ? null : { id, result }, disconnect: false, method };
    } catch (e) {
      if (e instanceof RpcError) {
        return {
          reply: isNotification ? null : { id, error: { code: e.code, message: e.message } },
          disconnect: e.disconnect,
          method,
        };
      }
      throw e;
    }
  }

  /**
   * Send a reply without holding up the next request: like ElectrumX, which runs a session's
   * requests concurrently, a reply delayed longer (delayByMethod) is overtaken by later ones.
   */
  private reply(json: string, method: string): void {
    const p = this.send(json, method).finally(() => this.pendingWrites.delete(p));
    this.pendingWrites.add(p);
  }

  private async closeAfterWrites(): Promise<void> {
    await Promise.all([...this.pendingWrites]);
    this.close();
  }

  private faultApplies(method: string): boolean {
    const only = this.ctx.faults.onlyMethods;
    return only === null || only.includes(method);
  }

  /** Write one message line (padding as recorded), through the reply fault knobs. */
  async send(json: string, method: string): Promise<void> {
    if (this.closed) return;
    const f = this.ctx.faults;
    const faulty = this.faultApplies(method);
    if (faulty && f.hang) return;
    const delay = faulty ? (f.delayByMethod[method] ?? f.delayMs) : 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (this.closed) return;
    const line = padMessage(json, this.ctx.config.padMessages);
    if (faulty && f.garbage) {
      this.write('\x00\xffthis is not JSON {{{ \x1b[0m garbage\n');
      return;
    }
    if (faulty && f.oversizedLine !== null) {
      await this.writeOversized(f.oversizedLine);
      return;
    }
    if (faulty && f.dropMidLine) {
      this.write(line.slice(0, Math.max(1, Math.floor(line.length / 2))));
      this.close();
      return;
    }
    this.write(line);
  }

  private write(s: string | Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    this.ctx.stats.bytesOut += b.length;
    this.socket.write(b);
  }

  /** A line of `size` bytes ('x' padding inside a JSON-looking prefix), or endless streaming. */
  private async writeOversized(size: number | 'endless'): Promise<void> {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const prefix = Buffer.from('{"jsonrpc":"2.0","result":"');
    this.write(prefix);
    let sent = prefix.length;
    while (!this.closed && (size === 'endless' || sent < size - 1)) {
      const n = size === 'endless' ? chunk.length : Math.min(chunk.length, size - 1 - sent);
      const piece = n === chunk.length ? chunk : chunk.subarray(0, n);
      const ok = this.socket.write(piece);
      this.ctx.stats.bytesOut += n;
      sent += n;
      if (!ok) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.socket.off('drain', done);
            this.socket.off('close', done);
            resolve();
          };
          this.socket.once('drain', done);
          this.socket.once('close', done);
        });
      }
    }
    if (!this.closed && size !== 'endless') this.write('\n');
  }

  /** The subscription status: sha256 of "txid:height:" over history and mempool (protocol basics). */
  addressStatus(scripthash: string): string | null {
    const conf = this.chain.confirmedHistory(scripthash);
    const mem = this.chain.mempoolHistory(scripthash);
    const s = [...conf, ...mem].map((r) => `${r.txid}:${r.height}:`).join('');
    return s === '' ? null : createHash('sha256').update(s).digest('hex');
  }

  private async notify(ev: { heightChanged: boolean; touched: Set<string> }): Promise<void> {
    if (this.closed || !this.svSeen) return;
    const tip = this.chain.tipHeight;
    if (ev.heightChanged && this.subscribeHeaders && tip !== this.lastNotifiedHeight) {
      this.lastNotifiedHeight = tip;
      const params = [this.headersSubscribeResult()];
      await this.send(pyJson({ jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params }), 'blockchain.headers.subscribe');
    }
    for (const [sh, old] of this.scripthashSubs) {
      if (!ev.touched.has(sh) && !ev.heightChanged) continue;
      const status = this.addressStatus(sh);
      if (status === old) continue;
      this.scripthashSubs.set(sh, status);
      await this.send(pyJson({ jsonrpc: '2.0', method: 'blockchain.scripthash.subscribe', params: [sh, status] }), 'blockchain.scripthash.subscribe');
    }
  }

  headersSubscribeResult(): { hex: string; height: number } {
    const lie = this.ctx.faults.lies.tipHeight;
    const tip = this.chain.tipHeight;
    const height = lie ?? tip;
    const header = this.chain.header(Math.min(Math.max(height, 0), tip))!;
    return { hex: Buffer.from(header).toString('hex'), height };
  }
}

function replyJson(r: Reply): string {
  if (r.error) return pyJson({ jsonrpc: '2.0', error: r.error, id: r.id });
  return pyJson({ jsonrpc: '2.0', result: r.result ?? null, id: r.id });
}
