import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as z from 'zod/mini';
import '../../core/zod-english.js';
import type { Context } from '../../context.js';
import { FileExistsError, UsageError } from '../../core/errors.js';
import { localFileError } from '../../api/local-files.js';
import { replacePrivateFile } from '../../store/private-files.js';
import { readModelsCache } from '../../store/models-cache.js';
import { loadJournal } from '../../task/journal-record.js';
import { expandHome } from '../../task/output-target.js';
import { counted } from '../../ui/text-format.js';
import { VERSION } from '../../version.js';
import { parseOptions } from '../shared/option-schemas.js';
import { clipOf, type Clip, type ClipState } from './clips.js';
import { groupClips } from './groups.js';
import type { GalleryInput } from './index.js';
import { openPage } from './open-page.js';
import { GENERATOR, renderPage } from './page.js';
import { makePosters } from './posters.js';
import { batchSelection, selected, type Selection } from './select.js';
import { sinceStart } from '../shared/since.js';

const gallerySchema = z.object({
  dir: z.optional(z.string().check(z.minLength(1, { message: '--dir needs a folder' }))),
  batch: z.optional(z.string().check(z.minLength(1, { message: '--batch needs a file' }))),
  since: z.optional(z.string().check(z.minLength(1, { message: '--since needs a time, such as 1d' }))),
  output: z.optional(z.string().check(z.minLength(1, { message: '-o needs a path' }))),
  open: z._default(z.boolean(), false),
  force: z._default(z.boolean(), false),
});
type GalleryOptions = z.infer<typeof gallerySchema>;

async function selectionOf(ctx: Context, options: GalleryOptions, now: number): Promise<Selection> {
  const selection: Selection = {};
  if (options.dir) {
    const dir = resolve(expandHome(options.dir));
    selection.dir = await realpath(dir).catch(() => dir);
  }
  if (options.batch) selection.batch = await batchSelection(options.batch, ctx.signal);
  if (options.since) {
    const since = sinceStart(options.since, new Date(now), 'rolling');
    if (since !== undefined) selection.sinceMs = since;
  }
  return selection;
}

/** A page veo wrote may be rewritten; anything else at that path (a link, a file of the user's) needs --force. */
async function checkPageTarget(path: string, force: boolean): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    return;
  }
  if (info.isDirectory()) throw new UsageError(`${path} is a folder; -o takes the path of the page.`);
  if (force) return;
  if (info.isFile()) {
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0).finally(() => fh.close());
    if (head.subarray(0, bytesRead).includes(`<meta name="generator" content="${GENERATOR}`)) return;
  }
  throw new FileExistsError(path);
}

async function listPrices(ctx: Context): Promise<(model: string) => number | undefined> {
  const settings = await ctx.settings();
  const cache = await readModelsCache(settings.configDir, new URL(settings.baseUrl.value).origin).catch(
    () => undefined,
  );
  return (model) => cache?.models.find((m) => m.id === model)?.price ?? undefined;
}

async function collectClips(ctx: Context, options: GalleryOptions, now: number): Promise<Clip[]> {
  const selection = await selectionOf(ctx, options, now);
  const { entries, damaged } = await loadJournal(ctx);
  if (damaged.length > 0)
    ctx.out.warn(`${counted(damaged.length, 'damaged journal line')} skipped (see veo list).`, 'JOURNAL_DAMAGED');
  const price = await listPrices(ctx);
  const clips: Clip[] = [];
  for (const entry of entries) if (selected(entry, selection)) clips.push(await clipOf(entry, now, price));
  const posters = await makePosters(
    clips.flatMap((clip) => (clip.state === 'saved' && clip.path ? [clip.path] : [])),
    ctx.signal,
  );
  for (const clip of clips) {
    const poster = clip.path ? posters.get(clip.path) : undefined;
    if (poster && clip.state === 'saved') clip.poster = poster;
  }
  return clips;
}

function counts(clips: Clip[]): Record<ClipState, number> {
  const byState: Record<ClipState, number> = { saved: 0, missing: 0, unsaved: 0, expired: 0, running: 0, failed: 0 };
  for (const clip of clips) byState[clip.state] += 1;
  return byState;
}

export async function run(ctx: Context, input: GalleryInput): Promise<void> {
  const options = parseOptions(gallerySchema, input.options);
  const now = Date.now();
  const page = resolve(expandHome(options.output ?? join(options.dir ? expandHome(options.dir) : '.', 'gallery.html')));
  await checkPageTarget(page, options.force);
  const clips = await collectClips(ctx, options, now);
  const groups = groupClips(clips);
  // Resolved as the journal's saved paths are (not through links), so that the relative path between them is short.
  const pageDir = dirname(page);
  const html = renderPage({ groups, pageDir, now, version: VERSION });
  try {
    await replacePrivateFile(page, html, true);
  } catch (error) {
    throw localFileError(error, page);
  }
  const byState = counts(clips);
  let opened: boolean | undefined;
  if (options.open) {
    const outcome = await openPage(page);
    opened = 'opened' in outcome;
    if ('error' in outcome) ctx.out.warn(`Could not open the page (${outcome.error}); open ${page} in a browser.`);
  }
  if (ctx.out.json) {
    const posters = clips.filter((clip) => clip.poster).length;
    ctx.out.data({ path: page, clips: clips.length, groups: groups.length, ...byState, posters, opened });
    return;
  }
  const shown = Object.entries(byState).flatMap(([state, n]) => (n ? [`${n} ${state}`] : []));
  ctx.out.info(
    `gallery: ${counted(clips.length, 'clip')} of ${counted(groups.length, 'prompt')}${shown.length ? ` (${shown.join(', ')})` : ''}`,
  );
  ctx.out.result(page);
}
