// A create whose answer never came leaves an unconfirmed intent. Once the user finds the task in the dashboard and
// asks veo about it by id, the task is recognised as that create's when exactly one unconfirmed create could have
// made it: the id tells when the task was made (its first 8 hex digits are the creation time in seconds), and a
// model or prompt the service echoes must agree. The intent is then completed, so `veo list` and `veo batch` treat
// the task as any other, and a batch resumes that item instead of reporting it unconfirmed.
import { resolve } from 'node:path';
import type { Task } from '../api/schemas.js';
import { shellQuote } from '../ui/shell-quote.js';
import type { Context } from '../context.js';
import type { CreateIntent } from '../store/journal.js';
import { intentStartedMs, intentView, LONGEST_CREATE_MS } from './intent-state.js';
import { shorten } from '../ui/text-format.js';

/** The id's seconds are truncated, and clocks differ a little: a task may seem made just before its intent. */
const CLOCK_SLACK_MS = 5_000;

function couldHaveMade(intent: CreateIntent, id: string, task: Task | undefined): boolean {
  const madeMs = parseInt(id.slice(0, 8), 16) * 1000;
  const startedMs = intentStartedMs(intent);
  if (madeMs < startedMs - CLOCK_SLACK_MS || madeMs > startedMs + LONGEST_CREATE_MS) return false;
  if (task?.model && intent.model && task.model !== intent.model) return false;
  // The service may echo the prompt or leave it empty; only one it does echo can rule an intent out.
  if (typeof task?.prompt === 'string' && task.prompt !== '' && intent.prompt && task.prompt !== intent.prompt) {
    return false;
  }
  return true;
}

/** Completes the one unconfirmed create that could have made task `id`, if there is exactly one. Never fails. */
export async function adoptUnconfirmed(
  ctx: Context,
  id: string,
  task?: Task,
  /** Where this command itself saves the video: then no hint to save it, at most where it was meant to go. */
  savingTo?: string,
): Promise<void> {
  try {
    const journal = await ctx.journal();
    const { intents } = await journal.glance(0);
    const candidates = intents.filter((i) => intentView(i) === 'unconfirmed' && couldHaveMade(i, id, task));
    if (candidates.length === 0) return;
    // Read in full only now, which is rare: a task the journal knows is somebody's already.
    if (await journal.get(id)) return;
    const [intent] = candidates;
    if (candidates.length > 1 || !intent) {
      ctx.out.info(
        `Task ${id} could be the task of ${candidates.length} creates that never got an answer; it is not tied to any of them.`,
      );
      return;
    }
    await journal.record({
      id,
      intent: intent.intent,
      ...(intent.prompt === undefined ? {} : { prompt: intent.prompt }),
      ...(intent.model === undefined ? {} : { model: intent.model }),
      ...(intent.params === undefined ? {} : { params: intent.params }),
      ...(intent.batch === undefined ? {} : { batch: intent.batch }),
    });
    const what = intent.prompt ? ` ("${shorten(intent.prompt, 40)}")` : '';
    const save = !intent.output
      ? ''
      : savingTo === undefined
        ? ` Save it where it was meant to go: veo download ${id} -o ${shellQuote(intent.output)}`
        : resolve(savingTo) === resolve(intent.output)
          ? ''
          : ` It was meant to go to ${intent.output}; this command saves it to ${savingTo}.`;
    ctx.out.info(`Task ${id} is the task of the create${what} that never got its answer: recorded as such.${save}`);
  } catch (error) {
    ctx.out.trace(`could not check task ${id} against unconfirmed creates: ${(error as Error).message}`);
  }
}
