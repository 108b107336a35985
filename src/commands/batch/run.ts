import { counted } from '../../ui/text-format.js';
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import '../../core/zod-english.js';
import { onFirstUse } from '../../core/first-use.js';
import { concurrencyFlag, DEFAULT_MODEL, intervalFlag, timeoutFlag } from '../shared/flags.js';
import { UsageError } from '../../core/errors.js';
import type { Context } from '../../context.js';
import type { BatchInput } from './index.js';
import { createProgressBoard } from '../../ui/live-lines.js';
import { parseBatch, type BatchItem, type LineProblem } from './parse-file.js';
import { filesInTheWay, NOT_VIDEO, problemsError, refuseOverCap } from './refusals.js';
import { nameTemplateSetting, planNames } from '../../task/output-names.js';
import { maxItems, writesInfoJson } from '../../task/run-settings.js';
import { checkRunCaps, warnCoverage } from './cost.js';
import { printBatchPlan } from './dry-run.js';
import { intentsByKey, planOutputs, resumptionOf, tasksByKey, type PlannedItem, type PreparedBatch } from './plan.js';
import { reportBatch } from './report.js';
import { runItems, startFrom } from './run-items.js';
import { balanceIfAvailable } from '../../task/pricing.js';
import { isVeoModel, lookUpModels, priceOf } from '../../task/model-catalog.js';
import {
  aspectRatioOption,
  concurrencyOption,
  maxCostOption,
  modelIdOption,
  parseOptions,
  repeatOption,
  waitOptionsSchema,
} from '../shared/option-schemas.js';
import { loadJournal } from '../../task/journal-record.js';
import { pruneClaims } from '../../store/item-claims.js';
import { ensureJournalWritable } from '../../task/paid-create.js';
import { readTextSource } from '../shared/read-text.js';
import { isLongPrompt, PROMPT_WARN_CHARS, tooLongProblem, warnLongPrompt } from '../shared/prompt-length.js';
import { shellQuote } from '../../ui/shell-quote.js';
import { listenerFlags } from '../shared/listener-flags.js';
import { embedWanted } from '../../task/clip-tags.js';

const batchSchema = onFirstUse(() =>
  z.intersection(
    z.object({
      file: z.string().check(z.minLength(1, { message: 'give the batch file, or - for stdin' })),
      concurrency: concurrencyOption(),
      dir: z.optional(z.string().check(z.minLength(1))),
      template: z.optional(z.string().check(z.minLength(1))),
      model: z.optional(modelIdOption('--model')),
      ar: z.optional(aspectRatioOption('--ar')),
      anyModel: z._default(z.boolean(), false),
      force: z._default(z.boolean(), false),
      dryRun: z._default(z.boolean(), false),
      allowDuplicates: z._default(z.boolean(), false),
      retryUnconfirmed: z._default(z.boolean(), false),
      embedMetadata: z.optional(z.boolean()),
      repeat: z.optional(repeatOption()),
      yes: z._default(z.boolean(), false),
      writeInfoJson: z.optional(z.boolean()),
      ignoreBalance: z._default(z.boolean(), false),
      maxCost: z.optional(maxCostOption()),
    }),
    waitOptionsSchema(),
  ),
);
export type BatchOptions = z.infer<ReturnType<typeof batchSchema>>;

/**
 * The command that resumes this batch: every option that decides item keys, places or how the run goes, as it was
 * given (shell-quoted), so that the pasted hint continues the same batch the same way. Not --retry-unconfirmed (a
 * choice to risk paying twice, made again each time) nor --api-key (never shown).
 */
function resumeCommand(options: BatchOptions, given: BatchInput['options'], baseUrl: string | undefined): string {
  const parts = ['veo'];
  if (baseUrl) parts.push('--base-url', shellQuote(baseUrl));
  parts.push('batch', shellQuote(options.file));
  if (options.dir) parts.push('--dir', shellQuote(options.dir));
  if (options.model) parts.push('--model', shellQuote(options.model));
  if (options.anyModel) parts.push('--any-model');
  if (options.ar) parts.push('--ar', options.ar);
  if (given.concurrency !== undefined && given.concurrency !== concurrencyFlag.default)
    parts.push('--concurrency', shellQuote(given.concurrency));
  if (given.interval !== undefined && given.interval !== intervalFlag.default)
    parts.push('--interval', shellQuote(given.interval));
  if (given.timeout !== undefined && given.timeout !== timeoutFlag.default)
    parts.push('--timeout', shellQuote(given.timeout));
  if (options.repeat) parts.push('--repeat', String(options.repeat));
  if (options.maxCost !== undefined) parts.push('--max-cost', String(options.maxCost / 100));
  if (options.template) parts.push('--template', shellQuote(options.template));
  if (options.allowDuplicates) parts.push('--allow-duplicates');
  if (options.force) parts.push('--force');
  if (options.embedMetadata !== undefined)
    parts.push(options.embedMetadata ? '--embed-metadata' : '--no-embed-metadata');
  if (options.writeInfoJson) parts.push('--write-info-json');
  parts.push(...listenerFlags(given));
  const command = parts.join(' ');
  return options.file === '-' ? `${command} with the same input on stdin` : command;
}

