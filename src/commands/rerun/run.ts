import { createInterface } from 'node:readline/promises';
import { lstat } from 'node:fs/promises';
import type { Context } from '../../context.js';
import { InterruptedError, UsageError } from '../../core/errors.js';
import { normaliseTaskId } from '../../core/ids.js';
import type { ClipFacts } from '../../task/clip-facts.js';
import { factsOfEntry, reportClip } from '../../task/clip-report.js';
import { lookUpModels, priceOf } from '../../task/model-catalog.js';
import { formatRubles } from '../../task/pricing.js';
import { createCommand, createOptionsSchema } from '../create/run.js';
import { DEFAULT_MODEL } from '../shared/flags.js';
import { parseOptions } from '../shared/option-schemas.js';
import type { RerunInput } from './index.js';
import { shellQuote } from '../../ui/shell-quote.js';

/** A person gets this long to answer; then the question counts as answered "no". */
const ANSWER_WAIT_MS = 10 * 60 * 1000;

/** The clip's facts: from the file when one is there by that name, else from the journal entry of that task id. */
async function factsOf(ctx: Context, source: string): Promise<ClipFacts> {
  const id = normaliseTaskId(source);
  const isFile = await lstat(source).then(
    () => true,
    () => false,
  );
  if (id && !isFile) {
    const entry = await (await ctx.journal()).get(id);
    if (!entry) {
      throw new UsageError(`The journal has no task ${id}.`, {
        code: 'TASK_NOT_IN_JOURNAL',
        hint: 'Give the saved clip instead: veo rerun <file>',
      });
    }
    return factsOfEntry(entry);
  }
  return (await reportClip(ctx, source)).clip;
}

function describe(facts: ClipFacts, model: string): string {
  const settings = [
    `model ${model}`,
    facts.ar ? `aspect ratio ${facts.ar}` : '',
    facts.image ? `image ${facts.image}` : '',
  ];
  return settings.filter(Boolean).join(', ');
}

/** Asks on the terminal; anything but y or yes is a no. */
async function confirmed(ctx: Context, question: string): Promise<boolean> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(ANSWER_WAIT_MS)]);
  try {
    const answer = await lines.question(question, { signal });
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch (error) {
    if (ctx.signal.aborted) throw new InterruptedError('Interrupted; nothing was sent.', { cause: error });
    return false;
  } finally {
    lines.close();
  }
}

async function askToPay(ctx: Context, facts: ClipFacts, model: string): Promise<void> {
  const client = await ctx.client();
  const { catalog } = await lookUpModels(ctx, client, [model]);
  const price = priceOf(catalog, model);
  const cost = price === undefined ? 'at a price veo does not know' : `for ${formatRubles(price)}`;
  process.stderr.write(`${ctx.out.show(`Prompt: ${facts.prompt ?? ''}`)}\n${ctx.out.show(describe(facts, model))}\n`);
  if (!(await confirmed(ctx, `Create a new clip ${cost}? [y/N] `))) {
    throw new UsageError('Not confirmed; nothing was sent.', { code: 'NOT_CONFIRMED' });
  }
}

export async function run(ctx: Context, input: RerunInput): Promise<void> {
  const { yes, ...given } = input.options;
  const facts = await factsOf(ctx, input.args.source);
  const prompt = facts.prompt;
  if (!prompt || prompt.trim() === '-') {
    throw new UsageError(`Nothing known of ${input.args.source} tells its prompt; nothing was sent.`, {
      code: 'NO_PROMPT',
      hint: '`veo inspect` shows what is known of a clip.',
    });
  }
  const model = facts.model ?? DEFAULT_MODEL;
  const options = parseOptions(createOptionsSchema(), {
    ...given,
    prompt,
    model,
    ...(facts.ar ? { ar: facts.ar } : {}),
    ...(facts.image ? { image: facts.image } : {}),
  });
  if (!options.dryRun && !yes) {
    const terminal = Boolean(process.stdin.isTTY && process.stderr.isTTY);
    if (!terminal || ctx.out.json) {
      throw new UsageError('veo rerun pays for a new clip: add --yes to confirm when not asked on a terminal.', {
        code: 'CONFIRMATION_NEEDED',
        hint: `Nothing was sent. To see the cost first: veo rerun ${shellQuote(input.args.source)} --dry-run`,
      });
    }
    await askToPay(ctx, facts, model);
  }
  await createCommand(ctx, options);
}
