// `veo wait --all`: every unfinished task of the journal waited for at once (at most --concurrency), each printed
// as it finishes, or saved into one folder with -o; then one report and the most severe failure's exit code.
import * as z from 'zod/mini';
import '../../core/zod-english.js';
import { FileExistsError, isVeoError, UsageError, WaitTimeoutError } from '../../core/errors.js';
import { EXIT_CODES } from '../../core/exit-codes.js';
import { failureKind } from '../../core/failed-items.js';
import { formatLimitMs } from '../../core/duration.js';
import { onFirstUse } from '../../core/first-use.js';
import type { Context } from '../../context.js';
import type { JournalEntry } from '../../store/journal.js';
import { embedWanted } from '../../task/clip-tags.js';
import { recordSafely } from '../../task/journal-record.js';
import { finalName, valuesOfEntry, type NamePlan } from '../../task/output-names.js';
import { writesInfoJson } from '../../task/run-settings.js';
import { savedMeanwhile } from '../../task/saved-meanwhile.js';
import { saveWithStatus, waitWithStatus } from '../../task/wait-and-save.js';
import { tellFailure } from '../../task/failure-event.js';
import { createProgressBoard, type ProgressBoard } from '../../ui/live-lines.js';
import { shellQuote } from '../../ui/shell-quote.js';
import { listenerFlags } from '../shared/listener-flags.js';
import type { StatusLine } from '../../ui/status-line.js';
import { counted, shorten } from '../../ui/text-format.js';
import { concurrencyFlag, intervalFlag, timeoutFlag } from '../shared/flags.js';
import { concurrencyOption, parseOptions, savingOptionsSchema } from '../shared/option-schemas.js';
import { runPool } from '../shared/pool.js';
import type { WaitInput } from './index.js';
import { planFolder } from './all-output.js';
import { clipOutcomes } from './all-outcomes.js';
import { reportAll, type Tracked } from './all-report.js';
import { afterCreatesInFlight, isUnfinished, openCreates, tellOpenCreates } from './unfinished.js';

const waitAllSchema = onFirstUse(() =>
  z.intersection(savingOptionsSchema(), z.object({ concurrency: concurrencyOption() })),
);
type WaitAllOptions = z.infer<ReturnType<typeof waitAllSchema>>;

interface WaitAllRun {
  board: ProgressBoard;
  /** With -o: where each clip goes. */
  names: NamePlan | undefined;
  force: boolean;
  embed: boolean;
  infoJson: boolean;
  interval: number;
  timeout: number;
  /** --timeout bounds the whole run, not each task. */
  deadline: number;
  /** The command that picks the run up again, for hints. */
  resume: string;
  total: number;
}

/**
 * The command as typed, with every option that decides where clips go or how the run goes (never --api-key). After
 * the --timeout ran out, repeating it would run out again: `withTimeout` false leaves it out.
 */
function resumeCommand(ctx: Context, options: WaitAllOptions, given: WaitInput['options'], withTimeout = true): string {
  const parts = ['veo'];
  if (ctx.globals.baseUrl) parts.push('--base-url', shellQuote(ctx.globals.baseUrl));
  parts.push('wait', '--all');
  if (options.output !== undefined) parts.push('-o', shellQuote(options.output));
  if (given.concurrency !== undefined && given.concurrency !== concurrencyFlag.default)
    parts.push('--concurrency', shellQuote(given.concurrency));
  if (given.interval !== undefined && given.interval !== intervalFlag.default)
    parts.push('--interval', shellQuote(given.interval));
  if (withTimeout && given.timeout !== undefined && given.timeout !== timeoutFlag.default)
    parts.push('--timeout', shellQuote(given.timeout));
  if (options.force) parts.push('--force');
  if (options.embedMetadata !== undefined)
    parts.push(options.embedMetadata ? '--embed-metadata' : '--no-embed-metadata');
  if (options.writeInfoJson) parts.push('--write-info-json');
  parts.push(...listenerFlags(given));
  return parts.join(' ');
}

/** What to run once the --timeout ran out: the same command with the default limit, or a longer one given by hand. */
function timeoutResume(command: string, given: unknown): string {
  if (given === undefined || given === timeoutFlag.default) return command;
  return `${command} (it waits up to the default ${timeoutFlag.default}; add --timeout with more than ${String(given)} to wait longer)`;
}

