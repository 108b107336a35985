// The one way a task is paid for. The journal holds an intent before the request leaves the machine, so a create
// whose answer never arrives (a kill, a second Ctrl-C, a crash, an ambiguous network failure) stays visible as
// unconfirmed instead of being lost; the answer completes the intent with the task's id.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { VeoClient } from '../api/client.js';
import { InterruptedError, isVeoError, SpendingCapError, UnconfirmedCreateError, UsageError } from '../core/errors.js';
import type { CreateTaskInput, Task } from '../api/schemas.js';
import type { Context } from '../context.js';
import type { BatchTag, IntentUpdate, LoadedJournal } from '../store/journal.js';
import { currentProcess } from '../core/process-identity.js';
import { entryFromTask, recordCreated } from './journal-record.js';
import { loadCatalog, priceOf, type Catalog } from './model-catalog.js';
import { budgetsOf, checkBudgets } from './spending-caps.js';
import { kopecksOf, spendsOf } from './spent.js';

export interface PaidCreate {
  /** The batch item the task is for. */
  batch?: Pick<BatchTag, 'key' | 'dir' | 'line' | 'variant' | 'choices' | 'template'>;
  /** Appended to a warning about a journal write that failed after the create, e.g. "(line 3)". */
  context?: string;
  /** An unconfirmed intent this create replaces: dismissed once the new task is confirmed, not before. */
  supersedes?: string;
  /** Where the video is to be saved (`create -o`), kept with the intent for a task found later. */
  output?: string;
  /** The model's listed price in rubles, when the caller has the model list at hand (else read from its cache). */
  price?: number;
}

export interface PaidTask {
  task: Task;
  intent: string;
  /** Whether the journal has the id with its intent; if not, the caller records it again at its next write. */
  recorded: boolean;
  /** When the service answered the create, by the local clock: the task was made a moment before. */
  createdAtMs: number;
}

function journalUnwritable(error: unknown, where: string): UsageError {
  const why = error instanceof Error ? error.message : String(error);
  return new UsageError(
    `Nothing was sent: a task must be recorded in the journal before it is paid for, and the journal cannot be written (${why}).`,
    {
      code: 'JOURNAL_NOT_WRITABLE',
      hint: `Make ${where} writable (or point VEO_CONFIG_DIR at a folder that is), free some space if the disk is full, then run the same command again.`,
      cause: error,
    },
  );
}

/** A failure after which the service may still have made the task: anything but an answer that says it did not. */
function mayExist(error: unknown): boolean {
  if (error instanceof InterruptedError) return error.sent !== false;
  if (error instanceof UnconfirmedCreateError) return true;
  return !isVeoError(error) || error.kind === 'internal';
}

/** Fails before anything is paid for when the journal could not record the task. */
export async function ensureJournalWritable(ctx: Context): Promise<void> {
  const journal = await ctx.journal();
  try {
    await journal.checkWritable();
  } catch (error) {
    throw journalUnwritable(error, journal.path);
  }
}

/**
 * Writes the create's intent with the model's price: an answer that never comes still counts as spent at that
 * price. With a budget set, the intent is written only if the create fits, checked under the journal's lock so
 * that the intents of creates under way (here or in another process) are counted and none slips in between.
 */
async function writeIntent(
  ctx: Context,
  input: CreateTaskInput,
  options: PaidCreate,
): Promise<{ intent: string; price: number | undefined }> {
  const journal = await ctx.journal();
  const intent = randomBytes(8).toString('hex');
  const image = input.images?.[0];
  const budgets = await budgetsOf(ctx);
  let catalog: Catalog | undefined;
  const listed = async () => (catalog ??= await loadCatalog(ctx, undefined));
  const price = options.price ?? priceOf(await listed(), input.model);
  const record: IntentUpdate = {
    intent,
    state: 'sending',
    model: input.model,
    prompt: input.prompt,
    params: { ...(input.ar ? { ar: input.ar } : {}), ...(image ? { image } : {}) },
    ...(options.batch ? { batch: options.batch } : {}),
    ...(options.output ? { output: resolve(options.output) } : {}),
    owner: currentProcess(),
    startedAt: new Date().toISOString(),
    ...(price !== undefined ? { price } : {}),
  };
  try {
    if (budgets.length === 0) await journal.recordIntent(record);
    else {
      const models = await listed();
      const spends = (loaded: LoadedJournal) => spendsOf(loaded, (model) => priceOf(models, model));
      await journal.recordIntentIf(record, (loaded) =>
        checkBudgets(budgets, spends(loaded), input.model, kopecksOf(price)),
      );
    }
  } catch (error) {
    if (error instanceof SpendingCapError) throw error;
    throw journalUnwritable(error, journal.path);
  }
  return { intent, price };
}

