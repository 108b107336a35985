// The gallery's clips: every journaled task that passes the filters, with where its video stands now and what its
// sidecar adds. The journal is the source of truth for what was paid for; a sidecar only fills gaps.
import { stat } from 'node:fs/promises';
import type { JournalEntry } from '../../store/journal.js';
import { entryState } from '../../task/entry-state.js';
import { readSidecar, type ClipInfo } from '../../task/clip-sidecar.js';

/** `missing`: the journal says saved, but no file is at that path any more. */
export type ClipState = 'saved' | 'missing' | 'unsaved' | 'expired' | 'running' | 'failed';

export interface Clip {
  id: string;
  prompt: string;
  model?: string;
  ar?: string;
  image?: string;
  createdAt?: string;
  state: ClipState;
  /** The task's status as last seen (`done`, `processing`, ...). */
  status?: string;
  reason?: string;
  expiresAt?: string;
  /** The saved video, absolute. */
  path?: string;
  /** Rubles: what the sidecar says was paid, else the model's price in the cached list. */
  price?: number;
  priceSource?: 'sidecar' | 'list';
  /** Which batch the clip came from: its output folder (older journals: the batch file). */
  batch?: string;
  template?: string;
  choices?: string[];
  /** A data: URI of a JPEG frame, when ffmpeg made one. */
  poster?: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function stateOf(entry: JournalEntry, now: number, fileThere: boolean): ClipState {
  const state = entryState(entry, now);
  if (state === 'saved') return fileThere ? 'saved' : 'missing';
  return state;
}

// Fields a newer veo may record in the journal for a variation; read as the sidecar reads them.
function variationOf(entry: JournalEntry): Pick<ClipInfo, 'template' | 'choices'> {
  // Variations record them in the batch tag (see src/store/journal-types.ts); older notes at the top level.
  const fields = { ...entry, ...entry.batch } as JournalEntry & { template?: unknown; choices?: unknown };
  const template = typeof fields.template === 'string' ? fields.template : undefined;
  const choices =
    Array.isArray(fields.choices) && fields.choices.every((c) => typeof c === 'string')
      ? (fields.choices as string[])
      : undefined;
  return { ...(template ? { template } : {}), ...(choices ? { choices } : {}) };
}

export async function clipOf(entry: JournalEntry, now: number, listPrice: (model: string) => number | undefined) {
  const fileThere = entry.savedPath ? await isFile(entry.savedPath) : false;
  const info = fileThere && entry.savedPath ? await readSidecar(entry.savedPath) : undefined;
  // A sidecar that names another task is not this clip's: only its fields that cannot conflict are taken.
  const trusted = info && (info.id === undefined || info.id === entry.id) ? info : undefined;
  const model = entry.model ?? trusted?.model;
  const sidecarPrice = trusted?.price;
  const price = sidecarPrice ?? (model ? listPrice(model) : undefined);
  const variation = { ...trusted, ...variationOf(entry) };
  const clip: Clip = {
    id: entry.id,
    prompt: entry.prompt ?? trusted?.prompt ?? '',
    state: stateOf(entry, now, fileThere),
  };
  if (model) clip.model = model;
  const ar = entry.params?.ar ?? trusted?.ar;
  if (ar) clip.ar = ar;
  const image = entry.params?.image ?? trusted?.image;
  if (image) clip.image = image;
  const createdAt = entry.createdAt ?? trusted?.createdAt;
  if (createdAt) clip.createdAt = createdAt;
  if (entry.status) clip.status = entry.status;
  if (entry.reason) clip.reason = entry.reason;
  if (entry.expiresAt) clip.expiresAt = entry.expiresAt;
  if (entry.savedPath) clip.path = entry.savedPath;
  if (price !== undefined) {
    clip.price = price;
    clip.priceSource = sidecarPrice !== undefined ? 'sidecar' : 'list';
  }
  const batch = entry.batch?.dir ?? entry.batch?.file;
  if (batch) clip.batch = batch;
  if (variation.template) clip.template = variation.template;
  if (variation.choices) clip.choices = variation.choices;
  return clip;
}

/** When the clip was made, in ms: its createdAt, else the time in its id (a MongoDB ObjectId). */
export function clipMs(clip: Pick<Clip, 'id' | 'createdAt'>): number {
  const ms = clip.createdAt ? Date.parse(clip.createdAt) : Number.NaN;
  return Number.isNaN(ms) ? parseInt(clip.id.slice(0, 8), 16) * 1000 : ms;
}
