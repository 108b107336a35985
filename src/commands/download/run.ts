import type { JournalEntry } from '../../store/journal.js';
import { stillSaved } from '../../store/saved-video.js';
import * as z from 'zod/mini';
import '../../core/zod-english.js';
import { FileExistsError, UsageError } from '../../core/errors.js';
import { parseVideoUrl } from '../../api/origin.js';
import { normaliseTaskId } from '../../core/ids.js';
import type { Context } from '../../context.js';
import { shellQuote } from '../../ui/shell-quote.js';
import { refuseHooksWithoutFile } from '../shared/hooks-need-file.js';
import type { DownloadInput } from './index.js';
import { embedWanted } from '../../task/clip-tags.js';
import { adoptUnconfirmed } from '../../task/adopt-unconfirmed.js';
import { describeSaved, saveWithStatus, waitWithStatus } from '../../task/wait-and-save.js';
import { parseOptions, savingOptionsSchema } from '../shared/option-schemas.js';
import { pathExists } from '../../api/local-files.js';
import { defaultNamePlan, destinationOf, planOutput, type Destination } from '../../task/output-target.js';
import { valuesOfEntry } from '../../task/output-names.js';
import { writesInfoJson } from '../../task/run-settings.js';

const downloadSchema = savingOptionsSchema;
export type DownloadCommandOptions = z.infer<ReturnType<typeof downloadSchema>>;

/** A file name from a video URL, kept to a safe alphabet so that a URL can never steer the path elsewhere. */
export function fileNameFromUrl(url: URL): { id?: string; name: string } {
  const raw = url.pathname.split('/').pop() ?? '';
  let last: string;
  try {
    last = decodeURIComponent(raw);
  } catch {
    // A malformed escape is only a name to sanitise, not a reason to fail the download.
    last = raw;
  }
  const id = /([0-9a-f]{24})/.exec(last)?.[1];
  if (id) return { id, name: `${id}.mp4` };
  const safe = last.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return { name: safe && safe.length <= 200 ? (/\.mp4$/i.test(safe) ? safe : `${safe}.mp4`) : 'video.mp4' };
}

/**
 * The journal already has this very file: downloading it again would only cost time. `known` is the entry just read;
 * after a collision the journal is read again, as another veo may have saved the file meanwhile.
 */
async function alreadySaved(
  ctx: Context,
  id: string,
  path: string,
  known?: JournalEntry,
): Promise<JournalEntry | undefined> {
  const entry = known ?? (await (await ctx.journal()).get(id).catch(() => undefined));
  return entry && entry.savedPath === path && (await stillSaved(entry)) ? entry : undefined;
}

export async function downloadCommand(ctx: Context, target: string, options: DownloadCommandOptions): Promise<void> {
  let url: string | undefined;
  let id = normaliseTaskId(target);
  if (id !== undefined) target = id;
  else if (/^https?:\/\//i.test(target)) {
    url = parseVideoUrl(target).href;
    id = fileNameFromUrl(new URL(url)).id;
  } else {
    throw new UsageError(`"${target}" is neither a task id (24 hex characters) nor an http(s) URL.`, {
      code: 'INVALID_TASK_ID',
    });
  }
  const name = id ? `${id}.mp4` : fileNameFromUrl(new URL(url ?? '')).name;
  // A URL without a task id has only its own file name; a task's video is named by the template.
  const entry = id ? await (await ctx.journal()).get(id).catch(() => undefined) : undefined;
  const values = id ? valuesOfEntry(id, entry) : name;
  const to: Destination = destinationOf(
    options.output
      ? await planOutput(ctx, options.output, true, undefined, `veo download ${shellQuote(target)}`)
      : { kind: 'names', plan: await defaultNamePlan(ctx) },
    values,
  );
  const resume = `veo download ${shellQuote(target)}${options.output ? ` -o ${shellQuote(options.output)}` : ''}`;
  const reportSaved = (path: string, saved: JournalEntry) => {
    ctx.out.info(`${path} is already saved (${resume} --force fetches it again).`);
    const summary = { id: id ?? null, url: saved.url ?? null, path, bytes: saved.bytes, sha256: saved.sha256 ?? null };
    if (ctx.out.json) ctx.out.data(summary);
    else ctx.out.result(path);
  };
  if (to.kind === 'file' && !options.force && (await pathExists(to.path))) {
    const saved = id && entry ? await alreadySaved(ctx, id, to.path, entry) : undefined;
    if (!saved) throw new FileExistsError(to.path, { taskId: id });
    reportSaved(to.path, saved);
    return;
  }
  if (id) await adoptUnconfirmed(ctx, id, undefined, to.kind === 'file' ? to.path : undefined);
  const status = await ctx.out.statusLine();
  if (id && !url) {
    // The first poll answers at once; a finished task goes straight to the download.
    const task = await waitWithStatus(ctx, id, options, status, { firstPollMs: 0, resume });
    url = task.url ?? '';
  }
  const embed = await embedWanted(ctx, options.embedMetadata);
  let saved;
  try {
    const infoJson = await writesInfoJson(ctx, options.writeInfoJson);
    const target = { id, url: url ?? '', to, force: options.force, embed, infoJson };
    saved = await saveWithStatus(ctx, target, status, resume);
  } catch (error) {
    // Another veo saved it between the check above and this one's turn: it recorded it before letting go.
    const path = to.kind === 'file' ? to.path : undefined;
    const meanwhile = error instanceof FileExistsError && id && path ? await alreadySaved(ctx, id, path) : undefined;
    if (!meanwhile || !path) throw error;
    reportSaved(path, meanwhile);
    return;
  }
  status.done(to.kind === 'stdout' ? undefined : describeSaved(saved));
  const summary = {
    id: id ?? null,
    url: saved.url,
    path: saved.path,
    bytes: saved.bytes,
    sha256: saved.sha256,
    ...(saved.embedding ? { metadata: saved.embedding } : {}),
  };
  if (ctx.out.json) {
    if (to.kind === 'stdout') ctx.out.stderr(`${JSON.stringify(summary)}\n`);
    else ctx.out.data(summary);
  } else if (to.kind === 'file') ctx.out.result(saved.path);
}

export async function run(ctx: Context, input: DownloadInput): Promise<void> {
  // Without -o the clip goes to its default file; only stdout leaves the hooks nothing to run on.
  if (input.options.output === '-') refuseHooksWithoutFile(ctx, '-', 'download');
  await downloadCommand(ctx, input.args.target, parseOptions(downloadSchema(), input.options));
}
