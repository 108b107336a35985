// One owner per batch item across processes. A claim is a small file in <config>/claims named after the item
// (its key and output folder), naming the process that works on it. Claims are taken and released under the
// journal's lock, so two runs can never both believe they own an item; a claim whose process is gone is taken
// over at once. A released claim stays behind as a marker: its time tells a run that prepared its plan earlier
// that another run has since worked on the item, and that the journal must be read again.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { keepClaimFresh } from '../core/claim-heartbeat.js';
import type { Journal } from './journal.js';
import { makePrivateDir, replacePrivateFile } from './private-files.js';
import { currentProcess, isCurrentProcess, liveness, type ProcessIdentity } from '../core/process-identity.js';

export const CLAIMS_DIR = 'claims';
/** A holder touches its claim this often, so that one whose process cannot be checked from here can be aged. */
export const CLAIM_HEARTBEAT_MS = 5_000;
/** A claim of a process that cannot be checked (another host or container) is stale once untouched this long. */
export const CLAIM_STALE_MS = 30_000;
/** Released claims are markers for runs started before their release; older ones are of no use to anyone. */
const RELEASED_KEPT_MS = 7 * 24 * 3600 * 1000;

interface ClaimFile {
  owner?: ProcessIdentity;
  /** When the claim was taken or released, in ms (by the writer's clock). */
  at?: number;
  released?: boolean;
}

export type ClaimAttempt =
  /** Ours now. `touched`: another run held it since `since`, so what the caller read before may be stale. */
  { taken: true; touched: boolean; release(): Promise<void> } | { taken: false; owner: ProcessIdentity };

function claimName(key: string, dir: string): string {
  return `${createHash('sha256').update(`${dir}\0${key}`).digest('hex').slice(0, 40)}.claim`;
}

async function readClaim(path: string): Promise<{ claim: ClaimFile; mtimeMs: number } | undefined> {
  try {
    // Never through a link: a claim is a plain file this tool wrote.
    const info = await lstat(path);
    if (!info.isFile()) return { claim: {}, mtimeMs: info.mtimeMs };
    const claim = JSON.parse(await readFile(path, 'utf8')) as ClaimFile;
    return { claim: typeof claim === 'object' && claim !== null ? claim : {}, mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable or torn: its writer died mid-write (claims are replaced by rename, so this is rare); not an owner.
    return { claim: {}, mtimeMs: 0 };
  }
}

async function writeClaim(path: string, claim: ClaimFile): Promise<void> {
  await replacePrivateFile(path, JSON.stringify(claim), false);
}

function isHeld(owner: ProcessIdentity, mtimeMs: number): boolean {
  const alive = liveness(owner);
  if (alive !== 'unknown') return alive === 'alive';
  // Touched every few seconds while held; a time far in the future (a clock stepped back) does not hold it either.
  return Math.abs(Date.now() - mtimeMs) <= CLAIM_STALE_MS;
}

/** Removes released claims nobody can still need, under the journal lock (a claim may be taken meanwhile). */
export async function pruneClaims(journal: Journal): Promise<void> {
  const folder = join(journal.dir, CLAIMS_DIR);
  const names = await readdir(folder).catch(() => [] as string[]);
  const cutoff = Date.now() - RELEASED_KEPT_MS;
  const old: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.claim')) continue;
    const info = await lstat(join(folder, name)).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) old.push(join(folder, name));
  }
  if (old.length === 0) return;
  await journal.exclusive(async () => {
    for (const path of old) {
      const seen = await readClaim(path);
      if (seen?.claim.released && seen.mtimeMs < cutoff) await unlink(path).catch(() => undefined);
    }
  });
}

/**
 * Tries to take the item. `since` is when the caller read the journal its plan is based on: a claim released
 * after that (or one taken over from a dead process) marks the plan stale for this item.
 */
export async function claimItem(journal: Journal, key: string, dir: string, since: number): Promise<ClaimAttempt> {
  const folder = join(journal.dir, CLAIMS_DIR);
  const path = join(folder, claimName(key, dir));
  const me = currentProcess();
  return journal.exclusive(async (): Promise<ClaimAttempt> => {
    await makePrivateDir(folder);
    const seen = await readClaim(path);
    const owner = seen?.claim.owner;
    if (seen && !seen.claim.released && owner && !isCurrentProcess(owner) && isHeld(owner, seen.mtimeMs)) {
      return { taken: false, owner };
    }
    const touched =
      seen !== undefined && (!seen.claim.released || seen.mtimeMs >= since - 1000 || (seen.claim.at ?? 0) >= since);
    await writeClaim(path, { owner: me, at: Date.now() });
    const stopHeartbeat = keepClaimFresh(path, CLAIM_HEARTBEAT_MS);
    return {
      taken: true,
      touched,
      release: async () => {
        stopHeartbeat();
        await journal
          .exclusive(async () => {
            const now = await readClaim(path);
            if (now?.claim.owner && isCurrentProcess(now.claim.owner) && !now.claim.released) {
              await writeClaim(path, { owner: me, at: Date.now(), released: true });
            }
          })
          .catch(() => undefined);
      },
    };
  });
}