/**
 * Creates a task with a write-ahead intent. Refuses (exit 2, nothing sent) when the intent cannot be written; a
 * failure that may hide a task leaves the intent unconfirmed and says so; the answer's id is journaled with it.
 */
export async function createPaidTask(
  ctx: Context,
  client: VeoClient,
  input: CreateTaskInput,
  options: PaidCreate = {},
): Promise<PaidTask> {
  if (ctx.signal.aborted)
    throw new InterruptedError('Interrupted before the create request was sent: nothing was created.');
  const journal = await ctx.journal();
  const { intent, price } = await writeIntent(ctx, input, options);
  // Counted until the id is journaled, not only until the answer: a signal in between must not lose it.
  ctx.creates.count++;
  let task: Task;
  try {
    task = await client.createTask(input, { signal: ctx.signal });
  } catch (error) {
    ctx.creates.count--;
    const unconfirmed = mayExist(error);
    const reason = error instanceof Error ? error.message : String(error);
    const settled = await journal.recordIntent({ intent, state: unconfirmed ? 'unconfirmed' : 'void', reason }).then(
      () => true,
      () => false,
    );
    if (error instanceof InterruptedError && unconfirmed) {
      throw new InterruptedError(
        `Interrupted while the create request was under way: a task may have been created (and billed). ${unconfirmedNote(settled)}`,
        { cause: error, hint: 'Check your GPTunnel dashboard before creating it again.' },
      );
    }
    if (error instanceof InterruptedError) {
      throw new InterruptedError('Interrupted before the create request was sent: nothing was created.', {
        cause: error,
        sent: false,
      });
    }
    if (unconfirmed && isVeoError(error)) error.message = `${error.message} ${unconfirmedNote(settled)}`;
    throw error;
  }
  // The answer's arrival: at most one trip after the service made the task (the id keeps only its second).
  const createdAtMs = Date.now();
  ctx.creates.received.add(task.id);
  let recorded: boolean;
  try {
    const tags = {
      intent,
      ...(options.batch ? { batch: options.batch } : {}),
      ...(price !== undefined && !answeredCost(task) ? { price, priceFrom: 'catalog' } : {}),
    };
    recorded = await recordCreated(ctx, task, input, tags, options.context);
    if (recorded && options.supersedes) {
      await journal.recordIntent({ intent: options.supersedes, state: 'dismissed' }).catch(() => undefined);
    }
  } finally {
    ctx.creates.received.delete(task.id);
    ctx.creates.count--;
  }
  // Paid and journaled: nothing a listener does may make this create look failed.
  await ctx.events
    .emit({
      type: 'created',
      id: task.id,
      model: input.model,
      prompt: input.prompt,
      ...(options.batch ? { line: options.batch.line } : {}),
    })
    .catch(() => undefined);
  return { task, intent, recorded, createdAtMs };
}

/**
 * Records again a task whose first journal write failed, with its intent and batch tag, so that the intent is
 * completed (and the item recognised) once the journal can be written. Quiet: the first failure was reported.
 */
export async function recordAgain(
  ctx: Context,
  paid: PaidTask,
  input: CreateTaskInput,
  options: Pick<PaidCreate, 'batch'> = {},
): Promise<void> {
  if (paid.recorded) return;
  const journal = await ctx.journal();
  await journal
    .record({
      ...entryFromTask(paid.task),
      model: input.model,
      prompt: input.prompt,
      intent: paid.intent,
      ...(options.batch ? { batch: options.batch } : {}),
    })
    .then(
      () => (paid.recorded = true),
      () => undefined,
    );
}

function answeredCost(task: Task): boolean {
  return entryFromTask(task).price !== undefined;
}

// Written before the request left, the intent is in the journal even when this last update failed.
function unconfirmedNote(recorded: boolean): string {
  return `It is recorded in the journal as unconfirmed${recorded ? '' : ' (as sending)'}: \`veo list\` shows it.`;
}
