// One run at a time, across processes, surviving crashes. Hotplug, cron and LuCI may all start
// `nmcddns update` at once; the runs are serialised by a lock file in state_dir:
//
//   run.lock     {"pid":…, "procStart":…, "bootId":…, "startedAt":…}, created whole by link(2)
//                from a temporary file, so nobody ever sees it half-written
//   again        "go round once more": written by a run that found the lock taken
//   run.lock.takeover.<id>   who broke the stale lock instance <id> (O_EXCL: only one process can)
//
// A holder is alive when its pid exists and, where /proc tells, that pid's start time and the
// boot id are the ones recorded (so a reused pid after a crash or a reboot does not keep the lock).
// A dead holder's lock is broken by exactly one process: the one that creates the takeover marker
// for that lock file's identity (inode and contents). Everyone else retries.
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, openSync, closeSync, constants } from 'node:fs';
import { join } from 'node:path';

export interface LockOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot), when /proc exists. */
  procStart?: string;
  bootId?: string;
  /** ms since the epoch. */
  startedAt: number;
}

export interface RunLock {
  owner: LockOwner;
  release(): void;
}

export type AcquireResult = { acquired: true; lock: RunLock } | { acquired: false; holder: LockOwner | null };

const LOCK = 'run.lock';
const AGAIN = 'again';
const TAKEOVER = 'run.lock.takeover.';
/** Takeover markers older than this are removed (a process that stalls this long between reading a stale lock and breaking it re-checks the lock's identity anyway). */
const TAKEOVER_TTL_MS = 60_000;

function procStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parentheses: the fields after it start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19]; // field 22
  } catch {
    return undefined;
  }
}

let cachedBootId: string | null | undefined;
function bootId(): string | undefined {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId ?? undefined;
}

export function selfOwner(now = Date.now()): LockOwner {
  const owner: LockOwner = { pid: process.pid, startedAt: now };
  const ps = procStartOf(process.pid);
  if (ps !== undefined) owner.procStart = ps;
  const b = bootId();
  if (b !== undefined) owner.bootId = b;
  return owner;
}

/** Is the recorded holder still running? */
export function isAlive(owner: LockOwner): boolean {
  const b = bootId();
  if (owner.bootId !== undefined && b !== undefined && owner.bootId !== b) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.procStart !== undefined) {
    const now = procStartOf(owner.pid);
    if (now !== undefined && now !== owner.procStart) return false; // the pid was reused
  }
  return true;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.startedAt === 'number') return o as LockOwner;
  } catch {
    // fall through
  }
  return null;
}

/**
 * Which lock instance is at `path`: inode plus a hash of the contents (pid, start time). Not the
 * change time: removing the temporary twin link changes it.
 */