/** Prompts too long to be prompts are bad lines; long ones are named in one warning and still sent. */
function checkPromptLengths(ctx: Context, planned: PlannedItem[], problems: LineProblem[]): void {
  const long: number[] = [];
  for (const item of planned) {
    const problem = tooLongProblem(item.prompt);
    if (problem) problems.push({ line: item.line, message: `the prompt ${problem}` });
    else if (isLongPrompt(item.prompt)) long.push(item.line);
  }
  if (long.length === 0) return;
  const lines = `${long.length === 1 ? 'Line' : 'Lines'} ${long.join(', ')}`;
  warnLongPrompt(
    ctx,
    `${lines}: prompt longer than ${PROMPT_WARN_CHARS} characters; check that the file is the one meant (sent as it is).`,
  );
}

/** Lines that ask for the same clip, to the same place: the later ones, each with the first line of its kind. */
function duplicatesOf(planned: PlannedItem[]): { item: PlannedItem; first: number }[] {
  const first = new Map<string, number>();
  const found: { item: PlannedItem; first: number }[] = [];
  for (const item of planned) {
    const clip = item.key.slice(0, item.key.lastIndexOf(':'));
    const line = first.get(clip);
    if (line === undefined) first.set(clip, item.line);
    else found.push({ item, first: line });
  }
  return found;
}

/** The items of a batch, from a file or from one prompt of `veo create`: what `prepare` checks and places. */
export interface BatchSource {
  items: BatchItem[];
  problems: LineProblem[];
  /** The file as the user named it, for messages. */
  label: string;
}

async function readSource(ctx: Context, options: BatchOptions): Promise<BatchSource> {
  const text = await readTextSource(options.file, { signal: ctx.signal });
  const parsed = parseBatch(text, {
    model: options.model ?? DEFAULT_MODEL,
    ...(options.ar ? { ar: options.ar } : {}),
    ...(options.repeat ? { repeat: options.repeat } : {}),
  });
  return { items: parsed.items, problems: parsed.problems, label: options.file === '-' ? 'stdin' : options.file };
}

/** Reads, checks and places every item, and finds what earlier runs did; refuses the whole file if any line is bad. */
async function prepare(ctx: Context, options: BatchOptions, source: BatchSource): Promise<PreparedBatch> {
  const settings = await ctx.settings();
  // The folder as the file system names it: a symlinked or relative --dir is the same folder, so the same items.
  // With fields in --dir, the folder is its part before the first field; the rest is part of each name.
  const names = planNames(
    options.dir ?? settings.outputDir.value,
    options.template ?? (await nameTemplateSetting(ctx)),
  );
  const dir = await realpath(names.root).catch(() => names.root);
  const { planned, problems } = planOutputs(source.items, { ...names, root: dir });
  problems.push(...source.problems);
  checkPromptLengths(ctx, planned, problems);
  const duplicates = duplicatesOf(planned);
  if (!options.allowDuplicates) {
    for (const { item, first } of duplicates) {
      problems.push({
        line: item.line,
        message: `asks for the same clip as line ${first} (--allow-duplicates makes one clip per line, each paid for)`,
      });
    }
  } else if (duplicates.length > 0) {
    const pairs = duplicates.map(({ item, first }) => `${item.line} (as ${first})`).join(', ');
    ctx.out.warn(
      `Lines ${pairs} repeat an earlier line: each makes a clip of its own, paid for separately.`,
      'DUPLICATE_LINES',
    );
  }
  // Without a key the lines are still checked, against the cached model list; only a real run needs the key.
  const client = settings.apiKey ? await ctx.client() : undefined;
  const models = [...new Set(planned.map((item) => item.model))];
  const { catalog, unknown } = await lookUpModels(ctx, client, models);
  for (const item of planned) {
    if (!options.anyModel && !isVeoModel(item.model)) {
      problems.push({ line: item.line, message: `model "${item.model}" ${NOT_VIDEO}` });
    } else if (unknown.includes(item.model)) {
      problems.push({ line: item.line, message: `unknown model "${item.model}"` });
    }
  }
  const file =
    options.file === '-' || source.label !== options.file
      ? 'stdin'
      : await realpath(options.file).catch(() => resolve(options.file));
  const since = Date.now();
  const { entries, damaged, intents } = await loadJournal(ctx);
  if (damaged.length > 0)
    ctx.out.warn(`${counted(damaged.length, 'damaged journal line')} skipped (see veo list).`, 'JOURNAL_DAMAGED');
  const byKey = tasksByKey(entries, dir, file);
  const intentOf = intentsByKey(intents, dir);
  const resumptions = await Promise.all(
    planned.map((item) => resumptionOf(byKey.get(item.key), intentOf.get(item.key))),
  );
  if (!options.force) problems.push(...(await filesInTheWay(planned, resumptions, options.retryUnconfirmed)));
  const { label } = source;
  if (problems.length > 0) throw problemsError(problems, label, catalog);
  if (planned.length === 0) {
    throw new UsageError(`${label} has no prompts: every line is blank or a # comment.`, { code: 'EMPTY_BATCH' });
  }
  if (!options.dryRun && !client) await ctx.client();
  return {
    planned,
    resumptions,
    catalog,
    client,
    file,
    dir,
    names: { ...names, root: dir },
    since,
    retryUnconfirmed: options.retryUnconfirmed,
    cap: await maxItems(ctx),
    ...(options.maxCost !== undefined ? { maxCost: options.maxCost } : {}),
  };
}

