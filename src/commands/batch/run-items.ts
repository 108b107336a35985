import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { VeoClient } from '../../api/client.js';
import { FileExistsError, isVeoError, type ErrorKind, type VeoError } from '../../core/errors.js';
import { CREATE_ANSWER_GRACE_MS } from '../../api/safety.js';
import type { Context } from '../../context.js';
import { EXIT_CODES } from '../../core/exit-codes.js';
import { claimItem, type ClaimAttempt } from '../../store/item-claims.js';
import type { Journal, JournalEntry } from '../../store/journal.js';
import type { ProgressBoard } from '../../ui/live-lines.js';
import type { StatusLine } from '../../ui/status-line.js';
import { intentsByKey, resumptionOf, tasksByKey, type PlannedItem, type Resumption } from './plan.js';
import { buildCreateInput } from '../create/run.js';
import { saveWithStatus, waitWithStatus, type WaitTiming } from '../../task/wait-and-save.js';
import { shorten } from '../../ui/text-format.js';
import { createPaidTask, recordAgain, type PaidTask } from '../../task/paid-create.js';
import { defaultVideoPath } from '../../task/output-target.js';
import { runPool } from '../shared/pool.js';

export type ItemStatus =
  | 'saved'
  | 'already-saved'
  | 'failed'
  | 'pending'
  | 'not-created'
  /** A create was sent in an earlier run and never answered: not created again without --retry-unconfirmed. */
  | 'unconfirmed';

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
  /** The unconfirmed intent of an earlier run, to be dismissed when the item is created again. */
  unconfirmed?: string;
  /** A file an earlier run saved for this item that no longer matches what it journaled. */
  changedFile?: string;
  /** Another live veo was creating it when the plan was made: what it did is read again once the item is ours. */
  elsewhere?: boolean;
}

export interface RunSettings extends WaitTiming {
  client: VeoClient;
  journal: Journal;
  board: ProgressBoard;
  /** The batch file as an absolute path, or 'stdin': only to recognise entries of older versions. */
  file: string;
  dir: string;
  force: boolean;
  concurrency: number;
  /** The command that picks the batch up again, for hints. */
  resume: string;
  /** When the journal the plan was made from was read. */
  since: number;
  retryUnconfirmed: boolean;
  /** Items another veo holds are waited for until then (ms), for the whole run rather than item by item. */
  waitDeadline: number;
}

function fail(tracked: Tracked, kind: ErrorKind, code: string, message: string): void {
  tracked.kind = kind;
  tracked.result.status = 'failed';
  tracked.result.error = { code, message, exitCode: EXIT_CODES[kind] };
}

const UNCONFIRMED_MESSAGE =
  'a create was sent for it and its answer never came: a task may exist (and be billed). Check the GPTunnel dashboard; --retry-unconfirmed creates it again';

