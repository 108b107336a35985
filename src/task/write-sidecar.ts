import type { DownloadResult } from '../api/download.js';
import type { Context } from '../context.js';
import type { JournalEntry } from '../store/journal.js';
import { errnoWords } from '../core/errno-words.js';
import { writeInfoJson } from './info-json.js';
import { loadCatalog, priceOf } from './model-catalog.js';

/**
 * Writes `<name>.info.json` beside a video just saved, from what the journal knew of its task before the save. The video is saved
 * and journaled whatever happens here, so a sidecar that cannot be written is a warning, not a failure.
 */
export async function writeSidecar(
  ctx: Context,
  id: string,
  saved: DownloadResult,
  entry: JournalEntry | undefined,
): Promise<void> {
  try {
    const catalog = await loadCatalog(ctx, undefined);
    const variation =
      entry?.batch?.choices !== undefined || entry?.batch?.variant !== undefined ? entry.batch : undefined;
    const path = await writeInfoJson(saved.path, {
      id,
      prompt: entry?.prompt ?? null,
      model: entry?.model ?? null,
      ar: entry?.params?.ar ?? null,
      image: entry?.params?.image ?? null,
      createdAt: entry?.createdAt ?? null,
      doneAt: entry?.doneAt ?? null,
      price: entry?.model ? (priceOf(catalog, entry.model) ?? null) : null,
      currency: 'RUB',
      sourceUrl: saved.url || entry?.url || null,
      sourceExpiresAt: entry?.expiresAt ?? null,
      // With tags embedded the file is not the bytes served: both are told.
      bytes: saved.embedding?.embedded ? saved.embedding.bytes : saved.bytes,
      sha256: saved.embedding?.embedded ? saved.embedding.sha256 : saved.sha256,
      sourceBytes: saved.bytes,
      sourceSha256: saved.sha256,
      variation: variation
        ? {
            line: variation.line ?? 1,
            variant: variation.variant ?? 1,
            template: variation.template ?? null,
            choices: variation.choices ?? [],
          }
        : null,
    });
    ctx.out.trace(`wrote ${path}`);
  } catch (error) {
    ctx.out.warn(
      `The video ${saved.path} is saved, but its .info.json could not be written: ${errnoWords(error)}.`,
      'INFO_JSON_NOT_WRITTEN',
    );
  }
}
