import type { Context } from '../../context.js';
import { FACT_ORDER, type ClipFacts } from '../../task/clip-facts.js';
import { reportClip, type ClipReport } from '../../task/clip-report.js';
import type { InspectInput } from './index.js';

const LABELS: Record<keyof ClipFacts, string> = {
  taskId: 'task',
  prompt: 'prompt',
  model: 'model',
  ar: 'aspect ratio',
  image: 'image',
  createdAt: 'created',
  doneAt: 'done',
  price: 'price',
  sourceUrl: 'source URL',
  expiresAt: 'link expires',
  veo: 'veo version',
};

function sourcesLine(report: ClipReport): string {
  const found: string[] = [];
  if (report.embedded) found.push('embedded tags');
  if (report.sidecar) found.push(`sidecar ${report.sidecar.path}`);
  if (report.journal) {
    found.push(`journal (${report.journal.matched === 'saved' ? 'hash of the file as saved' : 'hash as served'})`);
  }
  return found.length > 0 ? found.join(', ') : 'none';
}

/** Every value goes through `result`, which escapes control characters: the file and its sidecar may be hostile. */
function printHuman(ctx: Context, report: ClipReport): void {
  const { out } = ctx;
  out.result(`file: ${report.file}`);
  out.result(`bytes: ${report.bytes}`);
  out.result(`sha256: ${report.sha256}`);
  out.result(`known from: ${sourcesLine(report)}`);
  for (const key of FACT_ORDER) {
    const value = report.clip[key];
    if (value !== undefined) out.result(`${LABELS[key]}: ${String(value)}`);
  }
  if (report.journal?.status) out.result(`status: ${report.journal.status}`);
  if (report.embedded?.title !== undefined && report.embedded.title !== report.clip.prompt) {
    out.result(`embedded title: ${report.embedded.title}`);
  }
  if (report.embedded?.comment !== undefined && Object.keys(report.embedded.facts).length <= 1) {
    out.result(`embedded comment: ${report.embedded.comment}`);
  }
  if (report.embeddedProblem) out.warn(`The file's tags could not be read: ${report.embeddedProblem}.`);
  if (report.sidecarProblem) out.warn(report.sidecarProblem);
  if (!report.clip.prompt) out.info('Nothing in the file, beside it or in the journal tells its prompt.');
}

export async function run(ctx: Context, input: InspectInput): Promise<void> {
  const report = await reportClip(ctx, input.args.file);
  if (ctx.out.json) ctx.out.data(report);
  else printHuman(ctx, report);
}
