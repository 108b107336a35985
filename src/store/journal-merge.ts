// How the lines of one task (or one create intent) merge into its state, in file order. Several processes append
// to one journal, so a late line may carry older news than the line before it; these rules keep such news from
// undoing what was already known.
import { LINK_TTL_MS, type IntentPatch, type Patch } from './journal-format.js';

// Statuses a poll reports while the task still runs, and those after which it never changes.
// A poll answered before another process saw the task finish may be appended after that
// process's 'done'; it must not send the task back to 'processing'.
export const RUNNING = new Set(['idle', 'processing']);
const FINISHED = new Set(['done', 'failed', 'error', 'cancelled', 'canceled']);

export function linkExpiry(doneAt: Date | string): string {
  const ms = new Date(doneAt).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${String(doneAt)}`);
  return new Date(ms + LINK_TTL_MS).toISOString();
}

/** Done with a link to download: the moment the 48 hours of that link start. */
export function hasLink(state: { status?: unknown; url?: unknown }): boolean {
  return state.status === 'done' && typeof state.url === 'string' && state.url !== '';
}

/**
 * Merges a patch into the state so far. doneAt is never written by a poll: it is the `at` of the first patch after
 * which the task is done with a link, or the earliest doneAt any patch states. So an append never has to read what
 * came before it, and two processes that both see the task finish agree on when it did.
 */
export function mergePatch(current: Patch | undefined, patch: Patch): Patch {
  // A task's first patch becomes its state as it is (load parses each line into an object of its own).
  if (current === undefined) return withDoneAt(patch, undefined, patch);
  const next: Record<string, unknown> = { ...current, id: patch.id, at: Math.max(current.at, patch.at) };
  for (const key in patch) {
    const value = patch[key];
    if (value === undefined || key === 'id' || key === 'at') continue;
    // The API answers url: null until the video exists; a late null must not erase the only link to a paid clip.
    if (key === 'url' && value === null && typeof next.url === 'string') continue;
    if (key === 'status' && RUNNING.has(String(value)) && FINISHED.has(String(next.status))) continue;
    if (
      key === 'doneAt' &&
      typeof current.doneAt === 'string' &&
      Date.parse(current.doneAt) <= Date.parse(String(value))
    )
      continue;
    next[key] = value;
  }
  return withDoneAt(next as Patch, current, patch);
}

// expiresAt always follows doneAt: kept when doneAt did not change, taken from the patch that set doneAt when
// that patch states it, computed otherwise.
function withDoneAt(merged: Patch, current: Patch | undefined, patch: Patch): Patch {
  if (merged.doneAt === undefined) {
    if (!hasLink(merged)) return merged;
    merged.doneAt = new Date(patch.at).toISOString();
    merged.expiresAt = linkExpiry(merged.doneAt);
  } else if (merged.doneAt === current?.doneAt) {
    merged.expiresAt = current.expiresAt ?? linkExpiry(merged.doneAt);
  } else if (merged.doneAt !== patch.doneAt || patch.expiresAt === undefined) {
    merged.expiresAt = linkExpiry(merged.doneAt);
  }
  return merged;
}

// A settled intent never goes back to `sending`: a late line from a slow writer must not revive it.
export function mergeIntent(current: IntentPatch | undefined, patch: IntentPatch): IntentPatch {
  const next: Record<string, unknown> = { ...current, intent: patch.intent, at: Math.max(current?.at ?? 0, patch.at) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === 'intent' || key === 'at') continue;
    if (key === 'state' && value === 'sending' && current?.state !== undefined) continue;
    next[key] = value;
  }
  return next as IntentPatch;
}
