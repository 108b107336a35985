import { errnoWords } from '../core/errno-words.js';
import { randomBytes } from 'node:crypto';
import { lstat, open, unlink } from 'node:fs/promises';
import { keepClaimFresh } from '../core/claim-heartbeat.js';
import { InterruptedError, UsageError } from '../core/errors.js';
import { currentProcess, liveness, type ProcessIdentity } from '../core/process-identity.js';
import { errnoOf, localFileError, NEW_FILE, READ_NO_LINK } from './local-files.js';
import { sleep } from './retry.js';

/**
 * One writer per target. `<path>.claim` is made with an exclusive create and names its owner; while it exists,
 * no other veo touches the target or its part. The owner touches it every few seconds, so a claim is judged
 * abandoned when its process is gone (same host and pid namespace; a reused pid is told by its start time) or when it
 * has not been touched for a while (another host or container sharing the folder).
 */

export interface ClaimOwner extends ProcessIdentity {
  pid: number;
  host: string;
  at: number;
  nonce: string;
  resource?: string;
  taskId?: string;
}

const HEARTBEAT_MS = 2_000;
export const ABANDONED_AFTER_MS = 30_000;
const POLL_MS = 150;

export interface Claim {
  /** The owner that held the target while this process waited, if it had to wait. */
  waitedFor: ClaimOwner | undefined;
  release(): Promise<void>;
}

export interface ClaimOptions {
  resource: string;
  taskId?: string;
  /** Epoch ms after which waiting for another owner is given up. */
  deadline: number;
  signal?: AbortSignal;
  onWait?: (owner: ClaimOwner) => void;
}

function parseOwner(text: string): ClaimOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<ClaimOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.nonce === 'string') {
      return value as ClaimOwner;
    }
  } catch {
    // Killed between creating the file and writing it: judged by its age alone.
  }
  return undefined;
}

async function readClaim(path: string): Promise<{ text: string; owner?: ClaimOwner; mtimeMs: number } | undefined> {
  let handle;
  try {
    handle = await open(path, READ_NO_LINK);
    const info = await handle.stat();
    const text = await handle.readFile('utf8');
    return { text, owner: parseOwner(text), mtimeMs: info.mtimeMs };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    // A link or a folder planted under the claim's name is nobody's claim.
    if (errnoOf(error) === 'ELOOP' || errnoOf(error) === 'EISDIR') return { text: '', mtimeMs: 0 };
    throw error;
  } finally {
    await handle?.close();
  }
}

export function isAbandoned(owner: ClaimOwner | undefined, mtimeMs: number, now = Date.now()): boolean {
  if (now - mtimeMs > ABANDONED_AFTER_MS) return true;
  // A process that cannot be seen from here (another host or container) is judged by the heartbeat above alone.
  return owner !== undefined && liveness(owner) === 'dead';
}

/**
 * Removes an abandoned claim, guarded so that two waiters judging it together never remove a fresh one. True when
 * it is gone; false when another waiter is breaking it (the caller waits its turn like any waiter).
 */
async function breakClaim(path: string, seen: { text: string; mtimeMs: number }): Promise<boolean> {
  const breaker = `${path}.break`;
  try {
    await (await open(breaker, NEW_FILE, 0o644)).close();
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error;
    const info = await lstat(breaker).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > ABANDONED_AFTER_MS) await unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    const again = await readClaim(path);
    if (again && again.text === seen.text && again.mtimeMs === seen.mtimeMs) {
      try {
        await unlink(path);
      } catch (error) {
        if (errnoOf(error) === 'ENOENT') return true;
        // A folder (or anything else that will not go) in the claim's place: no veo can ever claim this target.
        throw new UsageError(`${path} is in the way and cannot be removed: ${errnoWords(error)}.`, {
          code: 'OUTPUT_NOT_WRITABLE',
          cause: error,
          hint: `Remove ${path}, or choose another path with -o.`,
        });
      }
    }
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

async function tryCreate(path: string, body: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, NEW_FILE, 0o644);
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(body);
  } catch (error) {
    await handle.close();
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return true;
}

export async function claimTarget(target: string, options: ClaimOptions): Promise<Claim> {
  const path = `${target}.claim`;
  const owner: ClaimOwner = {
    ...currentProcess(),
    at: Date.now(),
    nonce: randomBytes(8).toString('hex'),
    resource: options.resource,
    taskId: options.taskId,
  };
  const body = JSON.stringify(owner);
  let waitedFor: ClaimOwner | undefined;
  try {
    for (;;) {
      if (await tryCreate(path, body)) break;
      const seen = await readClaim(path);
      // Gone since (released, or broken now): try again at once. Still there: wait like anyone else.
      if (!seen || (isAbandoned(seen.owner, seen.mtimeMs) && (await breakClaim(path, seen)))) continue;
      if (!waitedFor && seen.owner) options.onWait?.(seen.owner);
      waitedFor = seen.owner ?? waitedFor;
      if (Date.now() >= options.deadline) {
        const who = seen.owner
          ? `another veo (pid ${seen.owner.pid}${seen.owner.host === owner.host ? '' : ` on ${seen.owner.host}`})`
          : 'another veo';
        throw new UsageError(`${who} is saving ${target}; this one gave up waiting for it.`, {
          code: 'OUTPUT_BUSY',
          taskId: options.taskId,
          hint: `Run the same command again once it is done, or remove ${path} if no veo is running.`,
        });
      }
      await sleep(POLL_MS, options.signal);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof InterruptedError) throw error;
    throw localFileError(error, path, options.taskId);
  }
  const stopHeartbeat = keepClaimFresh(path, HEARTBEAT_MS);
  return {
    waitedFor,
    async release() {
      stopHeartbeat();
      // Only our own: had ours been judged abandoned and broken, the file is someone else's now.
      const seen = await readClaim(path).catch(() => undefined);
      if (seen?.text === body) await unlink(path).catch(() => undefined);
    },
  };
}
