// What is known of one clip, from three places of different trust: the journal (veo's own record), the sidecar
// `<name>.info.json` (written by veo, but a file anyone can edit) and the tags inside the MP4 (which came with the
// file). Values from the file and the sidecar are taken only when they have the expected type.
import { infoFromJson } from './clip-sidecar.js';

export interface ClipFacts {
  taskId?: string;
  prompt?: string;
  model?: string;
  ar?: string;
  image?: string;
  createdAt?: string;
  doneAt?: string;
  price?: number;
  sourceUrl?: string;
  expiresAt?: string;
  veo?: string;
}

export const FACT_ORDER: (keyof ClipFacts)[] = [
  'taskId',
  'prompt',
  'model',
  'ar',
  'image',
  'createdAt',
  'doneAt',
  'price',
  'sourceUrl',
  'expiresAt',
  'veo',
];

function defined(facts: ClipFacts): ClipFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined)) as ClipFacts;
}

/**
 * Facts from a JSON object of unknown provenance, read as tolerantly as a sidecar: the sidecar itself, or the
 * settings comment veo embeds (which names veo's version `veo`).
 */
export function factsFromJson(json: unknown): ClipFacts {
  const info = infoFromJson(json);
  if (!info) return {};
  const veo = (json as Record<string, unknown>).veo;
  return defined({
    taskId: info.id,
    prompt: info.prompt,
    model: info.model,
    ar: info.ar,
    image: info.image,
    createdAt: info.createdAt,
    doneAt: info.doneAt,
    price: info.price,
    sourceUrl: info.url,
    expiresAt: info.expiresAt,
    veo: info.version ?? (typeof veo === 'string' ? veo : undefined),
  });
}

/** Earlier sources win: the caller lists them from the most trusted. */
export function mergeFacts(...sources: (ClipFacts | undefined)[]): ClipFacts {
  const merged: ClipFacts = {};
  for (const source of sources.toReversed()) Object.assign(merged, defined(source ?? {}));
  return merged;
}
