// The writers' lock of the journal: a file that names its owner ({pid, host, start, thread, at, nonce}). The body
// is written to a private temp file first and hard-linked into place, so no one ever sees a lock file without its
// owner. A waiter decides from the owner alone, never from the wall clock (which may have been stepped):
//   - owner on this host whose process is gone, or whose pid now belongs to a process started at another moment
//     (the start time from /proc tells): broken at once;
//   - owner on this host that still runs, identified by pid and start time: waited for, however long it holds;
//   - anything that cannot be checked (an empty or garbled file left by an older veo, a pid without start time,
//     another host or pid namespace): broken once this waiter has seen it unchanged for UNVERIFIED_GRACE_MS of its own monotonic
//     time. A holder touches its lock every HEARTBEAT_MS while it works, so a live holder never looks unchanged.
// Breaking is serialised by a second lock, journal.lock.break, made and judged the same way, so two waiters that
// both judge a lock stale can never remove a lock the faster one has just taken.
// No library is used: the common ones judge staleness by the lock's age against the wall clock (so a lock dated
// in the future stalls until the clock catches up, and a killed owner stalls for the whole stale period) and know
// nothing of the owner's process.
import { randomBytes } from 'node:crypto';
import { link, lstat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { monotonicMs } from '../core/clock.js';
import {
  CREATE_NEW,
  errorCode,
  JournalLinkError,
  openNoFollow,
  openNoFollowUnless,
  READ,
  writeAll,
} from './journal-files.js';
import { currentProcess, isCurrentProcess, liveness } from '../core/process-identity.js';

export { errorCode } from './journal-files.js';

/** How long a lock whose owner cannot be checked must stay unchanged before it is broken. */
export const UNVERIFIED_GRACE_MS = 1500;
/** How often a holder touches its lock, so that waiters who cannot check it see it is alive. */
export const HEARTBEAT_MS = 400;

interface Owner {
  pid: number;
  host: string;
  start?: number;
  ns?: string;
  thread?: number;
}

interface Seen {
  text: string;
  ino: number;
  mtimeMs: number;
  size: number;
}

type Verdict = 'held' | 'stale' | 'unverified';

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o === 'object' && o !== null && typeof o.pid === 'number' && typeof o.host === 'string') {
      return {
        pid: o.pid,
        host: o.host,
        ...(typeof o.start === 'number' ? { start: o.start } : {}),
        ...(typeof o.ns === 'string' ? { ns: o.ns } : {}),
        ...(typeof o.thread === 'number' ? { thread: o.thread } : {}),
      };
    }
  } catch {
    // empty or garbled: an older veo killed between creating the file and writing it
  }
  return undefined;
}

function judge(seen: Seen): Verdict {
  const owner = parseOwner(seen.text);
  if (owner === undefined || owner.host !== hostname()) return 'unverified';
  // This very thread never waits for a lock it holds (withLock queues it), so a lock naming it is a leftover.
  if (isCurrentProcess(owner) && owner.thread === threadId) return 'stale';
  const alive = liveness(owner);
  if (alive === 'dead') return 'stale';
  return alive === 'alive' && owner.start !== undefined ? 'held' : 'unverified';
}

