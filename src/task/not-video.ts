import type { NotVideoResultError } from '../core/errors.js';
import type { Context } from '../context.js';
import { formatMs } from '../core/duration.js';
import { LINK_TTL_MS } from '../store/journal.js';
import { shellQuote } from '../ui/shell-quote.js';
import { recordSafely } from './journal-record.js';

/**
 * A finished task whose link holds an image or a sound: the result is paid for and the link is its only copy,
 * so the user is told where it is, until when, and how to fetch it. The journal marks the task failed with the
 * reason, so `veo sync` reports it once (the command that found it) and does not try it again on every run.
 */
export async function explainNotVideo(
  ctx: Context,
  error: NotVideoResultError,
  target: { id?: string; url: string },
): Promise<void> {
  const { id, url } = target;
  const entry = id ? await (await ctx.journal()).get(id).catch(() => undefined) : undefined;
  const expires = entry?.expiresAt ? Date.parse(entry.expiresAt) : undefined;
  const lives =
    expires === undefined || Number.isNaN(expires)
      ? `its link lives ${LINK_TTL_MS / 3_600_000} hours after the task finished`
      : expires > Date.now()
        ? `its link lives until ${new Date(expires).toISOString().slice(0, 16).replace('T', ' ')} UTC (${formatMs(expires - Date.now())} from now)`
        : 'its link may already have expired';
  const extension = /\/([a-z0-9]{1,8})$/.exec(error.contentType)?.[1] ?? 'bin';
  error.hint =
    `The model made ${error.contentType}, not a video, and veo saves only videos; ${lives}. ` +
    `Fetch it with: curl -o result.${extension} ${shellQuote(url)}`;
  if (id) await recordSafely(ctx, { id, status: 'failed', reason: `the result is not a video (${error.contentType})` });
}
