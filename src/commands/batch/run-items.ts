import { stillSaved } from '../../store/saved-video.js';
import { failureKind } from '../../core/failed-items.js';
import { setTimeout as delay } from 'node:timers/promises';
import { FileExistsError, isVeoError, type VeoError } from '../../core/errors.js';
import { CREATE_ANSWER_GRACE_MS } from '../../api/safety.js';
import type { Context } from '../../context.js';
import type { JournalEntry } from '../../store/journal.js';
import { claimItem, type ClaimAttempt } from '../../store/item-claims.js';
import type { StatusLine } from '../../ui/status-line.js';
import { batchTagOf, intentsByKey, itemValues, resumptionOf, tasksByKey, type PlannedItem } from './plan.js';
import { buildCreateInput } from '../create/run.js';
import { saveWithStatus, waitWithStatus } from '../../task/wait-and-save.js';
import { counted, shorten } from '../../ui/text-format.js';
import { createPaidTask, recordAgain, type PaidTask } from '../../task/paid-create.js';
import { finalName } from '../../task/output-names.js';
import { runPool } from '../shared/pool.js';
import { fail, refusedBeforeSending, startFrom, type RunSettings, type Tracked } from './item-state.js';
import { tellFailure } from '../../task/failure-event.js';

export { startFrom, type ItemResult, type ItemStatus, type RunSettings, type Tracked } from './item-state.js';

/** Listeners hear once how an item ended: saved, failed, already saved, not created, or still pending at a stop. */
async function tellItem(ctx: Context, tracked: Tracked): Promise<void> {
  if (tracked.told) return;
  tracked.told = true;
  const { line, id, status, path, prompt, error } = tracked.result;
  await ctx.events
    .emit({
      type: 'item',
      line,
      ...(id ? { id } : {}),
      // A create that was refused (a budget, the balance) made no task: not created, as the report says.
      outcome: refusedBeforeSending(tracked) ? 'not-created' : status,
      prompt,
      ...(path ? { path } : {}),
      ...(error ? { code: error.code, message: error.message } : {}),
    })
    .catch(() => undefined);
}