async function readLock(path: string): Promise<Seen | undefined> {
  try {
    const info = await lstat(path);
    if (info.isSymbolicLink()) throw new JournalLinkError(path);
    const fh = await openNoFollow(path, READ);
    try {
      const st = await fh.stat();
      const text = (await fh.readFile()).toString('utf8');
      return { text, ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

const same = (a: Seen, b: Seen): boolean =>
  a.text === b.text && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size;

/** When this process first saw each unverifiable lock, by its content and identity (monotonic ms). */
const firstSeen = new Map<string, number>();

function staleNow(seen: Seen): boolean {
  const verdict = judge(seen);
  if (verdict !== 'unverified') return verdict === 'stale';
  const key = `${seen.ino}:${seen.mtimeMs}:${seen.size}:${seen.text}`;
  const now = monotonicMs();
  const first = firstSeen.get(key);
  if (first === undefined) {
    if (firstSeen.size > 100) firstSeen.clear();
    firstSeen.set(key, now);
    return false;
  }
  return now - first >= UNVERIFIED_GRACE_MS;
}

interface Made {
  fh: FileHandle;
  body: string;
}

/**
 * Makes `path` with our body, complete from its first moment: written to a temp file, then linked into place
 * (link(2) fails on any existing name, a dangling link included, and never follows one). On a file system without
 * hard links it falls back to an exclusive create. Undefined when the name is taken.
 */
async function make(path: string): Promise<Made | undefined> {
  const me = currentProcess();
  const nonce = randomBytes(8).toString('hex');
  const body = JSON.stringify({ ...me, thread: threadId, at: Date.now(), nonce });
  const temp = `${path}.${nonce}.tmp`;
  const fh = await openNoFollow(temp, CREATE_NEW);
  let kept = false;
  try {
    await writeAll(fh, Buffer.from(body));
    try {
      await link(temp, path);
      kept = true;
      return { fh, body };
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST') return undefined;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    }
    // No hard links here: an exclusive create, briefly empty.
    const direct = await openNoFollowUnless(path, CREATE_NEW, 'EEXIST');
    if (!direct) return undefined;
    try {
      await writeAll(direct, Buffer.from(body));
    } catch (err) {
      await direct.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw err;
    }
    return { fh: direct, body };
  } finally {
    await unlink(temp).catch(() => undefined);
    if (!kept) await fh.close().catch(() => undefined);
  }
}

async function removeIfStill(path: string, seen: Seen): Promise<void> {
  const again = await readLock(path);
  if (again !== undefined && same(again, seen)) await unlink(path).catch(() => undefined);
}

async function unmake(path: string, made: Made): Promise<void> {
  // Only our own lock: had ours been judged stale and broken, the file is now someone else's.
  const seen = await readLock(path).catch(() => undefined);
  if (seen?.text === made.body) await unlink(path).catch(() => undefined);
  await made.fh.close().catch(() => undefined);
}

/** Removes the lock if it is stale; true when the caller should try to take it again at once. */
async function breakIfStale(path: string): Promise<boolean> {
  const seen = await readLock(path);
  if (seen === undefined) return true;
  if (!staleNow(seen)) return false;
  const breaker = `${path}.break`;
  const made = await make(breaker);
  if (made === undefined) {
    // Another waiter is breaking it, or died while doing so: its breaker is judged like any lock.
    const other = await readLock(breaker);
    if (other !== undefined && staleNow(other)) await removeIfStill(breaker, other);
    return false;
  }
  try {
    // Nobody can take the lock while the stale file exists, so an unchanged file is still the stale one.
    await removeIfStill(path, seen);
    return true;
  } finally {
    await unmake(breaker, made);
  }
}

async function acquire(path: string, timeoutMs: number): Promise<Made> {
  const deadline = monotonicMs() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const made = await make(path);
    if (made !== undefined) return made;
    if (await breakIfStale(path)) continue;
    if (monotonicMs() >= deadline) {
      throw new Error(
        `the task journal stayed locked for ${timeoutMs} ms by ${path}, held by a running veo (pid ${parseOwner((await readLock(path).catch(() => undefined))?.text ?? '')?.pid ?? '?'}); try again once it has finished`,
      );
    }
    // Holders keep the lock for milliseconds; jitter keeps a dozen waiters from retrying in step.
    await delay(Math.min(100, 2 ** Math.min(attempt, 7)) * (0.5 + Math.random()));
  }
}

// One queue per lock file within this process: concurrent calls wait their turn here instead
// of polling the file, and a thread never mistakes its own lock for another's.
const queues = new Map<string, Promise<void>>();

export async function withLock<T>(path: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  queues.set(path, tail);
  await previous;
  try {
    const made = await acquire(path, timeoutMs);
    // Touches the inode we made (never a name that might have been replaced), so waiters see a live holder.
    const heartbeat = setInterval(() => {
      const now = new Date();
      made.fh.utimes(now, now).catch(() => undefined);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      await unmake(path, made);
    }
  } finally {
    done();
    if (queues.get(path) === tail) queues.delete(path);
  }
}
