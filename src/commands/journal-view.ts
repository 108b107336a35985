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

export function formatAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'now';
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  return `${Math.floor(hours / 24)}d`;
}

export function shorten(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