export async function batchCommand(
  ctx: Context,
  options: BatchOptions,
  given: BatchInput['options'],
  source?: BatchSource,
  resumeOf: (options: BatchOptions) => string = (o) => resumeCommand(o, given, ctx.globals.baseUrl),
): Promise<void> {
  const prepared = await prepare(ctx, options, source ?? (await readSource(ctx, options)));
  if (options.dryRun) return printBatchPlan(ctx, prepared);
  const { planned, resumptions, catalog, client, file, dir, since } = prepared;
  if (!client) throw new Error('a real batch run always has a client');
  // Every item's task is recorded before it is paid for: refuse the run now rather than item by item.
  await ensureJournalWritable(ctx);
  await pruneClaims(await ctx.journal()).catch(() => undefined);
  const tracked = planned.map((item, index) =>
    startFrom(item, resumptions[index] ?? { kind: 'new' }, options.retryUnconfirmed),
  );
  const fresh = tracked.filter((t) => t.result.status === 'not-created');
  const newItems = fresh.map((t) => t.item);
  if (!options.yes) refuseOverCap(newItems, prepared.cap);
  await checkRunCaps(ctx, options.maxCost, newItems, catalog);
  if (fresh.length > 0) {
    const prices = fresh.map((t) => priceOf(catalog, t.item.model));
    if (prices.some((price) => price !== undefined))
      warnCoverage(ctx, await balanceIfAvailable(ctx, client), prices, options.ignoreBalance);
  }
  const unconfirmed = tracked.filter((t) => t.result.status === 'unconfirmed');
  const skipped =
    tracked.length - tracked.filter((t) => t.result.status === 'pending').length - fresh.length - unconfirmed.length;
  if (skipped > 0)
    ctx.out.info(`${counted(skipped, 'item')} settled by an earlier run ${skipped === 1 ? 'is' : 'are'} skipped.`);
  if (unconfirmed.length > 0) {
    ctx.out.warn(
      `${counted(unconfirmed.length, 'item')} (${unconfirmed.length === 1 ? 'line' : 'lines'} ${unconfirmed.map((t) => t.item.line).join(', ')}) had a create sent whose answer never came: ${unconfirmed.length === 1 ? 'it may exist and be billed, so it is' : 'they may exist and be billed, so they are'} not created again. Check the GPTunnel dashboard; --retry-unconfirmed creates ${unconfirmed.length === 1 ? 'it' : 'them'} again.`,
    );
  }
  const resume = resumeOf(options);
  const board = createProgressBoard(ctx.out);
  try {
    await runItems(
      ctx,
      {
        client,
        journal: await ctx.journal(),
        board,
        file,
        dir,
        names: prepared.names,
        infoJson: await writesInfoJson(ctx, options.writeInfoJson),
        force: options.force,
        concurrency: options.concurrency,
        interval: options.interval,
        timeout: options.timeout,
        resume,
        since,
        retryUnconfirmed: options.retryUnconfirmed,
        embed: await embedWanted(ctx, options.embedMetadata),
        waitDeadline: Date.now() + options.timeout,
      },
      tracked,
    );
  } finally {
    board.stop();
  }
  reportBatch(ctx, tracked, resume, { priceOf: (model) => priceOf(catalog, model), fresh: new Set(fresh) });
}

export async function run(ctx: Context, input: BatchInput): Promise<void> {
  await batchCommand(ctx, parseOptions(batchSchema(), { ...input.options, file: input.args.file }), input.options);
}
