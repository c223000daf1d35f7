// A loopback server that plays back a recorded ElectrumX session (fixtures
// regtest/electrum-transcripts/*.jsonl): each line the client sends is looked up among the
// recorded requests and answered with the recorded server bytes, unchanged.
import type { Socket } from 'node:net';
import { readFixtureJsonl } from '../helpers/fixtures.ts';
import { startLineServer, type LineServer } from './loopback.ts';

export interface TranscriptLine {
  sent: string | null;
  received: string | null;
  note?: string;
}

export interface Exchange {
  /** The request line exactly as recorded. */
  sent: string;
  /** The server's lines exactly as recorded (without "\n"). */
  received: string[];
  /** The server closed the connection after these lines. */
  closes: boolean;
}

/** A transcript from fixtures/regtest/<scenario>/ (default: electrum-transcripts). */
export function loadTranscript(file: string, scenario = 'electrum-transcripts'): Exchange[] {
  const rows = readFixtureJsonl<TranscriptLine>('regtest', scenario, file);
  const out: Exchange[] = [];
  for (const row of rows) {
    if (row.sent !== null) out.push({ sent: row.sent, received: [], closes: false });
    const cur = out[out.length - 1];
    if (!cur) throw new Error(`${file}: starts with a line nobody sent`);
    if (row.received !== null) cur.received.push(row.received);
    else if (row.note?.includes('closed')) cur.closes = true;
  }
  return out;
}

export interface ReplayServer extends LineServer {
  /** Client lines that matched no recorded request. */
  unmatched: string[];
}

/** The request without its id, to match a client whose ids run differently. */
function withoutId(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    delete o.id;
    return JSON.stringify(o);
  } catch {
    return line;
  }
}

/** Put the client's id into recorded reply bytes (the id is the last member ElectrumX writes). */
function rewriteId(received: string, id: unknown): string {
  return received.replace(/"id":(\d+|null)(\s*[}\]]\s*)$/, (_m, _old: string, tail: string) => `"id":${JSON.stringify(id)}${tail}`);
}

export interface ReplayOptions {
  /** false: match requests ignoring the id and rewrite the id in the reply (typed-method tests). */
  exactIds?: boolean;
  /** Answer a line with these recorded bytes instead of looking it up. */
  override?: (line: string) => string[] | undefined;
}

/**
 * Serve `exchanges`: a client line that is byte-identical to a recorded request (first unused
 * match) gets the recorded reply bytes, unchanged.
 */
export async function startReplay(exchanges: Exchange[], options: ReplayOptions = {}): Promise<ReplayServer> {
  const exact = options.exactIds ?? true;
  const override = options.override;
  const used = new Set<number>();
  const unmatched: string[] = [];
  const onLine = (line: string, socket: Socket): void => {
    const forced = override?.(line);
    if (forced) {
      for (const r of forced) socket.write(`${r}\n`);
      return;
    }
    const key = exact ? line : withoutId(line);
    const i = exchanges.findIndex((e, k) => !used.has(k) && (exact ? e.sent : withoutId(e.sent)) === key);
    if (i < 0) {
      unmatched.push(line);
      return;
    }
    used.add(i);
    const ex = exchanges[i]!;
    const id = exact ? undefined : (JSON.parse(line) as { id?: unknown }).id;
    for (const r of ex.received) socket.write(`${exact ? r : rewriteId(r, id)}\n`);
    if (ex.closes) socket.end();
  };
  const server = await startLineServer({ onLine });
  return Object.assign(server, { unmatched });
}