function identity(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    const text = readFileSync(path);
    return `${st.ino}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  } catch {
    return null;
  }
}

export function ensureStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
}

/** The live holder of the lock, or null (no lock, or its holder is dead). */
export function lockHolder(stateDir: string): LockOwner | null {
  try {
    const owner = parseOwner(readFileSync(join(stateDir, LOCK), 'utf8'));
    return owner !== null && isAlive(owner) ? owner : null;
  } catch {
    return null;
  }
}

/** Try once (with takeover of a dead holder's lock); never waits for a live holder. */
export function tryAcquire(stateDir: string, now = Date.now()): AcquireResult {
  ensureStateDir(stateDir);
  const lockPath = join(stateDir, LOCK);
  const owner = selfOwner(now);
  const tmp = join(stateDir, `${LOCK}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(tmp, JSON.stringify(owner), { mode: 0o644 });
  try {
    cleanTakeovers(stateDir, now);
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        linkSync(tmp, lockPath);
        const id = identity(lockPath);
        return { acquired: true, lock: makeLock(lockPath, owner, id) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const id = identity(lockPath);
      if (id === null) continue; // released in between: try again
      let holder: LockOwner | null;
      try {
        holder = parseOwner(readFileSync(lockPath, 'utf8'));
      } catch {
        continue;
      }
      if (holder !== null && isAlive(holder)) return { acquired: false, holder };
      // Dead (or unreadable) holder: only the creator of the takeover marker may break this instance.
      const marker = join(stateDir, `${TAKEOVER}${id}`);
      try {
        closeSync(openSync(marker, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // Someone else is breaking it; give them a moment, then look again.
        sleepMs(5);
        continue;
      }
      if (identity(lockPath) === id) {
        try {
          unlinkSync(lockPath);
        } catch {
          // already gone
        }
      }
      // Instance `id` is gone now; anyone still holding that stale view re-checks the identity
      // before unlinking, so the marker has done its job and can go.
      try {
        unlinkSync(marker);
      } catch {
        // removed by the TTL sweep
      }
    }
    // Twenty rounds of races: report whoever holds it now.
    return { acquired: false, holder: lockHolder(stateDir) };
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean
    }
  }
}

function makeLock(lockPath: string, owner: LockOwner, id: string | null): RunLock {
  let released = false;
  return {
    owner,
    release(): void {
      if (released) return;
      released = true;
      // Remove only our own lock instance (never one that replaced it).
      if (id !== null && identity(lockPath) !== id) return;
      try {
        unlinkSync(lockPath);
      } catch {
        // gone already
      }
    },
  };
}

function cleanTakeovers(stateDir: string, now: number): void {
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(TAKEOVER)) continue;
    try {
      if (now - statSync(join(stateDir, n)).mtimeMs > TAKEOVER_TTL_MS) unlinkSync(join(stateDir, n));
    } catch {
      // raced with another cleaner
    }
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Ask the running holder to go round once more. */
export function requestAgain(stateDir: string): void {
  ensureStateDir(stateDir);
  writeFileSync(join(stateDir, AGAIN), `${process.pid}\n`);
}

/** Consume a pending "again" request; true if there was one. */
export function takeAgain(stateDir: string): boolean {
  try {
    unlinkSync(join(stateDir, AGAIN));
    return true;
  } catch {
    return false;
  }
}

export function againRequested(stateDir: string): boolean {
  try {
    statSync(join(stateDir, AGAIN));
    return true;
  } catch {
    return false;
  }
}

export type Serialized<T> = { ran: true; rounds: T[] } | { ran: false; holder: LockOwner | null };

/**
 * Run `round` under the lock. If another run holds it, leave an "again" request and return at
 * once (the holder goes round once more). When requests arrived during its round, the holder
 * waits until none has come for `settleMs` and goes round once more, so a burst of requests
 * costs one extra round after the one in progress.
 *
 * Why the checks are where they are: a request written just after the holder's last look would
 * be lost if the holder simply released; so the holder looks again after releasing and takes the
 * lock back if it can, and a requester whose request might have come too late tries the lock once
 * more itself.
 */
/**
 * How long the holder waits for a burst of requests to end before it goes round again: the
 * hotplug events of one WAN change, a cron tick and a LuCI click within this window cost one
 * extra round, not one each.
 */
export const SETTLE_MS = 1000;

export async function runSerialized<T>(
  stateDir: string,
  round: () => Promise<T>,
  hooks: { onLock?: (lock: RunLock) => void; settleMs?: number } = {},
): Promise<Serialized<T>> {
  const settleMs = hooks.settleMs ?? SETTLE_MS;
  let got = tryAcquire(stateDir);
  if (!got.acquired) {
    requestAgain(stateDir);
    got = tryAcquire(stateDir);
    if (!got.acquired) return { ran: false, holder: got.holder };
  }
  const rounds: T[] = [];
  for (;;) {
    const lock = got.lock;
    hooks.onLock?.(lock);
    try {
      takeAgain(stateDir);
      rounds.push(await round());
      while (againRequested(stateDir)) {
        // Let the burst finish: go round once after a quiet settle period.
        do {
          takeAgain(stateDir);
          await new Promise((r) => setTimeout(r, settleMs));
        } while (againRequested(stateDir));
        rounds.push(await round());
      }
    } finally {
      lock.release();
    }
    if (!againRequested(stateDir)) break;
    const next = tryAcquire(stateDir);
    if (!next.acquired) break; // the new holder will see the request
    got = next;
  }
  return { ran: true, rounds };
}
