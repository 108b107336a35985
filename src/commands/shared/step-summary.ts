// Under GitHub Actions, `batch`, `sync` and the commands that save one clip with -o (create, rerun, wait) add a
// section to the job's summary page: a heading with the counts, and one table row per clip.
import { isAbsolute, relative, sep } from 'node:path';
import type { Context } from '../../context.js';
import type { ClipOutcome, RunEvent, RunReport } from '../../task/run-events.js';
import { formatRubles } from '../../task/pricing.js';
import { markdownTable, markdownText } from '../../ui/markdown-table.js';
import { describeTotal } from '../batch/cost.js';
import { appendToSummary } from './summary-file.js';

/** GitHub shows at most 1 MiB of a step's summary: a longer table is cut, and says so. */
const MAX_ROWS = 1000;
const PROMPT_WIDTH = 80;
const MESSAGE_WIDTH = 500;

/** Commands whose failure before any clip settled still gets a section: those that always save clips. */
const ALWAYS_SUMMARISED = new Set(['batch', 'sync']);
/** Commands that save a clip only when told where (-o): summarised then. */
const SUMMARISED_WITH_OUTPUT = new Set(['create', 'rerun', 'wait']);

/** The summary file the runner gave, when this command run is one to summarise; undefined otherwise. */
export function stepSummaryFile(ctx: Context, options: Record<string, unknown>): string | undefined {
  const file = ctx.env.GITHUB_STEP_SUMMARY;
  const command = ctx.command ?? '';
  if (ctx.env.GITHUB_ACTIONS !== 'true' || !file || options.dryRun === true) return undefined;
  return ALWAYS_SUMMARISED.has(command) || SUMMARISED_WITH_OUTPUT.has(command) ? file : undefined;
}

/**
 * Appends the run's section once it is over, failed or not. A summary that cannot be written is a warning: the
 * clips are saved either way, and the exit code stays what the run decided.
 */
export function attachStepSummary(ctx: Context, file: string, options: Record<string, unknown>): void {
  const command = ctx.command ?? '';
  // Without -o a create or a wait saves nothing here (variations of a create go through the batch, which reports).
  const failureTold = ALWAYS_SUMMARISED.has(command) || options.output !== undefined;
  const hookFailed = new Set<string>();
  ctx.events.on(async (event) => {
    // A clip saved whose hook failed is told as a failure with its path: its row says both.
    if (event.type === 'failed' && event.code === 'HOOK_FAILED' && event.path) hookFailed.add(event.path);
    if (event.type !== 'end') return;
    const reports = ctx.events.reports;
    if (reports.length === 0 && (event.exitCode === 0 || !failureTold)) return;
    try {
      // The page is shown to everyone who can see the run: a key that slipped into any text is masked, in each
      // value before it is escaped or cut (either would hide the key from the masking), and once more in the whole.
      const redact = (text: string) => ctx.out.redact(text);
      await appendToSummary(file, redact(summarySection(event, reports, redact, hookFailed)));
    } catch (error) {
      ctx.out.warn(
        `The GitHub step summary was not written (${file}): ${(error as Error).message}. The run's outcome is unchanged.`,
        'STEP_SUMMARY',
      );
    }
  });
}

/** A path under the working folder (the job's workspace) as a relative one, as `upload-artifact` takes it. */
function shownPath(path: string): string {
  const under = relative(process.cwd(), path);
  return under && !under.startsWith(`..${sep}`) && under !== '..' && !isAbsolute(under) ? under : path;
}

function row(clip: ClipOutcome, hookFailed: ReadonlySet<string>, redact: (text: string) => string): string[] {
  const told = clip.code ? `${clip.status}: ${clip.code}` : clip.status;
  const status = clip.path !== undefined && hookFailed.has(clip.path) ? `${told}, hook failed` : told;
  // A clip with no task cost nothing; one with a task was paid for, at the model's price when it is known.
  const price = !clip.id ? '—' : clip.price !== undefined ? formatRubles(clip.price) : 'unknown';
  return [clip.id ?? '—', clip.prompt ?? '', status, price, clip.path ? shownPath(clip.path) : '—'].map(redact);
}

/**
 * The section in Markdown: heading, how the run ended when it failed, what it paid for, the table. Every value
 * passes through `redact` before it is escaped and cut, which both keep the masking from recognising a key.
 */
export function summarySection(
  end: Extract<RunEvent, { type: 'end' }>,
  reports: readonly RunReport[],
  redact: (text: string) => string,
  hookFailed: ReadonlySet<string> = new Set(),
): string {
  const counts = reports.map((report) => report.counts).join('; ');
  const heading = `veo ${end.command}: ${counts || (end.exitCode === 0 ? 'done' : 'failed')}`;
  const parts = [`### ${markdownText(redact(heading))}`];
  if (end.exitCode !== 0) {
    const why = end.error ? ` (${end.error.code}): ${end.error.message}` : '.';
    parts.push(markdownText(redact(`Exit code ${end.exitCode}${why}`), MESSAGE_WIDTH));
  }
  const clips = reports.flatMap((report) => report.clips);
  const paid = clips.filter((clip) => clip.paidNow).map((clip) => clip.price);
  if (paid.length > 0) parts.push(markdownText(`Paid for in this run: ${describeTotal(paid)}.`));
  if (clips.length > 0) {
    const shown = clips.slice(0, MAX_ROWS);
    const widths = [Infinity, PROMPT_WIDTH];
    parts.push(
      markdownTable(
        ['clip', 'prompt', 'status', 'price', 'path'],
        shown.map((clip) => row(clip, hookFailed, redact)),
        widths,
      ),
    );
    if (clips.length > shown.length) parts.push(`…and ${clips.length - shown.length} more clips, not listed.`);
  }
  return `${parts.join('\n\n')}\n\n`;
}