/** Creates the item's task; the journal holds its intent before the request leaves, and its id once it answers. */
async function create(ctx: Context, run: RunSettings, tracked: Tracked): Promise<PaidTask> {
  const { item } = tracked;
  return createPaidTask(ctx, run.client, buildCreateInput(item.prompt, item), {
    batch: batchTagOf(item, run.dir),
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

/** Saved with the bytes journaled, or moved away by its hooks once they had it. */
async function delivered(entry: JournalEntry): Promise<boolean> {
  return entry.handedOffAt !== undefined || (entry.sha256 !== undefined && (await stillSaved(entry)));
}

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
  // A file saved by another run is reported as saved only once its bytes match what that run journaled.
  if (resumption.kind === 'saved' && !(await delivered(resumption.entry))) {
    return startFrom(tracked.item, { kind: 'resume', entry: resumption.entry });
  }
  return startFrom(tracked.item, resumption, run.retryUnconfirmed);
}

/**
 * One item up to its task being done. What is left (saving the video, then letting the item go) comes back as a
 * promise of its own: the item's place in the pool is free once its task is, so the next item's task starts while
 * this video downloads.
 */
async function runItem(
  ctx: Context,
  run: RunSettings,
  tracked: Tracked,
  total: number,
  state: RunState,
): Promise<Promise<void> | undefined> {
  const { item } = tracked;
  const prefix = `[${item.index}/${total}]`;
  if (!tracked.result.id && state.cause) {
    fail(tracked, state.cause.kind, 'NOT_CREATED', `not created after an earlier item failed: ${state.cause.message}`);
    await tellItem(ctx, tracked);
    return undefined;
  }
  const line = run.board.line(prefix, shorten(item.prompt, 40));
  let claim: Extract<ClaimAttempt, { taken: true }> | undefined;
  let paid: PaidTask | undefined;
  const letGo = async () => {
    line.clear();
    // Before the claim goes: whoever takes the item next must find its task by its tag.
    if (paid) await recordAgain(ctx, paid, buildCreateInput(item.prompt, item), { batch: batchTagOf(item, run.dir) });
    await claim?.release();
  };
  const failed = (error: unknown) => reportFailure(ctx, run, state, tracked, { line, prefix, error });
  let handedOver = false;
  try {
    claim = await claimOrWait(ctx, run, tracked, line, prefix);
    if (!claim) {
      if (tracked.result.status === 'failed') await tellItem(ctx, tracked);
      return undefined;
    }
    if (claim.touched || tracked.elsewhere) {
      const fresh = await refresh(run, tracked);
      Object.assign(tracked, fresh);
      if (fresh.result.status !== 'pending' && fresh.result.status !== 'not-created') {
        const said =
          fresh.result.status === 'already-saved' ? `saved by another veo: ${fresh.result.path}` : fresh.result.status;
        run.board.event(`${prefix} ${said}`, true);
        await tellItem(ctx, tracked);
        return undefined;
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
      if (ctx.signal.aborted) return undefined;
    }
    // A task resumed from an earlier run may be done already: asked about at once, as `veo wait` does.
    const finished = await waitWithStatus(ctx, id, run, line, {
      ...(paid ? { createdAtMs: paid.createdAtMs } : { firstPollMs: 0 }),
      resume: run.resume,
    });
    run.board.event(`${prefix} done`);
    handedOver = true;
    return saveItem(ctx, run, tracked, { id, url: finished.url ?? '', line, prefix })
      .catch(failed)
      .finally(letGo);
  } catch (error) {
    await failed(error);
    return undefined;
  } finally {
    if (!handedOver) await letGo();
  }
}

/** An item that failed: told on the board and to listeners; an account-wide cause stops further creates. */
async function reportFailure(
  ctx: Context,
  run: RunSettings,
  state: RunState,
  tracked: Tracked,
  what: { line: StatusLine; prefix: string; error: unknown },
): Promise<void> {
  const { line, prefix, error } = what;
  const kind = failureKind(error);
  if (kind === 'interrupted' && ctx.signal.aborted) return;
  const message =
    error instanceof FileExistsError && error.path === tracked.changedFile
      ? `${error.path} was saved by an earlier run but no longer holds the same bytes (its size changed); --force fetches the video again over it`
      : error instanceof Error
        ? error.message
        : String(error);
  fail(tracked, kind, isVeoError(error) ? error.code : 'INTERNAL', message);
  // Without a key or a balance every further create would fail the same way (and a busy service needs a rest).
  // A budget reached stops further creates too; tasks already created are still waited for and saved.
  if (!tracked.result.id && (kind === 'auth' || kind === 'account' || kind === 'budget'))
    state.cause ??= error as VeoError;
  line.clear();
  run.board.event(`${prefix} failed: ${message}`, true);
  await tellFailure(ctx, tracked.result.id ?? undefined, error);
  await tellItem(ctx, tracked);
}

/** {date} and {time} are those of the task's creation, as journaled: a resumed run names the clip the same way. */
async function itemPath(run: RunSettings, item: PlannedItem, id: string): Promise<string> {
  if (item.target) return item.target;
  const entry = await run.journal.get(id).catch(() => undefined);
  const created = entry?.createdAt ? new Date(entry.createdAt) : new Date();
  return finalName(item.names ?? run.names, itemValues(item, { id, created }));
}

async function saveItem(
  ctx: Context,
  run: RunSettings,
  tracked: Tracked,
  task: { id: string; url: string; line: StatusLine; prefix: string },
): Promise<void> {
  const { id, line, prefix } = task;
  const path = await itemPath(run, tracked.item, id);
  const saved = await saveWithStatus(
    ctx,
    {
      id,
      url: task.url,
      to: { kind: 'file', path },
      force: run.force,
      embed: run.embed,
      infoJson: run.infoJson,
    },
    line,
    run.resume,
  );
  tracked.result.status = 'saved';
  tracked.result.path = saved.path;
  line.clear();
  run.board.event(`${prefix} saved ${saved.path}`, true);
  await tellItem(ctx, tracked);
}

interface RunState {
  /** An account-wide failure after which no more tasks are created. */
  cause: VeoError | undefined;
}

/** Works through the items that need work, at most `concurrency` at a time, until done or interrupted. */
export async function runItems(ctx: Context, run: RunSettings, tracked: Tracked[]): Promise<void> {
  const todo = tracked.filter((t) => t.result.status === 'pending' || t.result.status === 'not-created');
  // Settled by an earlier run (saved, failed, unconfirmed): told before the work starts.
  const working = new Set(todo);
  for (const t of tracked) if (!working.has(t)) await tellItem(ctx, t);
  const state: RunState = { cause: undefined };
  ctx.creates.announcesOwnStop = true;
  const onAbort = () => {
    const waiting = ctx.creates.count
      ? `; waiting up to ${CREATE_ANSWER_GRACE_MS / 1000} s for ${counted(ctx.creates.count, 'create request')} already sent, to record their tasks`
      : '';
    const again = /SIGINT/.test(String((ctx.signal.reason as Error | undefined)?.message))
      ? 'Ctrl-C again'
      : 'a second signal';
    run.board.event(`Stopping: no new item is started${waiting} (${again} quits at once).`, true);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const saving: Promise<void>[] = [];
    await runPool(
      todo,
      run.concurrency,
      async (t) => {
        const rest = await runItem(ctx, run, t, tracked.length, state);
        if (rest) saving.push(rest);
      },
      () => ctx.signal.aborted,
    );
    await Promise.all(saving);
    // What a stop left undone.
    for (const t of tracked) await tellItem(ctx, t);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
