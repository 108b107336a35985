import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../api/errors.js';
import { parseVideoUrl } from '../api/origin.js';
import { TASK_ID_PATTERN } from '../api/schemas.js';
import { taskPhase } from '../api/status.js';
import type { Context } from '../context.js';
import { describeSaved, saveWithStatus, waitWithStatus } from './follow.js';
import { entryFromTask, recordSafely } from './journal-sync.js';
import { parseOptions, waitOptionsSchema } from './options.js';
import { defaultVideoPath, expandHome } from './paths.js';

const downloadSchema = z
  .object({ output: z.string().min(1).optional(), force: z.boolean().default(false) })
  .and(waitOptionsSchema);
export type DownloadCommandOptions = z.infer<typeof downloadSchema>;

/** A file name from a video URL, kept to a safe alphabet so that a URL can never steer the path elsewhere. */
export function fileNameFromUrl(url: URL): { id?: string; name: string } {
  const last = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  const id = /([0-9a-f]{24})/.exec(last)?.[1];
  if (id) return { id, name: `${id}.mp4` };
  const safe = last.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return { name: safe && safe.length <= 200 ? (/\.mp4$/i.test(safe) ? safe : `${safe}.mp4`) : 'video.mp4' };
}

export async function downloadCommand(ctx: Context, target: string, options: DownloadCommandOptions): Promise<void> {
  const settings = await ctx.settings();
  let id: string | undefined;
  let url: string;
  const status = await ctx.out.statusLine();
  if (TASK_ID_PATTERN.test(target)) {
    id = target;
    const client = await ctx.client();
    let task = await client.getTask(id, { signal: ctx.signal });
    await recordSafely(ctx, entryFromTask(task));
    if (taskPhase(task) !== 'done') {
      task = await waitWithStatus(ctx, id, options, status, {
        firstPollMs: options.interval,
        resume: `veo download ${id}${options.output ? ` -o ${options.output}` : ''}`,
      });
    }
    url = task.url ?? '';
  } else if (/^https?:\/\//i.test(target)) {
    url = parseVideoUrl(target).href;
    id = fileNameFromUrl(new URL(url)).id;
  } else {
    throw new UsageError(`"${target}" is neither a task id (24 lowercase hex characters) nor an http(s) URL.`, {
      code: 'INVALID_TASK_ID',
    });
  }
  let path: string;
  if (options.output === '-') path = '-';
  else if (options.output) path = resolve(expandHome(options.output));
  else if (id) path = await defaultVideoPath(ctx, id);
  else path = resolve(expandHome(settings.outputDir.value), fileNameFromUrl(new URL(url)).name);
  const saved = await saveWithStatus(
    ctx,
    { id, url, path, force: options.force },
    status,
    `veo download ${target}${options.output ? ` -o ${options.output}` : ''}`,
  );
  status.done(path === '-' ? undefined : describeSaved(saved));
  const summary = { id: id ?? null, url: saved.url, path: saved.path, bytes: saved.bytes, sha256: saved.sha256 };
  if (ctx.out.json) {
    if (path === '-') ctx.out.stderr(`${JSON.stringify(summary)}\n`);
    else ctx.out.data(summary);
  } else if (path !== '-') ctx.out.result(saved.path);
}

export async function run(ctx: Context, args: string[], raw: Record<string, unknown>): Promise<void> {
  await downloadCommand(ctx, args[0] ?? '', parseOptions(downloadSchema, raw));
}
