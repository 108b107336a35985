import * as z from 'zod/mini';
import '../../core/zod-english.js';
import { onFirstUse } from '../../core/first-use.js';
import { DEFAULT_MODEL } from '../shared/flags.js';
import { BalanceError, InterruptedError, isVeoError, UnconfirmedCreateError, UsageError } from '../../core/errors.js';
import type { CreateTaskInput } from '../../api/schemas.js';
import type { Context } from '../../context.js';
import { shellQuote } from '../../ui/shell-quote.js';
import type { CreateInput } from './index.js';
import { balanceIfAvailable, warnIfShort } from '../../task/pricing.js';
import { finishTask, waitWithStatus } from '../../task/wait-and-save.js';
import { isVeoModel, notVideoModelError, priceOf } from '../../task/model-catalog.js';
import { noteSaved, withOutcome } from '../../task/clip-outcome.js';
import type { ClipOutcome } from '../../task/run-events.js';
import {
  aspectRatioOption,
  httpUrl,
  maxCostOption,
  modelIdOption,
  parseOptions,
  repeatOption,
  waitOptionsSchema,
} from '../shared/option-schemas.js';
import { embedWanted } from '../../task/clip-tags.js';
import { expandPrompt } from '../../task/variations.js';
import { valuesOfEntry } from '../../task/output-names.js';
import type { TemplateValues } from '../../task/name-template.js';
import { writesInfoJson } from '../../task/run-settings.js';
import { repeatRefused, sameUnconfirmed } from './unconfirmed.js';
import { checkModel, dryRun, priceWithinCap } from './dry-run.js';
import { createPaidTask, recordAgain, type PaidTask } from '../../task/paid-create.js';
import { destinationOf, outputArgument, planOutput } from '../../task/output-target.js';
import { refuseHooksWithoutFile } from '../shared/hooks-need-file.js';
import { checkArgumentText, readTextSource } from '../shared/read-text.js';
import {
  checkPromptLength,
  isLongPrompt,
  PROMPT_WARN_CHARS,
  promptChars,
  warnLongPrompt,
} from '../shared/prompt-length.js';

export const createOptionsSchema = onFirstUse(() =>
  z.intersection(
    z.object({
      prompt: z.optional(z.string()),
      promptFile: z.optional(z.string()),
      ar: z.optional(aspectRatioOption('--ar')),
      image: z.optional(httpUrl('--image')),
      model: z._default(modelIdOption('--model'), DEFAULT_MODEL),
      wait: z._default(z.boolean(), false),
      output: z.optional(z.string().check(z.minLength(1))),
      anyModel: z._default(z.boolean(), false),
      force: z._default(z.boolean(), false),
      dryRun: z._default(z.boolean(), false),
      retryUnconfirmed: z._default(z.boolean(), false),
      embedMetadata: z.optional(z.boolean()),
      repeat: z.optional(repeatOption()),
      yes: z._default(z.boolean(), false),
      writeInfoJson: z.optional(z.boolean()),
      maxCost: z.optional(maxCostOption()),
    }),
    waitOptionsSchema(),
  ),
);
export type CreateOptions = z.infer<ReturnType<typeof createOptionsSchema>>;

/** One prompt: a file larger than this is surely not one. */
const MAX_PROMPT_BYTES = 1024 * 1024;

/** The prompt comes from exactly one place: the argument, `-` for stdin, or --prompt-file. */
async function readPrompt(options: CreateOptions, signal: AbortSignal): Promise<string> {
  if (options.prompt !== undefined && options.promptFile !== undefined && options.prompt !== '-') {
    throw new UsageError('Give the prompt either as an argument or with --prompt-file, not both.');
  }
  const source = options.promptFile ?? (options.prompt === '-' ? '-' : undefined);
  const text =
    source === undefined
      ? checkArgumentText(options.prompt ?? '', 'The prompt')
      : await readTextSource(source, { signal, maxBytes: MAX_PROMPT_BYTES });
  const prompt = text.replace(/^\uFEFF/, '').trim();
  if (!prompt) {
    const none = source === undefined && options.prompt === undefined;
    throw new UsageError(none ? 'No prompt was given.' : 'The prompt is empty.', {
      code: 'EMPTY_PROMPT',
      hint: 'Example: veo create "a red fox running through snow" --ar 16:9',
    });
  }
  return prompt;
}

export function buildCreateInput(
  prompt: string,
  options: Pick<CreateOptions, 'model' | 'ar' | 'image'>,
): CreateTaskInput {
  const input: CreateTaskInput = { model: options.model, prompt };
  if (options.image) input.images = [options.image];
  if (options.ar) input.ar = options.ar;
  return input;
}

async function readCheckedPrompt(ctx: Context, options: CreateOptions): Promise<string> {
  const prompt = await readPrompt(options, ctx.signal);
  checkPromptLength(prompt, 'The prompt');
  if (isLongPrompt(prompt)) {
    warnLongPrompt(
      ctx,
      `The prompt is ${promptChars(prompt)} characters long, more than ${PROMPT_WARN_CHARS}: check that it is the one meant (it is sent as it is).`,
    );
  }
  return prompt;
}

/** What a name template knows of the clip before it is created. */
function knownValues(input: CreateTaskInput): TemplateValues {
  return { prompt: input.prompt, model: input.model, ...(input.ar ? { ar: input.ar } : {}), created: new Date() };
}

