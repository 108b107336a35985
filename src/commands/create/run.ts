import * as z from 'zod/mini';
import '../../core/zod-english.js';
import { onFirstUse } from '../../core/first-use.js';
import type { VeoClient } from '../../api/client.js';
import { DEFAULT_MODEL } from '../shared/flags.js';
import {
  BalanceError,
  InterruptedError,
  isVeoError,
  SpendingCapError,
  UnconfirmedCreateError,
  UsageError,
} from '../../core/errors.js';
import { enforceMaxCost, previewCaps } from '../../task/spending-caps.js';
import { toKopecks } from '../../task/spent.js';
import { maskApiKey } from '../../api/key.js';
import type { Balance, CreateTaskInput } from '../../api/schemas.js';
import type { Context } from '../../context.js';
import { shellQuote } from '../../ui/shell-quote.js';
import type { CreateInput } from './index.js';
import { balanceIfAvailable, describeBalance, formatRubles, spendable, warnIfShort } from '../../task/pricing.js';
import { finishTask, waitWithStatus } from '../../task/wait-and-save.js';
import {
  isVeoModel,
  lookUpModels,
  notVideoModelError,
  priceOf,
  unknownModelError,
  type Catalog,
} from '../../task/model-catalog.js';
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
import { createPaidTask, recordAgain, type PaidTask } from '../../task/paid-create.js';
import { destinationOf, outputArgument, planOutput } from '../../task/output-target.js';
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

/** The model's price, and an unknown model refused before anything is paid for (when the list can be had). */
async function checkModel(ctx: Context, client: VeoClient | undefined, model: string): Promise<Catalog> {
  const { catalog, unknown } = await lookUpModels(ctx, client, [model]);
  if (unknown.length > 0) throw unknownModelError(model, catalog);
  return catalog;
}

async function dryRun(ctx: Context, input: CreateTaskInput, maxCost: number | undefined): Promise<void> {
  const settings = await ctx.settings();
  // Without a key the dry run still works, from the cached model list alone.
  const client = settings.apiKey ? await ctx.client() : undefined;
  const [catalog, balance] = await Promise.all([checkModel(ctx, client, input.model), balanceIfAvailable(ctx, client)]);
  const price = priceOf(catalog, input.model);
  const url = new URL('/v1/media/create', settings.baseUrl.value).href;
  const authorization = settings.apiKey ? maskApiKey(settings.apiKey.value) : '(no key set)';
  const request = {
    method: 'POST',
    url,
    headers: { authorization, 'content-type': 'application/json' },
    body: input,
  };
  const short = balance !== undefined && price !== undefined && spendable(balance) < price;
  const caps = await previewCaps(
    ctx,
    maxCost,
    [{ model: input.model, kopecks: price === undefined ? undefined : toKopecks(price) }],
    (model) => priceOf(catalog, model),
  );
  if (ctx.out.json) {
    const cost = { model: input.model, price: price ?? null, currency: 'RUB', priceFrom: catalog.source };
    const covered = balance === undefined || price === undefined ? null : !short;
    const checks = caps.checks.map(({ said: _said, ...check }) => check);
    ctx.out.data({ dryRun: true, request, cost: { ...cost, balance: balance ?? null, covered }, caps: checks });
    if (short) throw dryRunShortError(input.model, price, balance);
    if (caps.error) throw dryRunCapError(caps.error);
    return;
  }
  ctx.out.result(`POST ${url}`);
  ctx.out.result(`authorization: ${authorization}`);
  ctx.out.result('content-type: application/json');
  ctx.out.result('');
  // Line by line: JSON escapes a newline inside a value, so each line break here is the layout's own.
  for (const line of JSON.stringify(input, null, 2).split('\n')) ctx.out.result(line);
  ctx.out.info('Dry run: nothing was sent.');
  const listed = catalog.fetchedAt ? `, model list of ${new Date(catalog.fetchedAt).toISOString().slice(0, 10)}` : '';
  ctx.out.info(
    price === undefined
      ? `price: unknown (${catalog.models ? 'the model list gives none' : 'the model list could not be read'})`
      : `price: ${formatRubles(price)} per clip (${input.model}${listed})`,
  );
  if (balance) ctx.out.info(`account: ${describeBalance(balance)}`);
  for (const check of caps.checks) ctx.out.info(check.said);
  if (short) throw dryRunShortError(input.model, price, balance);
  if (caps.error) throw dryRunCapError(caps.error);
}

/** A dry run that meets a cap fails as the real run would (exit 9); the request was still printed. */
function dryRunCapError(error: SpendingCapError): SpendingCapError {
  error.message = `Dry run: ${error.message}`;
  return error;
}

/**
 * A dry run that finds the account short fails as the real create would (exit 4), so a script can check before it
 * pays; the request was still printed.
 */
function dryRunShortError(model: string, price: number, balance: Balance): BalanceError {
  return new BalanceError(
    `Dry run: the account cannot cover a ${model} clip (${formatRubles(price)}): ${describeBalance(balance)}. Nothing was sent; a real create would be refused with "insufficient balance".`,
  );
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
  const input = buildCreateInput(variations[0]?.prompt ?? prompt, options);
  if (options.dryRun) {
    await dryRun(ctx, input, options.maxCost);
    return;
  }
  const client = await ctx.client();
  // Refuse before paying for a clip that could not be saved where asked.
  const known = knownValues(input);
  const target = options.output === undefined ? undefined : await planOutput(ctx, options.output, options.force, known);
  const catalog = await checkModel(ctx, client, input.model);
  const price = priceOf(catalog, input.model);
  enforceMaxCost(options.maxCost, [
    { model: input.model, kopecks: price === undefined ? undefined : toKopecks(price) },
  ]);
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
    await finishTask(ctx, finished, to, {
      force: options.force,
      status,
      embed: to !== undefined && (await embedWanted(ctx, options.embedMetadata)),
      infoJson: await writesInfoJson(ctx, options.writeInfoJson),
    });
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
