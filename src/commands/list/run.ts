import * as z from 'zod/mini';
import { isAbsolute, relative } from 'node:path';
import '../../core/zod-english.js';
import type { Context } from '../../context.js';
import type { ListInput } from './index.js';
import type { CreateIntent, DamagedRecord, JournalEntry } from '../../store/journal.js';
import { loadJournal, readJournal } from '../../task/journal-record.js';
import { describeIntent, intentDocument, intentStartedMs, intentView } from '../../task/intent-state.js';
import type { Output } from '../../ui/output.js';
import { entryState, timeLeft } from '../../task/entry-state.js';
import { formatAge } from '../../ui/text-format.js';
import { parseOptions } from '../shared/option-schemas.js';
import { printTable } from '../../ui/table.js';

const listSchema = z.object({
  pending: z._default(z.boolean(), false),
  unsaved: z._default(z.boolean(), false),
  limit: z.optional(
    z
      .pipe(z.string().check(z.regex(/^\d+$/, { message: '--limit takes a whole number' })), z.transform(Number))
      .check(z.refine((n: number) => n > 0, { message: '--limit must be at least 1' })),
  ),
});
export type ListOptions = z.infer<typeof listSchema>;

/**
 * A journal text as a table cell. On a terminal whitespace runs are flattened, as the table cuts the cell to the
 * terminal's width; in a pipe the value is whole, its tabs and newlines escaped by the table so that they cannot
 * break the row.
 */
function cell(out: Output, text: string): string {
  return out.streams.stdout.isTTY ? text.replace(/\s+/g, ' ').trim() : text;
}

function where(out: Output, entry: JournalEntry, now: number): string {
  const state = entryState(entry, now);
  if (state === 'saved') return shownPath(out, entry.savedPath ?? '');
  if (state === 'unsaved') return `not saved, link expires in ${formatAge(timeLeft(entry, now) ?? 0)}`;
  if (state === 'expired') return 'not saved, link expired';
  if (state === 'failed') return entry.reason ? `failed: ${cell(out, entry.reason)}` : 'failed';
  return '';
}

/** On a terminal a file under the current folder is named from there, which leaves the prompt more room. */
function shownPath(out: Output, path: string): string {
  if (!out.streams.stdout.isTTY || !isAbsolute(path)) return path;
  const from = relative(process.cwd(), path);
  return from && !from.startsWith('..') && !isAbsolute(from) ? from : path;
}

type Row = { entry: JournalEntry; intent?: undefined } | { intent: CreateIntent; entry?: undefined };

function rowMs(row: Row): number {
  if (row.intent) return intentStartedMs(row.intent);
  const ms = row.entry.createdAt ? Date.parse(row.entry.createdAt) : Number.NaN;
  return Number.isNaN(ms) ? parseInt(row.entry.id.slice(0, 8), 16) * 1000 : ms;
}

interface Loaded {
  entries: JournalEntry[];
  intents: CreateIntent[];
  /** How many tasks the journal holds, shown or not. */
  total: number;
}

/**
 * The entries that pass the filter. With --limit, only the newest few are read in full (journal.recent), so the
 * answer stays quick however long the journal is; the newest rows are among them and the open intents.
 */
async function loadRows(ctx: Context, options: ListOptions, now: number): Promise<Loaded> {
  const journal = await ctx.journal();
  const accept = (entry: JournalEntry): boolean => {
    const state = entryState(entry, now);
    if (options.pending && state !== 'running') return false;
    if (options.unsaved && state !== 'unsaved') return false;
    return true;
  };
  const warnDamaged = (damaged: DamagedRecord[], more = 0): void => {
    for (const record of damaged) {
      ctx.out.warn(
        `journal line ${record.line} is damaged (${record.problem}); it was skipped and kept in ${journal.path}`,
      );
    }
    if (more > 0)
      ctx.out.warn(
        `${more} more journal lines are damaged; they were skipped and kept in ${journal.path}`,
        'JOURNAL_DAMAGED',
      );
  };
  const limit = options.limit;
  if (limit !== undefined) {
    const recent = await readJournal(ctx, (j) => j.recent(limit, accept));
    warnDamaged(recent.damaged, recent.moreDamaged);
    return { entries: recent.entries, intents: recent.intents, total: recent.total };
  }
  const { entries, damaged, intents } = await loadJournal(ctx);
  warnDamaged(damaged);
  return { entries: entries.filter(accept), intents, total: entries.length };
}

export async function listCommand(ctx: Context, options: ListOptions): Promise<JournalEntry[]> {
  const now = Date.now();
  const { entries, intents, total } = await loadRows(ctx, options, now);
  const rows: Row[] = entries.map((entry) => ({ entry }));
  // Creates whose answer is not known: shown unless the filter asks for something they cannot be.
  if (!options.unsaved) {
    for (const intent of intents) {
      if (!options.pending || intentView(intent) === 'creating') rows.push({ intent });
    }
    rows.sort((a, b) => rowMs(a) - rowMs(b));
  }
  const shownRows = options.limit === undefined ? rows : rows.slice(-options.limit);
  const shown = shownRows.flatMap((row) => (row.entry ? [row.entry] : []));
  if (ctx.out.json) {
    ctx.out.data(
      shownRows.map((row) =>
        row.entry ? { ...row.entry, state: entryState(row.entry, now) } : intentDocument(row.intent),
      ),
    );
    return shown;
  }
  if (shownRows.length === 0) {
    ctx.out.info(total || intents.length ? 'No task matches.' : 'No tasks yet: `veo create "a prompt"` starts one.');
    return shown;
  }
  const terminal = Boolean(ctx.out.streams.stdout.isTTY);
  // A person reads an age; a script gets the time itself, which does not change between two reads.
  const when = (ms: number): string =>
    Number.isNaN(ms) ? '?' : terminal ? formatAge(now - ms) : new Date(ms).toISOString();
  const table = shownRows.map((row) =>
    row.entry
      ? [
          row.entry.id,
          cell(ctx.out, row.entry.status ?? '?'),
          row.entry.createdAt ? when(Date.parse(row.entry.createdAt)) : '?',
          cell(ctx.out, row.entry.prompt ?? ''),
          where(ctx.out, row.entry, now),
        ]
      : [
          '-',
          intentView(row.intent),
          when(intentStartedMs(row.intent)),
          cell(ctx.out, row.intent.prompt ?? ''),
          describeIntent(row.intent),
        ],
  );
  const header = ['ID', 'STATUS', 'AGE', 'PROMPT', 'SAVED / LINK'];
  printTable(ctx.out, header, table, { shrinkable: [3, 4, 1], pathColumns: [4] });
  // Said only where a person reads the table, and only when some status shown may have moved on since.
  if (terminal && shown.some((entry) => entryState(entry, now) === 'running')) {
    ctx.out.info('Statuses are as last seen; `veo sync` asks the service again (and saves what is finished).');
  }
  if (shownRows.some((row) => row.intent && intentView(row.intent) === 'unconfirmed')) {
    ctx.out.info(
      'unconfirmed: a create was sent and its answer never came, so its id is unknown. Look for the task in the GPTunnel dashboard before creating it again.',
    );
  }
  return shown;
}

export async function run(ctx: Context, input: ListInput): Promise<void> {
  await listCommand(ctx, parseOptions(listSchema, input.options));
}
