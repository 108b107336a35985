import { InterruptedError, type ErrorKind } from '../../core/errors.js';
import { throwIfItemsFailed } from '../../core/failed-items.js';
import type { Context } from '../../context.js';
import type { ClipOutcome } from '../../task/run-events.js';
import type { Tracked } from './run-items.js';
import { refusedBeforeSending } from './item-state.js';
import { counted, shorten } from '../../ui/text-format.js';

function lines(tracked: Tracked[]): string {
  const numbers = tracked.map((t) => t.item.line);
  return `line${numbers.length === 1 ? '' : 's'} ${numbers.slice(0, 20).join(', ')}${numbers.length > 20 ? ', ...' : ''}`;
}

/** What the report needs to tell each item's price: the model's, and which items this run created (and paid). */
export interface BatchPrices {
  priceOf(model: string): number | undefined;
  /** The items that had no task when the run started: those with one now were paid for by this run. */
  fresh: ReadonlySet<Tracked>;
}

const SHOWN_STATUS: Record<string, string> = { 'already-saved': 'already saved', 'not-created': 'not created' };

/** One item as the step summary shows it: a refused create (no task) was not created, whatever failed. */
function outcomeOf(t: Tracked, prices: BatchPrices | undefined): ClipOutcome {
  const { result } = t;
  const id = result.id ?? undefined;
  const status = refusedBeforeSending(t) ? 'not created' : (SHOWN_STATUS[result.status] ?? result.status);
  const price = id ? prices?.priceOf(t.item.model) : undefined;
  return {
    status,
    prompt: t.item.prompt,
    ...(id ? { id } : {}),
    // "not created: NOT_CREATED" would say it twice.
    ...(result.error && result.error.code !== 'NOT_CREATED' ? { code: result.error.code } : {}),
    ...(price !== undefined ? { price } : {}),
    ...(id && prices?.fresh.has(t) && result.status !== 'already-saved' ? { paidNow: true } : {}),
    ...(result.path ? { path: result.path } : {}),
  };
}

/**
 * The results: one JSON array with --json; otherwise the saved paths on stdout (in line order, for scripts) and a
 * summary of what failed and why on stderr. Then the outcome as an exit code: 130 when interrupted, else the most
 * severe failure's.
 */
export function reportBatch(ctx: Context, tracked: Tracked[], resume: string, prices?: BatchPrices): void {
  const by = (...statuses: string[]) => tracked.filter((t) => statuses.includes(t.result.status));
  const saved = by('saved');
  const already = by('already-saved');
  // An item whose create was refused (or never sent after an account-wide refusal) has no task: not created.
  const refused = refusedBeforeSending;
  const failed = by('failed').filter((t) => !refused(t));
  const pending = by('pending');
  const notCreated = [...by('not-created'), ...by('failed').filter(refused)];
  const unconfirmed = by('unconfirmed');
  if (ctx.out.json) ctx.out.data(tracked.map((t) => t.result));
  else
    for (const t of [...saved, ...already].sort((a, b) => a.item.index - b.item.index))
      ctx.out.result(t.result.path ?? '');

  const counts = [
    `${saved.length} saved`,
    `${already.length} already saved`,
    `${failed.length} failed`,
    `${pending.length} pending`,
    `${notCreated.length} not created`,
    ...(unconfirmed.length > 0 ? [`${unconfirmed.length} unconfirmed`] : []),
  ];
  ctx.out.info(`batch: ${counts.join(', ')} (of ${tracked.length})`);
  if (ctx.events.listening) {
    ctx.events.report({
      counts: `${counts.join(', ')} (of ${tracked.length})`,
      clips: tracked.map((t) => outcomeOf(t, prices)),
    });
  }
  for (const t of failed) {
    const id = t.result.id ? ` (${t.result.id})` : '';
    ctx.out.info(`  line ${t.item.line}${id}: ${t.result.error?.message ?? 'failed'}  [${shorten(t.item.prompt, 40)}]`);
  }
  for (const t of notCreated.filter((t) => t.result.error)) {
    const why = t.result.error?.message ?? '';
    const said = why.startsWith('not created') ? why : `not created: ${why}`;
    ctx.out.info(`  line ${t.item.line}: ${said}  [${shorten(t.item.prompt, 40)}]`);
  }
  if (failed.some((t) => t.earlier)) ctx.out.info('Tasks that failed in an earlier run were not created again.');
  for (const t of unconfirmed)
    ctx.out.info(
      `  line ${t.item.line}: unconfirmed: ${t.result.error?.message ?? ''}  [${shorten(t.item.prompt, 40)}]`,
    );
  for (const t of pending)
    ctx.out.info(`  line ${t.item.line} (${t.result.id}): still running on the service, not saved yet`);

  if (ctx.signal.aborted) {
    throw new InterruptedError(
      `Interrupted: ${saved.length + already.length} of ${tracked.length} items saved, ${pending.length} created but not saved yet, ${notCreated.length} not created.`,
      { hint: `Re-run the same command to resume (no item is created twice): ${resume}` },
    );
  }
  const troubled = tracked.filter((t) => t.kind !== undefined);
  throwIfItemsFailed(
    troubled.map((t) => t.kind as ErrorKind),
    () => ({
      message: `${troubled.length} of ${counted(tracked.length, 'item')} ${troubled.length === 1 ? 'was' : 'were'} not saved (${lines(troubled)}).`,
      hint: hintFor(troubled, resume),
    }),
  );
}

/** A failed generation stays failed on a re-run; anything else (a timeout, a dropped download) can be picked up. */
function hintFor(troubled: Tracked[], resume: string): string {
  return troubled.every((t) => t.kind === 'generation')
    ? `A failed generation is not tried again by a re-run: edit its line (an edited line is a new item) and run ${resume} again.`
    : troubled.every((t) => t.result.status === 'unconfirmed')
      ? troubled.length === 1
        ? `Look for that task in the GPTunnel dashboard; if it was not made, ${resume} --retry-unconfirmed creates it again.`
        : `Look for those tasks in the GPTunnel dashboard; if none was made, ${resume} --retry-unconfirmed creates them again.`
      : `Fix the cause and run ${resume} again: saved items are skipped, started ones picked up, and no item is created twice.`;
}