export async function createCommand(ctx: Context, options: CreateOptions): Promise<void> {
  // Before the prompt is read and before any request: nothing about this create is worth asking the API.
  if (!options.anyModel && !isVeoModel(options.model)) throw notVideoModelError(options.model);
  const prompt = await readCheckedPrompt(ctx, options);
  const variations = expandPrompt(prompt);
  if (variations.length > 1 || (options.repeat ?? 1) > 1) {
    const { createVariations } = await import('./variations.js');
    return createVariations(ctx, prompt, options);
  }
  refuseHooksWithoutFile(ctx, options.output, ctx.command ?? 'create');
  const input = buildCreateInput(variations[0]?.prompt ?? prompt, options);
  if (options.dryRun) return dryRun(ctx, input, options.maxCost);
  if (options.output === undefined || !ctx.events.listening) return createOne(ctx, options, input);
  return withOutcome(ctx, { prompt: input.prompt, status: 'not created' }, (outcome) =>
    createOne(ctx, options, input, outcome),
  );
}

/** One clip: created, then (with --wait or -o) waited for and saved. */
async function createOne(
  ctx: Context,
  options: CreateOptions,
  input: CreateTaskInput,
  outcome?: ClipOutcome,
): Promise<void> {
  const client = await ctx.client();
  // Refuse before paying for a clip that could not be saved where asked.
  const known = knownValues(input);
  const target = options.output === undefined ? undefined : await planOutput(ctx, options.output, options.force, known);
  const catalog = await checkModel(ctx, client, input.model);
  const price = priceWithinCap(catalog, input.model, options.maxCost);
  if (outcome) outcome.price = price;
  const earlier = await sameUnconfirmed(ctx, input);
  if (earlier && !options.retryUnconfirmed) throw repeatRefused(earlier);
  const status = await ctx.out.statusLine({ spinnerOnly: !options.wait && target === undefined });
  status.update('creating task');
  const saveAs = target && target.kind !== 'stdout' ? options.output : undefined;
  let paid: PaidTask;
  try {
    paid = await createPaidTask(ctx, client, input, {
      ...(earlier ? { supersedes: earlier.intent } : {}),
      ...(saveAs ? { output: saveAs } : {}),
      ...(price !== undefined ? { price } : {}),
    });
  } catch (error) {
    status.clear();
    if (saveAs && isVeoError(error) && (error instanceof UnconfirmedCreateError || error.kind === 'interrupted')) {
      error.hint = `${error.hint ?? ''} Once you know its id: veo download <id> -o ${shellQuote(saveAs)}`.trim();
    }
    // Only now is the balance worth a request: asking before every create would slow down every create.
    if (error instanceof BalanceError) {
      warnIfShort(ctx, await balanceIfAvailable(ctx, client), priceOf(catalog, input.model), `a ${input.model} clip`);
    }
    throw error;
  }
  const { task } = paid;
  if (outcome) Object.assign(outcome, { id: task.id, paidNow: true });
  if (!options.wait && target === undefined) {
    await recordAgain(ctx, paid, input);
    status.clear();
    if (ctx.out.json) ctx.out.data(task);
    else ctx.out.result(task.id);
    // The id went to stdout, which a script may have swallowed: stderr says it too, with what picks the task up.
    if (ctx.signal.aborted) {
      throw new InterruptedError(`Interrupted; task ${task.id} was created and keeps running on the service.`, {
        taskId: task.id,
        hint: `Resume with: veo wait ${task.id}`,
      });
    }
    return;
  }
  // Through the status line: a plain log gets the line, a spinner is not garbled by a stray write.
  status.update(`task ${task.id} created`);
  // {date} and {time} are the task's creation as journaled, as `veo download` and `sync` would name it.
  const entry = target && (await (await ctx.journal()).get(task.id).catch(() => undefined));
  const to =
    target && destinationOf(target, { ...valuesOfEntry(task.id, entry), prompt: known.prompt, model: known.model });
  const resume = to ? `veo download ${task.id} -o ${shellQuote(outputArgument(to))}` : `veo wait ${task.id}`;
  try {
    const finished = await waitWithStatus(ctx, task.id, options, status, {
      createdAtMs: paid.createdAtMs,
      resume,
    });
    const saved = await finishTask(ctx, finished, to, {
      force: options.force,
      status,
      embed: to !== undefined && (await embedWanted(ctx, options.embedMetadata)),
      infoJson: await writesInfoJson(ctx, options.writeInfoJson),
    });
    if (outcome && saved) noteSaved(outcome, saved, to);
  } catch (error) {
    throw continuingTask(error, task.id, resume);
  } finally {
    await recordAgain(ctx, paid, input);
  }
}

/**
 * Once a task is paid for, running the same `veo create` again would pay for another: every hint after that point
 * names the command that continues this task instead.
 */
function continuingTask(error: unknown, id: string, resume: string): unknown {
  if (!isVeoError(error) || error.kind === 'generation') return error;
  error.taskId ??= id;
  if (error.hint?.includes(id)) return error;
  const advice: Record<string, string> = {
    DISK_FULL: 'Free some space, then continue this task (the download resumes from the .part file)',
    LINK_EXPIRED: 'The task is paid for: ask the service for its video again before creating a new one',
    FILE_EXISTS: 'Replace the file (or choose another -o) and continue this task',
    OUTPUT_NOT_WRITABLE: 'Choose a folder you can write to and continue this task there',
  };
  const first = advice[error.code] ?? (error.hint ? error.hint.replace(/\.$/, '') : 'Continue this task');
  const command = error.code === 'FILE_EXISTS' ? `${resume} --force` : resume;
  error.hint = `${first}: ${command} (it is paid for; running the same create again would pay for another).`;
  return error;
}

export async function run(ctx: Context, input: CreateInput): Promise<void> {
  const options = parseOptions(createOptionsSchema(), { ...input.options, prompt: input.args.prompt });
  await createCommand(ctx, options);
}
