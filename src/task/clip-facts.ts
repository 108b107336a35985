// What is known of one clip, from three places of different trust: the journal (veo's own record), the sidecar
// `<name>.info.json` (written by veo, but a file anyone can edit) and the tags inside the MP4 (which came with the
// file). Values from the file and the sidecar are taken only when they have the expected type.

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

type Record_ = Record<string, unknown>;

function isRecord(value: unknown): value is Record_ {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first of `names` that holds a non-empty string (a short one: no field veo writes is longer than a prompt). */
function text(record: Record_, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = record[name];
    if (typeof value === 'string' && value !== '' && value.length <= 100_000) return value;
  }
  return undefined;
}

function amount(record: Record_, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = record[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

function defined(facts: ClipFacts): ClipFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined)) as ClipFacts;
}

/**
 * Facts from a JSON object of unknown provenance: the settings comment veo embeds, or a sidecar. Several spellings
 * are accepted for each field (camelCase, snake_case, the API's own names), nested `params` and `source` too.
 */
export function factsFromObject(value: unknown): ClipFacts {
  if (!isRecord(value)) return {};
  const params = isRecord(value.params) ? value.params : {};
  const source = isRecord(value.source) ? value.source : {};
  const images = Array.isArray(value.images) ? value.images : [];
  const veo = value.veo;
  return defined({
    taskId: text(value, 'taskId', 'task_id', 'id'),
    prompt: text(value, 'prompt'),
    model: text(value, 'model'),
    ar: text(value, 'ar', 'aspectRatio', 'aspect_ratio') ?? text(params, 'ar'),
    image: text(value, 'image') ?? text(params, 'image') ?? (typeof images[0] === 'string' ? images[0] : undefined),
    createdAt: text(value, 'createdAt', 'created_at'),
    doneAt: text(value, 'doneAt', 'done_at'),
    price: amount(value, 'price', 'cost'),
    sourceUrl: text(value, 'sourceUrl', 'source_url', 'url') ?? text(source, 'url'),
    expiresAt: text(value, 'expiresAt', 'expires_at') ?? text(source, 'expiresAt', 'expires_at'),
    veo:
      typeof veo === 'string'
        ? veo
        : (text(value, 'veoVersion', 'veo_version') ?? (isRecord(veo) ? text(veo, 'version') : undefined)),
  });
}

/** Earlier sources win: the caller lists them from the most trusted. */
export function mergeFacts(...sources: (ClipFacts | undefined)[]): ClipFacts {
  const merged: ClipFacts = {};
  for (const source of sources.toReversed()) Object.assign(merged, defined(source ?? {}));
  return merged;
}
