import type { VeoClient } from '../api/client.js';
import { InterruptedError, UsageError } from '../core/errors.js';
import type { Model } from '../api/schemas.js';
import type { Context } from '../context.js';
import { readModelsCache, writeModelsCache, type ModelPrice } from '../store/models-cache.js';

/** Prices change rarely; a list younger than this is trusted without asking the API again. */
export const CATALOG_MAX_AGE_MS = 24 * 3600 * 1000;
/** A lookup has a fallback, so it gets one short attempt instead of the full retry schedule of a real call. */
export const LOOKUP_TIMEOUT_MS = 10_000;

export const VEO_PREFIX = 'glabs-veo-';

/**
 * The model list says nothing of what a model makes (its entries hold an id, prices and a moderation level): the
 * Veo family, known by its ids, is what veo knows to make video.
 */
export function isVeoModel(id: string): boolean {
  return id.startsWith(VEO_PREFIX);
}

/**
 * A model not known to make video would be paid for and then fail the video check: refused before anything is
 * sent, unless the user insists (--any-model).
 */
export function notVideoModelError(id: string): UsageError {
  return new UsageError(
    `Model "${id}" is not known to make video (veo knows the Veo family, ${VEO_PREFIX}*); nothing was sent.`,
    {
      code: 'NOT_A_VIDEO_MODEL',
      hint: `Choose a Veo model (\`veo models\` lists them), or pass --any-model if "${id}" does make video.`,
    },
  );
}

export interface Catalog {
  models: ModelPrice[] | undefined;
  fetchedAt: number | undefined;
  /** Fetched within CATALOG_MAX_AGE_MS: recent enough to say that a model does not exist. */
  fresh: boolean;
  source: 'api' | 'cache' | 'none';
}

function isFresh(fetchedAt: number, now: number): boolean {
  // A date in the future (a clock that was wrong when the cache was written) is not trusted either.
  return now - fetchedAt < CATALOG_MAX_AGE_MS && fetchedAt <= now + 5 * 60_000;
}

export function pricesOf(models: Model[]): ModelPrice[] {
  return models.map((model) => ({ id: model.id, price: model.price ?? null }));
}

/** Remembers a list just fetched; a cache that cannot be written only costs a lookup next time. */
export async function rememberModels(ctx: Context, models: Model[]): Promise<void> {
  const settings = await ctx.settings();
  try {
    await writeModelsCache(
      settings.configDir,
      {
        version: 1,
        origin: new URL(settings.baseUrl.value).origin,
        fetchedAt: Date.now(),
        models: pricesOf(models),
      },
      (text) => ctx.out.redact(text),
    );
  } catch (error) {
    ctx.out.trace(`could not write the model cache: ${(error as Error).message}`);
  }
}

/**
 * The model list from the cache while it is fresh, else from the API (without a client: the cache, however old).
 * Never fails for want of a list: a refresh that fails falls back to the stale cache, or to no list at all.
 */
export async function loadCatalog(
  ctx: Context,
  client: VeoClient | undefined,
  options: { refresh?: boolean } = {},
): Promise<Catalog> {
  const settings = await ctx.settings();
  const cached = await readModelsCache(settings.configDir, new URL(settings.baseUrl.value).origin);
  const fromCache = (): Catalog =>
    cached
      ? {
          models: cached.models,
          fetchedAt: cached.fetchedAt,
          fresh: isFresh(cached.fetchedAt, Date.now()),
          source: 'cache',
        }
      : { models: undefined, fetchedAt: undefined, fresh: false, source: 'none' };
  if (!client || (cached && !options.refresh && isFresh(cached.fetchedAt, Date.now()))) return fromCache();
  try {
    const models = await client.listModels({ signal: ctx.signal, attempts: 1, timeoutMs: LOOKUP_TIMEOUT_MS });
    await rememberModels(ctx, models);
    return { models: pricesOf(models), fetchedAt: Date.now(), fresh: true, source: 'api' };
  } catch (error) {
    if (ctx.signal.aborted || error instanceof InterruptedError) throw error;
    ctx.out.trace(
      `could not read the model list (${(error as Error).message}); ${cached ? 'using the cached one' : 'prices unknown'}`,
    );
    return fromCache();
  }
}

export function priceOf(catalog: Catalog, id: string): number | undefined {
  return catalog.models?.find((model) => model.id === id)?.price ?? undefined;
}

function unknownIds(catalog: Catalog, ids: string[]): string[] {
  const models = catalog.models;
  // Only a recent list may refuse a model: one added since an old list was cached is still worth sending.
  if (!models || !catalog.fresh) return [];
  return [...new Set(ids)].filter((id) => !models.some((model) => model.id === id));
}

/**
 * Which of `ids` the model list says do not exist. A miss in a cached list is checked once more against the API,
 * since the model may be newer than the cache.
 */
export async function lookUpModels(
  ctx: Context,
  client: VeoClient | undefined,
  ids: string[],
): Promise<{ catalog: Catalog; unknown: string[] }> {
  let catalog = await loadCatalog(ctx, client);
  let unknown = unknownIds(catalog, ids);
  if (unknown.length > 0 && catalog.source === 'cache' && client) {
    catalog = await loadCatalog(ctx, client, { refresh: true });
    unknown = unknownIds(catalog, ids);
  }
  return { catalog, unknown };
}

export function unknownModelHint(catalog: Catalog): string {
  const veo = (catalog.models ?? []).filter((model) => isVeoModel(model.id)).map((model) => model.id);
  const listed = veo.length > 0 ? `Veo models: ${veo.join(', ')}. ` : '';
  return `${listed}\`veo models\` shows them with prices; \`veo models --all\` lists every model.`;
}

export function unknownModelError(id: string, catalog: Catalog): UsageError {
  return new UsageError(`Unknown model "${id}": the API's model list has no such id; nothing was sent.`, {
    code: 'UNKNOWN_MODEL',
    hint: unknownModelHint(catalog),
  });
}
