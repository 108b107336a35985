// The shapes the journal hands out and takes in: what one task, one create intent and one read of the journal are.
import type { DamagedRecord, IntentState, TaskFields } from './journal-format.js';
import type { ProcessIdentity } from '../core/process-identity.js';

export interface JournalEntry extends TaskFields {
  id: string;
  params?: { ar?: string; image?: string };
  /** Which item of `veo batch` created the task: its key and output folder (older journals: the file). */
  batch?: BatchTag;
  /** When the entry last changed (set by the journal; ignored in a patch). */
  updatedAt: string;
}

export interface BatchTag {
  key: string;
  dir?: string;
  file?: string;
  /** Variations of a prompt: its batch line, which variation of it (from 1), the choices that made it, and the prompt as written before its {a|b} groups were expanded. */
  line?: number;
  variant?: number;
  choices?: string[];
  template?: string;
}

export type JournalPatch = Partial<JournalEntry> & { id: string };

/** A create request about to leave, or that left without a known answer: it may have made a billed task. */
export interface CreateIntent {
  intent: string;
  state: IntentState;
  model?: string;
  prompt?: string;
  params?: { ar?: string; image?: string };
  batch?: Pick<BatchTag, 'key' | 'dir' | 'line' | 'variant' | 'choices' | 'template'>;
  owner?: ProcessIdentity;
  startedAt?: string;
  reason?: string;
  /** Where `create -o` was to save the video. */
  output?: string;
  /** The model's listed price when the create was sent, in rubles. */
  price?: number;
  updatedAt: string;
}

export type IntentUpdate = Partial<Omit<CreateIntent, 'updatedAt'>> & { intent: string };

export interface LoadedJournal {
  entries: JournalEntry[];
  damaged: DamagedRecord[];
  /** Create intents no task line completes and nobody settled as void or dismissed, oldest first. */
  intents: CreateIntent[];
}

export interface JournalOptions {
  /** Clock for updatedAt and doneAt, in ms since the epoch. */
  now?: () => number;
  /** Compact once the file is larger than this and twice its size after the last compaction (default 1 MiB). */
  compactAtBytes?: number;
  /** How long record() waits for another process's lock before it rejects (default 30 s). */
  lockTimeoutMs?: number;
  /** Applied to every string recorded, task or intent (nested ones too), so that no secret is ever written. */
  redact?: (text: string) => string;
}

/** What `veo list --limit` shows: the newest entries that pass a filter, without reading every line in full. */
export interface RecentEntries {
  /** Oldest first, like load(). */
  entries: JournalEntry[];
  /** How many tasks the journal holds in all. */
  total: number;
  /** From the summary: line and problem, with an empty text. */
  damaged: DamagedRecord[];
  /** Damaged lines beyond those listed (only the first ones are kept in the summary). */
  moreDamaged: number;
  /** Every open create intent, oldest first, as load() gives them. */
  intents: CreateIntent[];
}

/** What the reminders after each command need, from the summary alone. */
export interface Glance {
  /** Finished videos not saved whose link dies within the time asked, soonest first. */
  expiring: ExpiringVideo[];
  /** Open create intents, oldest first. */
  intents: CreateIntent[];
}

export interface ExpiringVideo {
  id: string;
  expiresAt: string;
}
