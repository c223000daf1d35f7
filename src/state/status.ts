// The status cache in state_dir (tmpfs on a router): what the last run saw and did, for
// `nmcddns status` and the LuCI page. The chain is the truth; this file only saves status pages
// a trip to the servers, and losing it loses nothing but the min_interval timer. Written whole
// (temporary file + rename) so a reader never sees half a file, even if the run is killed.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStateDir } from './lock.ts';

export type RunAction = 'updated' | 'unchanged' | 'renewed' | 'replaced' | 'waiting' | 'refused';

export interface AddressStatus {
  address: string | null;
  via: string;
  reason: string;
}

export interface StatusCache {
  format: 1;
  name: string;
  network: string;
  hotAddress: string | null;
  lastRun: {
    startedAt: string;
    finishedAt: string | null;
    action: RunAction | null;
    reason: string;
    txid: string | null;
    exitCode: number | null;
    dryRun?: boolean;
  } | null;
  /** The last transaction this agent broadcast (the min_interval timer). */
  lastBroadcast: { at: string; txid: string; value: string } | null;
  addresses: { ipv4: AddressStatus; ipv6: AddressStatus } | null;
  /** The value the last run wanted to publish. */
  value: string | null;
  chain: {
    value: string;
    height: number;
    expiresIn: number;
    tipHeight: number;
    pending: { txid: string; value: string } | null;
  } | null;
  funds: { feeCoins: number; balanceSat: number; updatesLeft: number } | null;
  /**
   * When the servers last told `chain` (ISO time). A run with nothing to publish uses it to
   * judge whether renewal may be due without asking them (src/decide/expiry.ts).
   */
  chainCheckedAt?: string | null;
  /**
   * When the last run was held back by min_interval: the moment the next transaction may go.
   * Nothing in the agent wakes up by itself (no resident process), so whoever starts runs
   * (the periodic loop) starts one then; it publishes the address of that moment. null (or
   * absent, in a cache written by an older version) when no run is due.
   */
  retryAt?: string | null;
}

const FILE = 'status.json';
/**
 * The same moment as `retryAt`, as whole Unix seconds on one line, for a shell loop that must
 * not start Node (or parse JSON) to learn it: present only while a run is due.
 */
export const RETRY_FILE = 'retry_at';

export function emptyStatus(name: string, network: string, hotAddress: string | null): StatusCache {
  return { format: 1, name, network, hotAddress, lastRun: null, lastBroadcast: null, addresses: null, value: null, chain: null, funds: null, retryAt: null };
}

/** The cache, or null when there is none or it is unreadable (a cache is never worth failing over). */
export function readStatus(stateDir: string): StatusCache | null {
  try {
    const s = JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as StatusCache;
    return s && s.format === 1 ? s : null;
  } catch {
    return null;
  }
}

export function writeStatus(stateDir: string, status: StatusCache): void {
  writeWhole(stateDir, FILE, `${JSON.stringify(status, null, 1)}\n`);
}

/** Temporary file + rename: a reader sees the old file or the new one, never half of one. */
function writeWhole(stateDir: string, name: string, text: string): void {
  ensureStateDir(stateDir);
  const tmp = join(stateDir, `${name}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, join(stateDir, name));
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing left behind
    }
    throw e;
  }
}

/**
 * Record (or, with null, clear) when the next run is due. Written whole like the status cache;
 * a failure is the caller's to ignore (the periodic check still comes).
 */
export function writeRetryAt(stateDir: string, atMs: number | null): void {
  const file = join(stateDir, RETRY_FILE);
  if (atMs === null) {
    try {
      unlinkSync(file);
    } catch {
      // none was due
    }
    return;
  }
  writeWhole(stateDir, RETRY_FILE, `${Math.ceil(atMs / 1000)}\n`);
}
