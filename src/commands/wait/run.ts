import * as z from 'zod/mini';
import '../../core/zod-english.js';
import type { Context } from '../../context.js';
import { UsageError } from '../../core/errors.js';
import { shellQuote } from '../../ui/shell-quote.js';
import { refuseHooksWithoutFile } from '../shared/hooks-need-file.js';
import type { WaitInput } from './index.js';
import { embedWanted } from '../../task/clip-tags.js';
import { adoptUnconfirmed } from '../../task/adopt-unconfirmed.js';
import { finishTask, waitWithStatus } from '../../task/wait-and-save.js';
import { noteSaved, withOutcome } from '../../task/clip-outcome.js';
import type { ClipOutcome } from '../../task/run-events.js';
import { loadCatalog, priceOf } from '../../task/model-catalog.js';
import { parseOptions, parseTaskId, savingOptionsSchema } from '../shared/option-schemas.js';
import { destinationOf, outputArgument, planOutput } from '../../task/output-target.js';
import { valuesOfEntry } from '../../task/output-names.js';
import { writesInfoJson } from '../../task/run-settings.js';

const waitCommandSchema = savingOptionsSchema;
export type WaitCommandOptions = z.infer<ReturnType<typeof waitCommandSchema>>;

export async function waitCommand(ctx: Context, id: string, options: WaitCommandOptions): Promise<void> {
  if (options.output === undefined || !ctx.events.listening) return waitAndSave(ctx, id, options);
  return withOutcome(ctx, { id, status: 'failed' }, (outcome) => waitAndSave(ctx, id, options, outcome));
}

async function waitAndSave(
  ctx: Context,
  id: string,
  options: WaitCommandOptions,
  outcome?: ClipOutcome,
): Promise<void> {
  // The journal's values name a templated file; without -o nothing needs them (and a lookup reads the journal).
  const entry = options.output === undefined ? undefined : await (await ctx.journal()).get(id).catch(() => undefined);
  if (outcome && entry) {
    if (entry.prompt !== undefined) outcome.prompt = entry.prompt;
    // Paid when it was created: the journal says how much, else the cached model list (a wait asks the API nothing
    // more for it).
    outcome.price = entry.price ?? (entry.model ? priceOf(await loadCatalog(ctx, undefined), entry.model) : undefined);
  }
  const values = valuesOfEntry(id, entry);
  const target =
    options.output === undefined
      ? undefined
      : await planOutput(ctx, options.output, options.force, values, `veo wait ${id}`);
  const to = target && destinationOf(target, values);
  await adoptUnconfirmed(ctx, id, undefined, to?.kind === 'file' ? to.path : undefined);
  const status = await ctx.out.statusLine();
  const task = await waitWithStatus(ctx, id, options, status, {
    firstPollMs: 0,
    resume: `veo wait ${id}${to ? ` -o ${shellQuote(outputArgument(to))}` : ''}`,
  });
  const embed = to !== undefined && (await embedWanted(ctx, options.embedMetadata));
  const saved = await finishTask(ctx, task, to, {
    force: options.force,
    status,
    embed,
    infoJson: await writesInfoJson(ctx, options.writeInfoJson),
  });
  if (outcome && saved) noteSaved(outcome, saved, to);
}

export async function run(ctx: Context, input: WaitInput): Promise<void> {
  refuseHooksWithoutFile(ctx, input.options.output, input.options.all ? 'wait --all' : 'wait');
  if (input.options.all) {
    if (input.args.id !== undefined) {
      throw new UsageError('Give either a task id or --all, not both.', {
        hint: '`veo wait <id>` waits for one task; `veo wait --all` for every unfinished task of the journal.',
      });
    }
    const { waitAllCommand } = await import('./all.js');
    return waitAllCommand(ctx, input.options);
  }
  if (input.args.id === undefined) {
    throw new UsageError('Give the id of the task to wait for, or --all for every unfinished task of the journal.', {
      hint: '`veo list --pending` shows the tasks still running.',
    });
  }
  const id = parseTaskId(input.args.id);
  await waitCommand(ctx, id, parseOptions(waitCommandSchema(), input.options));
}