function track(entry: JournalEntry, index: number): Tracked {
  return {
    index,
    entry,
    result: { id: entry.id, prompt: entry.prompt ?? null, status: 'pending', url: null, path: null, error: null },
  };
}

/**
 * Names every clip before anything is waited for, in the journal's order: two tasks that a template without {id}
 * would give one name cannot both be saved, and the later one is told so rather than refused at the end.
 */
async function placeClips(ctx: Context, tracked: Tracked[], names: NamePlan): Promise<void> {
  const owner = new Map<string, string>();
  for (const t of tracked) {
    const path = finalName(names, valuesOfEntry(t.entry.id, t.entry));
    const first = owner.get(path);
    if (first === undefined) {
      owner.set(path, t.entry.id);
      t.path = path;
    } else {
      const error = new UsageError(`its name ${path} is that of task ${first} too; put {id} in the output template`, {
        code: 'NAME_TAKEN',
      });
      settleFailed(t, error);
      await tellFailure(ctx, t.entry.id, error);
    }
  }
}

function settleFailed(t: Tracked, error: unknown, run?: WaitAllRun): void {
  const kind = failureKind(error);
  t.kind = kind;
  const timedOut = error instanceof WaitTimeoutError;
  const message =
    timedOut && run
      ? `not finished within --timeout ${formatLimitMs(run.timeout)}; it keeps running on the service`
      : error instanceof Error
        ? error.message
        : String(error);
  t.result.status = timedOut ? 'pending' : 'failed';
  t.result.error = { code: isVeoError(error) ? error.code : 'INTERNAL', message, exitCode: EXIT_CODES[kind] };
}

/**
 * One task's failure: on the board, in its result and to listeners (the wait and the save tell their own failures;
 * tellFailure tells each once). An interruption is the whole run's, not the task's.
 */
async function failed(ctx: Context, run: WaitAllRun, t: Tracked, prefix: string, error: unknown): Promise<void> {
  if (ctx.signal.aborted && failureKind(error) === 'interrupted') return;
  settleFailed(t, error, run);
  const what = t.result.status === 'pending' ? 'gave up:' : 'failed:';
  run.board.event(`${prefix} ${t.entry.id} ${what} ${t.result.error?.message ?? ''}`, true);
  await tellFailure(ctx, t.entry.id, error);
}

/**
 * Saves a finished task's clip. A clip another veo saved there meanwhile (a second `wait --all`, a sync) is not
 * fetched again, even with --force: the journal and the file's hash say it is this very video.
 */
async function saveClip(
  ctx: Context,
  run: WaitAllRun,
  t: Tracked,
  task: { path: string; url: string; line: StatusLine; prefix: string },
): Promise<void> {
  const { id } = t.entry;
  const { path, line, prefix } = task;
  const settle = (status: 'saved' | 'already-saved', where: string) => {
    t.result.status = status;
    t.result.path = where;
    line.clear();
    const said = status === 'saved' ? 'saved' : 'already saved by another veo:';
    run.board.event(`${prefix} ${id} ${said} ${where}`, true);
    if (!ctx.out.json) run.board.around(() => ctx.out.result(where));
  };
  if (await savedMeanwhile(ctx, id, path)) return settle('already-saved', path);
  try {
    const saved = await saveWithStatus(
      ctx,
      { id, url: task.url, to: { kind: 'file', path }, force: run.force, embed: run.embed, infoJson: run.infoJson },
      line,
      run.resume,
    );
    settle(saved.alreadySaved ? 'already-saved' : 'saved', saved.path);
  } catch (error) {
    if (error instanceof FileExistsError && !ctx.signal.aborted && (await savedMeanwhile(ctx, id, path))) {
      return settle('already-saved', path);
    }
    throw error;
  }
}

/**
 * One task up to its being done. Saving its clip comes back as a promise of its own: the task's place in the pool
 * is free once it is done, so the next task is waited for while this clip downloads.
 */
