// models-cache.json remembers the model list (ids and prices) so that a create can check its model and a dry run
// can show a price without asking the API every time. It is a convenience: a missing, damaged or foreign cache
// reads as no cache, and the callers fall back to asking the API (or to "price unknown").
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../core/zod-english.js';
import { makePrivateDir, replacePrivateFile } from './private-files.js';

export const MODELS_CACHE_FILE = 'models-cache.json';

const cacheSchema = z.object({
  version: z.literal(1),
  /** The API origin the list came from: the simulator's models must never stand in for the real service's. */
  origin: z.string(),
  fetchedAt: z.number(),
  models: z.array(z.object({ id: z.string(), price: z.nullable(z.number()) })),
});

export type ModelsCache = z.infer<typeof cacheSchema>;
export type ModelPrice = ModelsCache['models'][number];

export function modelsCachePath(dir: string): string {
  return join(dir, MODELS_CACHE_FILE);
}

export async function readModelsCache(dir: string, origin: string): Promise<ModelsCache | undefined> {
  let text: string;
  try {
    text = await readFile(modelsCachePath(dir), 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = cacheSchema.safeParse(json);
  return parsed.success && parsed.data.origin === origin ? parsed.data : undefined;
}

/**
 * Written to a private temp file and renamed over, so a reader never sees half a list. `redact` is applied to the
 * text written: a model list that echoes a key must not keep it on disk.
 */
export async function writeModelsCache(
  dir: string,
  cache: ModelsCache,
  redact: (text: string) => string = (text) => text,
): Promise<void> {
  await makePrivateDir(dir);
  await replacePrivateFile(modelsCachePath(dir), `${redact(JSON.stringify(cache))}\n`, true);
}
