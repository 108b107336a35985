// The writers' lock of the journal: a file created with O_EXCL that names its owner
// ({pid, thread, host, at, nonce}). A lock whose owner process is gone is removed at once; one
// whose owner cannot be checked (another host, unreadable content, or a pid that may have been
// reused) only once it is older than STALE_LOCK_MS, far longer than any append or compaction holds it.
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';

export const STALE_LOCK_MS = 20_000;

interface Owner {
  pid: number;
  thread: number;
  host: string;
  at: number;
}

interface Seen {
  text: string;
  mtimeMs: number;
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (
      typeof o.pid === 'number' &&
      typeof o.thread === 'number' &&
      typeof o.host === 'string' &&
      typeof o.at === 'number'
    )
      return o as Owner;
  } catch {
    // an owner killed between creating the file and writing it: judged by the file's age
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

function isStale(seen: Seen): boolean {
  const owner = parseOwner(seen.text);
  if (Date.now() - (owner?.at ?? seen.mtimeMs) > STALE_LOCK_MS) return true;
  if (owner === undefined || owner.host !== hostname()) return false;
  // Our own pid and thread: left by an earlier process with the same pid (pid 1 in a container
  // again), since the queue in withLock never lets this thread wait for a lock it holds.
  if (owner.pid === process.pid) return owner.thread === threadId;
  return !isAlive(owner.pid);
}

async function readLock(path: string): Promise<Seen | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, mtimeMs: st.mtimeMs };
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Removes the lock if it is stale; true when the caller should try to take it again at once. */
async function breakIfStale(path: string): Promise<boolean> {
  const seen = await readLock(path);
  if (seen === undefined) return true;
  if (!isStale(seen)) return false;
  // Two waiters can judge the same lock stale. Without this second lock the slower one could
  // delete the fresh lock the faster one has just taken, and both would write at once.
  const breaker = `${path}.break`;
  try {
    await (await open(breaker, 'wx', 0o600)).close();
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    const st = await stat(breaker).catch(() => undefined);
    if (st !== undefined && Date.now() - st.mtimeMs > STALE_LOCK_MS) await removeQuietly(breaker);
    return false;
  }
  try {
    const again = await readLock(path);
    if (again !== undefined && again.text === seen.text && again.mtimeMs === seen.mtimeMs) await removeQuietly(path);
    return true;
  } finally {
    await removeQuietly(breaker);
  }
}

async function acquire(path: string, timeoutMs: number): Promise<string> {
  const nonce = randomBytes(8).toString('hex');
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const body = JSON.stringify({ pid: process.pid, thread: threadId, host: hostname(), at: Date.now(), nonce });
    let created = false;
    try {
      const fh = await open(path, 'wx', 0o600);
      created = true;
      try {
        await fh.writeFile(body);
      } finally {
        await fh.close();
      }
      return body;
    } catch (err) {
      if (created) {
        await removeQuietly(path);
        throw err;
      }
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    if (await breakIfStale(path)) continue;
    if (Date.now() >= deadline) {
      throw new Error(
        `the task journal stayed locked for ${timeoutMs} ms by ${path}; if no veo process is running, delete that file`,
      );
    }
    // Holders keep the lock for milliseconds; jitter keeps a dozen waiters from retrying in step.
    await delay(Math.min(100, 2 ** Math.min(attempt, 7)) * (0.5 + Math.random()));
  }
}

async function release(path: string, body: string): Promise<void> {
  // Only our own lock: had ours been judged stale and broken, the file is now someone else's.
  const seen = await readLock(path).catch(() => undefined);
  if (seen?.text === body) await removeQuietly(path);
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
    const body = await acquire(path, timeoutMs);
    try {
      return await fn();
    } finally {
      await release(path, body);
    }
  } finally {
    done();
    if (queues.get(path) === tail) queues.delete(path);
  }
}