async function waitOne(ctx: Context, run: WaitAllRun, t: Tracked): Promise<Promise<void> | undefined> {
  const { id } = t.entry;
  const prefix = `[${t.index}/${run.total}]`;
  const line = run.board.line(prefix, shorten(t.entry.prompt ?? id, 40));
  let handedOver = false;
  try {
    const remaining = run.deadline - Date.now();
    if (remaining <= 0) throw new WaitTimeoutError(`not waited for: --timeout ended first`, { taskId: id });
    const task = await waitWithStatus(ctx, id, { interval: run.interval, timeout: remaining }, line, {
      firstPollMs: 0,
      resume: run.resume,
    });
    const url = task.url ?? '';
    t.result.url = url;
    if (t.path === undefined) {
      t.result.status = 'done';
      line.clear();
      run.board.event(`${prefix} ${id} done`, true);
      if (!ctx.out.json) run.board.around(() => ctx.out.resultRow([id, url]));
      return undefined;
    }
    // Remembered before the download starts, so that the resume hint's `veo wait --all -o` finds this task again
    // however the run stops from here (a download that fails, an interruption, a second Ctrl-C).
    if (t.entry.unfinishedDownload !== t.path) await recordSafely(ctx, { id, unfinishedDownload: t.path });
    run.board.event(`${prefix} ${id} done`);
    handedOver = true;
    const save = saveClip(ctx, run, t, { path: t.path, url, line, prefix });
    return save.catch((error: unknown) => failed(ctx, run, t, prefix, error)).finally(() => line.clear());
  } catch (error) {
    await failed(ctx, run, t, prefix, error);
    return undefined;
  } finally {
    if (!handedOver) line.clear();
  }
}

/** Listeners hear once how each task ended, as the --json document lists it (no line: nothing was read from a file). */
async function tellOutcomes(ctx: Context, tracked: Tracked[]): Promise<void> {
  if (!ctx.events.listening) return;
  for (const { result } of tracked) {
    await ctx.events
      .emit({
        type: 'item',
        id: result.id,
        outcome: result.status,
        ...(result.prompt !== null ? { prompt: result.prompt } : {}),
        ...(result.path !== null ? { path: result.path } : {}),
        ...(result.error ? { code: result.error.code, message: result.error.message } : {}),
      })
      .catch(() => undefined);
  }
}

export async function waitAllCommand(ctx: Context, given: WaitInput['options']): Promise<void> {
  const options = parseOptions(waitAllSchema(), given);
  const names = options.output === undefined ? undefined : await planFolder(ctx, options.output);
  // One --timeout for the whole run, the wait for another veo's creates included.
  const deadline = Date.now() + options.timeout;
  const { entries, damaged, intents } = await afterCreatesInFlight(ctx, deadline);
  if (damaged.length > 0)
    ctx.out.warn(`${counted(damaged.length, 'damaged journal line')} skipped (see veo list).`, 'JOURNAL_DAMAGED');
  const now = Date.now();
  const tracked = entries.filter((entry) => isUnfinished(entry, now)).map((entry, i) => track(entry, i + 1));
  const creates = openCreates(intents, now);
  tellOpenCreates(ctx, creates);
  if (tracked.length === 0) {
    if (ctx.out.json) ctx.out.data({ tasks: [], ...creates });
    ctx.out.info('Nothing to wait for: the journal has no unfinished task. (`veo sync` saves finished videos.)');
    return;
  }
  // A missing key or a bad base URL is told once, before any task is waited for.
  await ctx.client();
  if (names) await placeClips(ctx, tracked, names);
  const resume = resumeCommand(ctx, options, given);
  const board = createProgressBoard(ctx.out);
  const run: WaitAllRun = {
    board,
    names,
    force: options.force,
    embed: names !== undefined && (await embedWanted(ctx, options.embedMetadata)),
    infoJson: names !== undefined && (await writesInfoJson(ctx, options.writeInfoJson)),
    interval: options.interval,
    timeout: options.timeout,
    deadline,
    resume,
    total: tracked.length,
  };
  ctx.out.info(`Waiting for ${counted(tracked.length, 'unfinished task')}${names ? ` to save in ${names.root}` : ''}.`);
  try {
    const saving: Promise<void>[] = [];
    const todo = tracked.filter((t) => t.result.status === 'pending');
    await runPool(
      todo,
      options.concurrency,
      async (t) => {
        const rest = await waitOne(ctx, run, t);
        if (rest) saving.push(rest);
      },
      () => ctx.signal.aborted,
    );
    await Promise.all(saving);
  } finally {
    board.stop();
  }
  await tellOutcomes(ctx, tracked);
  const saving = names !== undefined;
  const clips = saving && ctx.events.listening ? await clipOutcomes(ctx, tracked) : undefined;
  const afterTimeout = timeoutResume(resumeCommand(ctx, options, given, false), given.timeout);
  reportAll(ctx, tracked, { saving, creates, resume, afterTimeout, clips });
}
