import type { ClipTags } from '../api/mp4-tags.js';
import type { Context } from '../context.js';
import { UsageError } from '../core/errors.js';
import type { JournalEntry } from '../store/journal.js';
import { VERSION } from '../version.js';

/**
 * What veo embeds in a saved clip: the prompt as title and description (players show the one, tools read the
 * other), and the settings as a JSON comment, in the field order `veo inspect` prints them.
 */
export function clipTagsOf(
  entry: Omit<Pick<JournalEntry, 'id' | 'prompt' | 'model' | 'params' | 'createdAt' | 'doneAt'>, 'id'> & {
    id: string | null;
  },
): ClipTags {
  const settings = {
    taskId: entry.id,
    model: entry.model ?? null,
    ar: entry.params?.ar ?? null,
    image: entry.params?.image ?? null,
    createdAt: entry.createdAt ?? null,
    doneAt: entry.doneAt ?? null,
    veo: VERSION,
  };
  const tags: ClipTags = { comment: JSON.stringify(settings) };
  if (entry.prompt !== undefined) {
    tags.title = entry.prompt;
    tags.description = entry.prompt;
  }
  return tags;
}

const YES = new Set(['true', 'yes', 'on', '1']);
const NO = new Set(['false', 'no', 'off', '0']);

/** The stored embed-metadata setting as a boolean; anything else is refused when it is set. */
export function parseEmbedSetting(value: string): boolean {
  const word = value.trim().toLowerCase();
  if (YES.has(word)) return true;
  if (NO.has(word)) return false;
  throw new UsageError(`embed-metadata must be true or false, not "${value}".`, { code: 'INVALID_SETTING' });
}

/** --embed-metadata / --no-embed-metadata, else the stored setting, else off. */
export async function embedWanted(ctx: Context, flag: boolean | undefined): Promise<boolean> {
  if (flag !== undefined) return flag;
  const stored = (await ctx.settings()).config['embed-metadata'];
  if (stored === undefined) return false;
  try {
    return parseEmbedSetting(stored);
  } catch {
    ctx.out.warn(`The stored embed-metadata setting "${stored}" is neither true nor false; tags are not embedded.`);
    return false;
  }
}
