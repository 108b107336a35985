import { z } from 'zod';
import type { Context } from '../context.js';
import type { JournalEntry } from '../store/journal.js';
import { entryState, formatAge, shorten, timeLeft } from './journal-view.js';
import { parseOptions } from './options.js';
import { printTable } from '../ui/table.js';

const listSchema = z.object({
  pending: z.boolean().default(false),
  unsaved: z.boolean().default(false),
  limit: z
    .string()
    .regex(/^\d+$/, { message: '--limit takes a whole number' })
    .transform(Number)
    .refine((n) => n > 0, { message: '--limit must be at least 1' })
    .optional(),
});
export type ListOptions = z.infer<typeof listSchema>;

function where(entry: JournalEntry, now: number): string {
  const state = entryState(entry, now);
  if (state === 'saved') return entry.savedPath ?? '';
  if (state === 'unsaved') return `not saved, link expires in ${formatAge(timeLeft(entry, now) ?? 0)}`;
  if (state === 'expired') return 'not saved, link expired';
  if (state === 'failed') return entry.reason ? `failed: ${shorten(entry.reason, 40)}` : 'failed';
  return '';
}

export async function listCommand(ctx: Context, options: ListOptions): Promise<JournalEntry[]> {
  const journal = await ctx.journal();
  const { entries, damaged } = await journal.load();
  for (const record of damaged) {
    ctx.out.warn(
      `journal line ${record.line} is damaged (${record.problem}); it was skipped and kept in ${journal.path}`,
    );
  }
  const now = Date.now();
  let shown = entries.filter((entry) => {
    const state = entryState(entry, now);
    if (options.pending && state !== 'running') return false;
    if (options.unsaved && state !== 'unsaved') return false;
    return true;
  });
  if (options.limit !== undefined) shown = shown.slice(-options.limit);
  if (ctx.out.json) {
    ctx.out.data(shown.map((entry) => ({ ...entry, state: entryState(entry, now) })));
    return shown;
  }
  if (shown.length === 0) {
    ctx.out.info(entries.length ? 'No task matches.' : 'No tasks yet: `veo create "a prompt"` starts one.');
    return shown;
  }
  const rows = shown.map((entry) => [
    entry.id,
    entry.status ?? '?',
    entry.createdAt ? formatAge(now - Date.parse(entry.createdAt)) : '?',
    shorten(entry.prompt ?? '', 32),
    where(entry, now),
  ]);
  const header = ['ID', 'STATUS', 'AGE', 'PROMPT', 'SAVED / LINK'];
  printTable(ctx.out, header, rows);
  if (shown.some((entry) => entryState(entry, now) === 'running')) {
    ctx.out.info('Statuses are as last seen; `veo sync` asks the service again (and saves what is finished).');
  }
  return shown;
}

export async function run(ctx: Context, _args: string[], raw: Record<string, unknown>): Promise<void> {
  await listCommand(ctx, parseOptions(listSchema, raw));
}