/** The starting point of an item: what an earlier run of the same batch already did for it. */
export function startFrom(item: PlannedItem, resumption: Resumption, retryUnconfirmed = false): Tracked {
  const result: ItemResult = { line: item.line, prompt: item.prompt, id: null, status: 'not-created' };
  const tracked: Tracked = { item, result };
  if (resumption.kind === 'new') return tracked;
  if (resumption.kind === 'elsewhere') {
    tracked.elsewhere = true;
    return tracked;
  }
  if (resumption.kind === 'unconfirmed') {
    if (retryUnconfirmed) tracked.unconfirmed = resumption.intent.intent;
    else {
      tracked.kind = 'network';
      result.status = 'unconfirmed';
      result.error = { code: 'CREATE_UNCONFIRMED', message: UNCONFIRMED_MESSAGE, exitCode: EXIT_CODES.network };
    }
    return tracked;
  }
  result.id = resumption.entry.id;
  result.status = 'pending';
  if (resumption.kind === 'resume' && resumption.entry.savedPath) tracked.changedFile = resumption.entry.savedPath;
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

/** Creates the item's task; the journal holds its intent before the request leaves, and its id once it answers. */
async function create(ctx: Context, run: RunSettings, tracked: Tracked): Promise<PaidTask> {
  const { item } = tracked;
  return createPaidTask(ctx, run.client, buildCreateInput(item.prompt, item), {
    batch: { key: item.key, dir: run.dir },
    context: ` (line ${item.line})`,
    ...(tracked.unconfirmed ? { supersedes: tracked.unconfirmed } : {}),
  });
}

/**
 * Takes the item for this process. While another live veo holds it, waits (within --timeout) for it to finish
 * there; undefined when the item was settled meanwhile or the wait gave up.
 */
async function claimOrWait(
  ctx: Context,
  run: RunSettings,
  tracked: Tracked,
  status: StatusLine,
  prefix: string,
): Promise<Extract<ClaimAttempt, { taken: true }> | undefined> {
  const deadline = run.waitDeadline;
  let announced: number | undefined;
  for (;;) {
    const attempt = await claimItem(run.journal, tracked.item.key, run.dir, run.since);
    if (attempt.taken) return attempt;
    const pid = attempt.owner.pid;
    if (announced !== pid) {
      announced = pid;
      run.board.event(`${prefix} in progress in another veo (pid ${pid}); waiting for it`);
    }
    status.update(`in progress in another veo (pid ${pid})`);
    if (ctx.signal.aborted) return undefined;
    if (Date.now() >= deadline) {
      fail(
        tracked,
        'timeout',
        'IN_PROGRESS_ELSEWHERE',
        `in progress in another veo (pid ${pid}); not finished within --timeout`,
      );
      return undefined;
    }
    await delay(CLAIM_POLL_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}

const CLAIM_POLL_MS = 250;

/** What the journal says of the item now: another run may have created, saved or failed it since the plan was made. */
async function refresh(run: RunSettings, tracked: Tracked): Promise<Tracked> {
  const { entries, intents } = await run.journal.load();
  const { key } = tracked.item;
  let resumption = await resumptionOf(
    tasksByKey(entries, run.dir, run.file).get(key),
    intentsByKey(intents, run.dir).get(key),
  );
  // The item is ours now, so no other process is still sending its create: what it left unanswered is unconfirmed.
  if (resumption.kind === 'elsewhere') resumption = { kind: 'unconfirmed', intent: resumption.intent };
  if (resumption.kind === 'saved' && !(await sameBytes(resumption.entry))) {
    return startFrom(tracked.item, { kind: 'resume', entry: resumption.entry });
  }
  return startFrom(tracked.item, resumption, run.retryUnconfirmed);
}

/** A file saved by another run is reported as saved only once its bytes match what that run journaled. */
async function sameBytes(entry: JournalEntry): Promise<boolean> {
  if (!entry.savedPath || !entry.sha256) return false;
  try {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(entry.savedPath)) hash.update(chunk as Buffer);
    return hash.digest('hex') === entry.sha256;
  } catch {
    return false;
  }
}

async function runItem(
  ctx: Context,
  run: RunSettings,
  tracked: Tracked,
  total: number,
  state: RunState,
): Promise<void> {
  const { item } = tracked;
  const prefix = `[${item.index}/${total}]`;
  if (!tracked.result.id && state.cause) {
    fail(tracked, state.cause.kind, 'NOT_CREATED', `not created after an earlier item failed: ${state.cause.message}`);
    return;
  }
  const line = run.board.line(prefix, shorten(item.prompt, 40));
  let claim: Extract<ClaimAttempt, { taken: true }> | undefined;
  let paid: PaidTask | undefined;
  try {
    claim = await claimOrWait(ctx, run, tracked, line, prefix);
    if (!claim) return;
    if (claim.touched || tracked.elsewhere) {
      const fresh = await refresh(run, tracked);
      Object.assign(tracked, fresh);
      if (fresh.result.status !== 'pending' && fresh.result.status !== 'not-created') {
        const said =
          fresh.result.status === 'already-saved' ? `saved by another veo: ${fresh.result.path}` : fresh.result.status;
        run.board.event(`${prefix} ${said}`, true);
        return;
      }
    }
    const { result } = tracked;
    let id = result.id;
    if (id) {
      run.board.event(`${prefix} resuming ${id}`);
    } else {
      line.update('creating task');
      paid = await create(ctx, run, tracked);
      id = paid.task.id;
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
    const saved = await saveWithStatus(
      ctx,
      { id, url: finished.url ?? '', to: { kind: 'file', path }, force: run.force },
      line,
      run.resume,
    );
    result.status = 'saved';
    result.path = saved.path;
    line.clear();
    run.board.event(`${prefix} saved ${saved.path}`, true);
  } catch (error) {
    const kind = isVeoError(error) ? error.kind : 'internal';
    if (kind === 'interrupted' && ctx.signal.aborted) return;
    const message =
      error instanceof FileExistsError && error.path === tracked.changedFile
        ? `${error.path} was saved by an earlier run but no longer holds the same bytes (its size changed); --force fetches the video again over it`
        : error instanceof Error
          ? error.message
          : String(error);
    fail(tracked, kind, isVeoError(error) ? error.code : 'INTERNAL', message);
    // Without a key or a balance every further create would fail the same way (and a busy service needs a rest).
    if (!tracked.result.id && (kind === 'auth' || kind === 'account')) state.cause ??= error as VeoError;
    line.clear();
    run.board.event(`${prefix} failed: ${message}`, true);
  } finally {
    line.clear();
    // Before the claim goes: whoever takes the item next must find its task by its tag.
    if (paid)
      await recordAgain(ctx, paid, buildCreateInput(item.prompt, item), { batch: { key: item.key, dir: run.dir } });
    await claim?.release();
  }
}

interface RunState {
  /** An account-wide failure after which no more tasks are created. */
  cause: VeoError | undefined;
}

/** Works through the items that need work, at most `concurrency` at a time, until done or interrupted. */
export async function runItems(ctx: Context, run: RunSettings, tracked: Tracked[]): Promise<void> {
  const todo = tracked.filter((t) => t.result.status === 'pending' || t.result.status === 'not-created');
  const state: RunState = { cause: undefined };
  ctx.creates.announcesOwnStop = true;
  const onAbort = () => {
    const waiting = ctx.creates.count
      ? `; waiting up to ${CREATE_ANSWER_GRACE_MS / 1000} s for ${ctx.creates.count} create request(s) already sent, to record their tasks`
      : '';
    const again = /SIGINT/.test(String((ctx.signal.reason as Error | undefined)?.message))
      ? 'Ctrl-C again'
      : 'a second signal';
    run.board.event(`Stopping: no new item is started${waiting} (${again} quits at once).`, true);
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
