import { UsageError } from '../../core/errors.js';
import { LINK_TTL_MS, type CreateIntent } from '../../store/journal.js';
import { intentStartedMs, intentView } from '../../task/intent-state.js';
import { formatAge } from '../../ui/text-format.js';
import type { CreateTaskInput } from '../../api/schemas.js';
import type { Context } from '../../context.js';

/** An unconfirmed create of the same clip in the last 48 hours: creating it again may pay for it twice. */
export async function sameUnconfirmed(ctx: Context, input: CreateTaskInput): Promise<CreateIntent | undefined> {
  try {
    const { intents } = await (await ctx.journal()).glance(0);
    const since = Date.now() - LINK_TTL_MS;
    const ar = input.ar ?? undefined;
    const image = input.images?.[0];
    return intents.findLast(
      (intent) =>
        intentView(intent) === 'unconfirmed' &&
        intentStartedMs(intent) > since &&
        intent.prompt === input.prompt &&
        intent.model === input.model &&
        intent.params?.ar === ar &&
        intent.params?.image === image,
    );
  } catch {
    // The create itself checks the journal can be written; a summary that cannot be read only loses this warning.
    return undefined;
  }
}

export function repeatRefused(earlier: CreateIntent): UsageError {
  const at = intentStartedMs(earlier);
  return new UsageError(
    `The same create (prompt, model and parameters) was sent ${formatAge(Date.now() - at)} ago and its answer never came: the task may exist and be billed. Nothing was sent.`,
    {
      code: 'UNCONFIRMED_REPEAT',
      hint: 'Look for it in the GPTunnel dashboard; `veo result <id>` ties a task you find to that create. If none was made, add --retry-unconfirmed to create it again.',
    },
  );
}
