// Settings that change how clips are made and kept: read from the config store, overridden by flags.
import { UsageError } from '../core/errors.js';
import type { Context } from '../context.js';
import { embedWanted } from './clip-tags.js';

export const BOOLEAN_VALUES = ['true', 'false'];
/** How many clips variations or --repeat may make in one run without --yes. */
export const DEFAULT_MAX_ITEMS = 10;

export function parseMaxItems(value: string): number {
  const trimmed = value.trim();
  if (!/^\d{1,6}$/.test(trimmed) || Number(trimmed) < 1) {
    throw new UsageError(`max-items takes a whole number from 1, not "${value}".`);
  }
  return Number(trimmed);
}

/** --write-info-json, else the write-info-json setting. */
export async function writesInfoJson(ctx: Context, flag: boolean | undefined): Promise<boolean> {
  if (flag !== undefined) return flag;
  return (await ctx.settings()).config['write-info-json'] === 'true';
}

/** The max-items setting; a value that is not a number is refused, never taken as unlimited. */
export async function maxItems(ctx: Context): Promise<number> {
  const value = (await ctx.settings()).config['max-items'];
  return value === undefined ? DEFAULT_MAX_ITEMS : parseMaxItems(value);
}

/**
 * --embed-metadata and --write-info-json for a run of many clips, settled once when a first clip is to be saved: a
 * setting veo cannot use is warned about once, not once a clip.
 */
export function savingChoices(
  ctx: Context,
  embedFlag: boolean | undefined,
  infoJsonFlag: boolean | undefined,
): () => Promise<{ embed: boolean; infoJson: boolean }> {
  let settled: Promise<{ embed: boolean; infoJson: boolean }> | undefined;
  return () =>
    (settled ??= (async () => ({
      embed: await embedWanted(ctx, embedFlag),
      infoJson: await writesInfoJson(ctx, infoJsonFlag),
    }))());
}
