import { taskPhase } from '../api/status.js';
import type { JournalEntry } from '../store/journal.js';

export type EntryState = 'running' | 'failed' | 'saved' | 'unsaved' | 'expired';

/** Where a journaled task stands for the user: can it still be saved, and for how long? */
export function entryState(entry: JournalEntry, now = Date.now()): EntryState {
  const phase = taskPhase({ status: entry.status ?? 'idle', url: entry.url ?? null });
  if (entry.savedPath) return 'saved';
  if (entry.status === 'expired') return 'expired';
  if (phase === 'failed') return 'failed';
  if (phase === 'running') return 'running';
  if (entry.expiresAt && Date.parse(entry.expiresAt) <= now) return 'expired';
  return 'unsaved';
}

export function timeLeft(entry: JournalEntry, now = Date.now()): number | undefined {
  return entry.expiresAt ? Date.parse(entry.expiresAt) - now : undefined;
}
