import type { VeoClient } from '../api/client.js';
import { isVeoError, type ErrorKind, type VeoError } from '../api/errors.js';
import type { Context } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { Journal } from '../store/journal.js';
import type { ProgressBoard } from '../ui/live-lines.js';
import type { Resumption, PlannedItem } from './batch-plan.js';
import { buildCreateInput } from './create.js';
import { saveWithStatus, waitWithStatus } from './follow.js';
import { recordCreated } from './journal-sync.js';
import { shorten } from './journal-view.js';
import type { WaitTiming } from './options.js';
import { defaultVideoPath } from './paths.js';
import { runPool } from './pool.js';

export type ItemStatus = 'saved' | 'already-saved' | 'failed' | 'pending' | 'not-created';

/** One item of the `--json` array. */
export interface ItemResult {
  line: number;
  prompt: string;
  id: string | null;
  status: ItemStatus;
  path?: string;
  error?: { code: string; message: string; exitCode: number };
}

export interface Tracked {
  item: PlannedItem;
  result: ItemResult;
  /** Set for every item that counts against the exit code. */
  kind?: ErrorKind;
  /** Failed in an earlier run and not created again. */
  earlier?: boolean;
}

export interface RunSettings extends WaitTiming {
  client: VeoClient;
  journal: Journal;
  board: ProgressBoard;
  /** The batch tag's file: an absolute path, or 'stdin'. */
  file: string;
  dir: string;
  force: boolean;
  concurrency: number;
  /** The command that picks the batch up again, for hints. */
  resume: string;
}

function fail(tracked: Tracked, kind: ErrorKind, code: string, message: string): void {
  tracked.kind = kind;
  tracked.result.status = 'failed';
  tracked.result.error = { code, message, exitCode: EXIT_CODES[kind] };
}

/** The starting point of an item: what an earlier run of the same file already did for it. */
export function startFrom(item: PlannedItem, resumption: Resumption): Tracked {
  const result: ItemResult = { line: item.line, prompt: item.prompt, id: null, status: 'not-created' };
  const tracked: Tracked = { item, result };
  if (resumption.kind === 'new') return tracked;
  result.id = resumption.entry.id;
  result.status = 'pending';
  if (resumption.kind === 'saved') {
    result.status = 'already-saved';
    result.path = resumption.entry.savedPath;
  } else if (resumption.kind === 'failed') {
    tracked.earlier = true;
    const reason = resumption.entry.reason ? `: ${resumption.entry.reason}` : '';
    fail(tracked, 'generation', 'GENERATION_FAILED', `the task failed in an earlier run${reason}`);
  } else if (resumption.kind === 'expired') {
    fail(tracked, 'expired', 'LINK_EXPIRED', 'the video link expired before the video was saved');
  }
  return tracked;
}

/** Creates the item's task and records it, batch tag included, in one journal write before anything else happens. */
async function create(ctx: Context, run: RunSettings, item: PlannedItem): Promise<string> {
  const input = buildCreateInput(item.prompt, item);
  // The client holds a Ctrl-C back from a create already on its way, so its id still reaches the journal.
  const task = await run.client.createTask(input, { signal: ctx.signal });
  await recordCreated(
    ctx,
    task,
    input,
    { batch: { file: run.file, key: item.key } },
    ` (line ${item.line}; a re-run would create it again)`,
  );
  return task.id;
}

async function runItem(
  ctx: Context,
  run: RunSettings,
  tracked: Tracked,
  total: number,
  state: RunState,
): Promise<void> {
  const { item, result } = tracked;
  const prefix = `[${item.index}/${total}]`;
  if (!result.id && state.cause) {
    fail(tracked, state.cause.kind, 'NOT_CREATED', `not created after an earlier item failed: ${state.cause.message}`);
    return;
  }
  const line = run.board.line(prefix, shorten(item.prompt, 40));
  try {
    let id = result.id;
    if (id) {
      run.board.event(`${prefix} resuming ${id}`);
    } else {
      line.update('creating task');
      state.creating++;
      try {
        id = await create(ctx, run, item);
      } finally {
        state.creating--;
      }
      result.id = id;
      result.status = 'pending';
      run.board.event(`${prefix} created ${id}`);
      if (ctx.signal.aborted) return;
    }
    const finished = await waitWithStatus(ctx, id, run, line, {
      firstPollMs: Math.min(3000, run.interval),
      resume: run.resume,
    });
    run.board.event(`${prefix} done`);
    const path = item.target ?? (await defaultVideoPath(ctx, id, run.dir));
    const saved = await saveWithStatus(ctx, { id, url: finished.url ?? '', path, force: run.force }, line, run.resume);
    result.status = 'saved';
    result.path = saved.path;
    line.clear();
    run.board.event(`${prefix} saved ${saved.path}`, true);
  } catch (error) {
    const kind = isVeoError(error) ? error.kind : 'internal';
    if (kind === 'interrupted' && ctx.signal.aborted) return;
    const message = error instanceof Error ? error.message : String(error);
    fail(tracked, kind, isVeoError(error) ? error.code : 'INTERNAL', message);
    // Without a key or a balance every further create would fail the same way (and a busy service needs a rest).
    if (!result.id && (kind === 'auth' || kind === 'account')) state.cause ??= error as VeoError;
    line.clear();
    run.board.event(`${prefix} failed: ${message}`, true);
  } finally {
    line.clear();
  }
}

interface RunState {
  /** An account-wide failure after which no more tasks are created. */
  cause: VeoError | undefined;
  /** Create requests under way. */
  creating: number;
}

/** Works through the items that need work, at most `concurrency` at a time, until done or interrupted. */
export async function runItems(ctx: Context, run: RunSettings, tracked: Tracked[]): Promise<void> {
  const todo = tracked.filter((t) => t.result.status === 'pending' || t.result.status === 'not-created');
  const state: RunState = { cause: undefined, creating: 0 };
  const onAbort = () => {
    const waiting = state.creating
      ? `; waiting for ${state.creating} create request(s) already sent, to record their tasks`
      : '';
    run.board.event(`Stopping: no new item is started${waiting} (Ctrl-C again to quit at once).`, true);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await runPool(
      todo,
      run.concurrency,
      (t) => runItem(ctx, run, t, tracked.length, state),
      () => ctx.signal.aborted,
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
