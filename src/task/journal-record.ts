import { errnoCode, fileErrorText } from '../core/errno-words.js';
import type { CreateTaskInput, Task } from '../api/schemas.js';
import { plausibleCreatedAt } from '../api/task-answer.js';
import type { Context } from '../context.js';
import { UsageError } from '../core/errors.js';
import { JournalLinkError, type Journal, type JournalEntry, type LoadedJournal } from '../store/journal.js';

/**
 * The journal fields a task answer tells. It runs right after a paid create, so nothing in the answer may make it
 * throw: the creation time comes from the id unless created_at is a plausible Unix time, and a field of the wrong
 * type is left out.
 */
export function entryFromTask(task: Task): Partial<JournalEntry> & { id: string } {
  const createdSeconds = plausibleCreatedAt(task.created_at) ? task.created_at : parseInt(task.id.slice(0, 8), 16);
  const patch: Partial<JournalEntry> & { id: string } = {
    id: task.id,
    createdAt: new Date(createdSeconds * 1000).toISOString(),
  };
  if (typeof task.status === 'string') patch.status = task.status;
  if (typeof task.model === 'string' && task.model) patch.model = task.model;
  if (typeof task.url === 'string' && task.url) patch.url = task.url;
  // What the service says the task cost (seen on result answers of other models): the most faithful price.
  const cost = (task as Record<string, unknown>).cost;
  if (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) {
    patch.price = cost;
    patch.priceFrom = 'service';
  }
  const reason = (task as Record<string, unknown>).error;
  if (typeof reason === 'string' && reason) patch.reason = reason;
  return patch;
}

/**
 * A failed journal write must not cost the user the result they paid for: it is reported and the command goes on.
 * Returns whether the write succeeded.
 */
export async function recordSafely(ctx: Context, patch: Partial<JournalEntry> & { id: string }): Promise<boolean> {
  try {
    const journal = await ctx.journal();
    await journal.record(patch);
    return true;
  } catch (error) {
    // A journal that is a symbolic link is the user's to remove: the command fails with it (exit 2).
    if (error instanceof JournalLinkError) throw error;
    ctx.out.warn(`Could not update the task journal (${fileErrorText(error)}). Task id: ${patch.id}`);
    return false;
  }
}

/**
 * Records a task just created, with what was asked for: the only copy of a paid task's id besides the answer.
 * A failed write is reported with the id (and `context`), never silently dropped.
 */
export async function recordCreated(
  ctx: Context,
  task: Task,
  input: CreateTaskInput,
  extra: Partial<JournalEntry> = {},
  context = '',
): Promise<boolean> {
  const image = input.images?.[0];
  try {
    const journal = await ctx.journal();
    await journal.record({
      ...entryFromTask(task),
      model: input.model,
      prompt: input.prompt,
      params: { ...(input.ar ? { ar: input.ar } : {}), ...(image ? { image } : {}) },
      ...extra,
    });
    return true;
  } catch (error) {
    ctx.out.warn(
      `Task ${task.id}${context} could not be written to the journal (${fileErrorText(error)}); keep its id.`,
    );
    return false;
  }
}

/** The whole journal, or a usage error (exit 2) naming it when it cannot be read: a local problem, not a bug. */
export async function loadJournal(ctx: Context): Promise<LoadedJournal> {
  return readJournal(ctx, (journal) => journal.load());
}

/** Runs a read of the journal; one that fails is a usage error (exit 2) naming the journal. */
export async function readJournal<T>(ctx: Context, read: (journal: Journal) => Promise<T>): Promise<T> {
  const journal = await ctx.journal();
  try {
    return await read(journal);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      errnoCode(error) ? `Cannot read the journal: ${fileErrorText(error)}.` : (error as Error).message,
      {
        code: 'JOURNAL_UNREADABLE',
        hint: `Make ${journal.path} a readable file again (or point VEO_CONFIG_DIR at another folder).`,
        cause: error,
      },
    );
  }
}
