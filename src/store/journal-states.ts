// From the merged per-id states that parsing yields to the entries and intents callers see, in the order they see them.
import type { IntentPatch, Patch } from './journal-format.js';
import type { CreateIntent, JournalEntry } from './journal-types.js';

export function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, redact)]));
  }
  return value;
}

/**
 * When a task was created. One without createdAt (first seen by `veo result`) goes by its id: a MongoDB ObjectId
 * whose first 8 hex digits are its creation time in seconds.
 */
export function createdMs(entry: JournalEntry): number {
  const ms = entry.createdAt === undefined ? Number.NaN : Date.parse(entry.createdAt);
  return Number.isNaN(ms) ? parseInt(entry.id.slice(0, 8), 16) * 1000 : ms;
}

export function openIntents(states: Map<string, Patch>, intents: Map<string, IntentPatch>): IntentPatch[] {
  if (intents.size === 0) return [];
  const confirmed = new Set<string>();
  for (const state of states.values()) if (state.intent !== undefined) confirmed.add(state.intent);
  return [...intents.values()].filter((i) => !confirmed.has(i.intent) && i.state !== 'void' && i.state !== 'dismissed');
}

export function toIntent(state: IntentPatch): CreateIntent {
  const { at, ...fields } = state;
  return { ...fields, state: fields.state ?? 'sending', updatedAt: new Date(at).toISOString() } as CreateIntent;
}

export function toEntry(state: Patch): JournalEntry {
  // In place: every state is an object of its own, and copying 100,000 of them is what a long journal cannot afford.
  const entry = state as unknown as JournalEntry & { at?: number };
  entry.updatedAt = new Date(state.at).toISOString();
  delete entry.at;
  return entry;
}

export function sortByCreation(entries: JournalEntry[]): JournalEntry[] {
  const keyed = entries.map((entry) => ({ entry, ms: createdMs(entry) }));
  keyed.sort((a, b) => a.ms - b.ms || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0));
  return keyed.map((k) => k.entry);
}
