// Replaying a recorded ElectrumX session against the simulator over a real socket, line by line,
// and comparing what comes back with what the real server sent.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { expect } from 'vitest';
import { readFixtureJsonl } from '../helpers/fixtures.ts';

export interface TranscriptLine {
  sent: string | null;
  received: string | null;
  note?: string;
}

export function transcript(...parts: string[]): TranscriptLine[] {
  return readFixtureJsonl<TranscriptLine>(...parts);
}

/** A raw line-oriented client: no parsing, no framing help beyond splitting on "\n". */
export class LineClient {
  private buf = Buffer.alloc(0);
  private lines: string[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      let i: number;
      while ((i = this.buf.indexOf(0x0a)) >= 0) {
        this.lines.push(this.buf.subarray(0, i).toString('latin1'));
        this.buf = this.buf.subarray(i + 1);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async open(url: string, certPem?: string): Promise<LineClient> {
    const m = /^(tcp|tls):\/\/([^:]+):(\d+)$/.exec(url);
    if (!m) throw new Error(`bad url ${url}`);
    const [, kind, host, port] = m as unknown as [string, string, string, string];
    const socket =
      kind === 'tls'
        ? tlsConnect({ host, port: Number(port), ca: certPem, servername: 'localhost', checkServerIdentity: () => undefined })
        : netConnect({ host, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      socket.once(kind === 'tls' ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(line: string): void {
    this.socket.write(line + '\n');
  }

  /** The next line, or null if none arrives within `ms` (or the connection closed). */
  async next(ms = 5000): Promise<string | null> {
    const deadline = Date.now() + ms;
    while (this.lines.length === 0 && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.lines.shift() ?? null;
  }

  async waitClosed(ms = 2000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The method of a sent line ('batch', 'invalid' for non-JSON). */
export function methodOf(sent: string): string {
  try {
    const j = JSON.parse(sent) as unknown;
    if (Array.isArray(j)) return 'batch';
    return String((j as { method?: unknown }).method ?? '');
  } catch {
    return 'invalid';
  }
}

/** Paths (JSON-ish, '*' = any key/index) whose string values may differ from the recording. */
export type Tolerance = (method: string, path: string[]) => boolean;

/** Where a value may differ (all are hashes or headers that commit to a coinbase). */
export const tolerateBlockData: Tolerance = (method, path) => {
  const p = path.join('.');
  switch (method) {
    case 'blockchain.headers.subscribe':
      return p === 'result.hex';
    case 'blockchain.block.header':
      return p === 'result' || p === 'result.header' || p === 'result.root' || /^result\.branch\.\d+$/.test(p);
    case 'blockchain.block.headers':
      return p === 'result.hex' || p === 'result.root' || /^result\.(branch|headers)\.\d+$/.test(p);
    case 'blockchain.transaction.get':
      return p === 'result.blockhash';
    case 'blockchain.transaction.get_merkle':
      return /^result\.merkle\.\d+$/.test(p);
    case 'blockchain.name.get_value_proof':
      return /^result\.[0-9a-f]{64}\.\d+\.(tx_merkle\.merkle\.\d+|header\.header|header\.root|header\.branch\.\d+)$/.test(p);
    default:
      return false;
  }
};

export interface ReplayReport {
  exact: number;
  tolerated: { index: number; method: string; paths: string[] }[];
}

/**
 * Put the recorded value in place of ours at every tolerated path (same-length strings only),
 * then the line must equal the recording byte for byte: key order, padding and everything else.
 */
export function reconcile(method: string, oursIn: string, recorded: string, tolerate: Tolerance, map: (s: string) => string): { line: string; paths: string[] } {
  const paths: string[] = [];
  const ours = reorderMempoolRows(method, oursIn, recorded, map, paths);
  const o = JSON.parse(ours) as unknown;
  const r = JSON.parse(recorded) as unknown;
  const swaps: [string, string][] = [];
  const walk = (a: unknown, b: unknown, path: string[]): void => {
    if (typeof a === 'string' && typeof b === 'string') {
      const mapped = map(a);
      if (mapped !== a) swaps.push([a, mapped]);
      if (mapped !== b && tolerate(method, path) && mapped.length === b.length) {
        swaps.push([mapped, b]);
        paths.push(path.join('.'));
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      a.forEach((x, i) => walk(x, b[i], [...path, String(i)]));
      return;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      for (const k of Object.keys(a)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...path, k]);
    }
  };
  walk(o, r, []);
  let line = ours;
  for (const [from, to] of swaps) line = line.split(JSON.stringify(from)).join(JSON.stringify(to));
  return { line, paths };
}

const MEMPOOL_LISTS = new Set([
  'blockchain.scripthash.listunspent',
  'blockchain.scripthash.get_mempool',
  'blockchain.scripthash.get_history',
]);

/**
 * ElectrumX keeps a scripthash's mempool txs in a Python set, so the order of the unconfirmed
 * rows (height 0 / -1) is not defined (protocol-basics; it differs between listunspent and
 * get_mempool in one and the same recording). Only that tail may be reordered, and only into
 * the recorded order of exactly the same rows.
 */
function reorderMempoolRows(method: string, ours: string, recorded: string, map: (s: string) => string, paths: string[]): string {
  if (!MEMPOOL_LISTS.has(method)) return ours;
  const o = JSON.parse(ours) as { result?: unknown };
  const r = JSON.parse(recorded) as { result?: unknown };
  if (!Array.isArray(o.result) || !Array.isArray(r.result)) return ours;
  const rows = (a: unknown[]): string[] => a.map((x) => map(JSON.stringify(x)));
  const oursRows = rows(o.result);
  const recRows = rows(r.result);
  const isMempool = (x: unknown): boolean => (x as { height?: number }).height! <= 0;
  const split = (a: unknown[]) => a.findIndex(isMempool);
  const oi = split(o.result);
  const ri = split(r.result);
  if (oi < 0 || oi !== ri) return ours;
  const oTail = oursRows.slice(oi);
  const rTail = recRows.slice(ri);
  if (oTail.join() === rTail.join() || [...oTail].sort().join() !== [...rTail].sort().join()) return ours;
  const from = '[' + o.result.map((x) => JSON.stringify(x)).join(',') + ']';
  const all: unknown[] = o.result;
  const reordered = [...all.slice(0, oi), ...rTail.map((row) => all.find((x) => map(JSON.stringify(x)) === row))];
  const to = '[' + reordered.map((x) => JSON.stringify(x)).join(',') + ']';
  if (!ours.includes(from)) return ours;
  paths.push('result (unordered mempool rows)');
  return ours.replace(from, to);
}

export interface ReplayOptions {
  url: string;
  certPem?: string;
  /** Called before sending entry i (to mine blocks where the recording did). */
  before?: (index: number) => void | Promise<void>;
  tolerate?: Tolerance;
  /** Map our txids etc. to the recorded ones before comparing (stand-ins). */
  map?: (s: string) => string;
}

/** Replay one recorded session; every expected line must match (see reconcile). */
export async function replay(lines: TranscriptLine[], opts: ReplayOptions): Promise<ReplayReport> {
  const client = await LineClient.open(opts.url, opts.certPem);
  const report: ReplayReport = { exact: 0, tolerated: [] };
  const tolerate = opts.tolerate ?? (() => false);
  const map = opts.map ?? ((s: string) => s);
  let method = '';
  try {
    for (const [i, entry] of lines.entries()) {
      if (entry.sent !== null) {
        await opts.before?.(i);
        method = methodOf(entry.sent);
        client.send(entry.sent);
      }
      if (entry.received === null) {
        if (entry.note === 'no reply') {
          expect(await client.next(400), `entry ${i} (${method}): the server must not answer`).toBeNull();
        } else if (entry.note === 'connection closed by server') {
          expect(await client.waitClosed(), `entry ${i}: the server must close the connection`).toBe(true);
        }
        continue;
      }
      const got = await client.next();
      expect(got, `entry ${i} (${method}): no reply`).not.toBeNull();
      const { line, paths } = reconcile(method, got!, entry.received, tolerate, map);
      expect(line.length, `entry ${i} (${method}): line length`).toBe(entry.received.length);
      expect(line, `entry ${i} (${method})`).toBe(entry.received);
      if (paths.length === 0) report.exact++;
      else report.tolerated.push({ index: i, method, paths });
    }
  } finally {
    client.close();
  }
  return report;
}
