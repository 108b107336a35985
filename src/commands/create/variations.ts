// `veo create` with {a|b} groups or --repeat: several paid clips from one command. They go through the batch
// machinery, so each is created exactly once: running the same command again resumes instead of paying again.
import { stat } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import type { Context } from '../../context.js';
import { shellQuote } from '../../ui/shell-quote.js';
import { hasFields } from '../../task/name-template.js';
import { expandHome } from '../../task/output-names.js';
import { addLine, type BatchItem, type LineProblem } from '../batch/parse-file.js';
import { batchCommand, type BatchOptions } from '../batch/run.js';
import type { CreateOptions } from './run.js';

/** -o with variations: a folder (every clip named by the output template) or a template of its own. */
async function placeOf(output: string | undefined): Promise<{ dir?: string; template?: string }> {
  if (output === undefined) return {};
  const expanded = expandHome(output);
  if (hasFields(expanded)) {
    const cut = Math.max(expanded.lastIndexOf('/'), expanded.lastIndexOf('\\'));
    return { dir: cut < 0 ? '.' : expanded.slice(0, cut) || '/', template: expanded.slice(cut + 1) };
  }
  const isFolder =
    /[/\\]$/.test(output) ||
    (await stat(expanded).then(
      (info) => info.isDirectory(),
      () => false,
    ));
  if (isFolder) return { dir: expanded };
  throw new UsageError(`-o ${output} names one file, but this create makes several clips; nothing was sent.`, {
    code: 'ONE_FILE_FOR_SEVERAL',
    hint: 'Give a folder (clips/) or a template that tells them apart, e.g. -o "clips/{slug:40}-{variant}.{ext}".',
  });
}

function resumeCommand(ctx: Context, prompt: string, options: CreateOptions, repeat: number): string {
  const parts = ['veo'];
  if (ctx.globals.baseUrl) parts.push('--base-url', shellQuote(ctx.globals.baseUrl));
  parts.push('create', shellQuote(prompt));
  if (options.model) parts.push('--model', shellQuote(options.model));
  if (options.anyModel) parts.push('--any-model');
  if (options.ar) parts.push('--ar', options.ar);
  if (options.image) parts.push('--image', shellQuote(options.image));
  if (repeat > 1) parts.push('--repeat', String(repeat));
  if (options.maxCost !== undefined) parts.push('--max-cost', String(options.maxCost / 100));
  if (options.output) parts.push('-o', shellQuote(options.output));
  if (options.force) parts.push('--force');
  if (options.yes) parts.push('--yes');
  if (options.writeInfoJson) parts.push('--write-info-json');
  if (options.embedMetadata !== undefined)
    parts.push(options.embedMetadata ? '--embed-metadata' : '--no-embed-metadata');
  return parts.filter(Boolean).join(' ');
}

export async function createVariations(ctx: Context, prompt: string, options: CreateOptions): Promise<void> {
  if (options.output === '-') {
    throw new UsageError('This create makes several clips: they cannot all go to stdout; nothing was sent.', {
      code: 'ONE_FILE_FOR_SEVERAL',
    });
  }
  const repeat = options.repeat ?? 1;
  const items: BatchItem[] = [];
  const problems: LineProblem[] = [];
  const fields: Omit<BatchItem, 'line' | 'key'> = { prompt, model: options.model };
  if (options.ar) fields.ar = options.ar;
  if (options.image) fields.image = options.image;
  addLine(items, problems, new Map(), 1, fields, repeat);
  const place = await placeOf(options.output);
  const batchOptions: BatchOptions = {
    file: '-',
    concurrency: 4,
    interval: options.interval,
    timeout: options.timeout,
    model: options.model,
    anyModel: options.anyModel,
    force: options.force,
    dryRun: options.dryRun,
    allowDuplicates: false,
    retryUnconfirmed: options.retryUnconfirmed,
    yes: options.yes,
    ignoreBalance: false,
    ...(options.maxCost !== undefined ? { maxCost: options.maxCost } : {}),
    ...(place.dir ? { dir: place.dir } : {}),
    ...(place.template ? { template: place.template } : {}),
    ...(options.writeInfoJson !== undefined ? { writeInfoJson: options.writeInfoJson } : {}),
    ...(options.embedMetadata !== undefined ? { embedMetadata: options.embedMetadata } : {}),
  };
  await batchCommand(
    ctx,
    batchOptions,
    { concurrency: '4', interval: '', timeout: '' },
    { items, problems, label: 'the prompt' },
    () => resumeCommand(ctx, prompt, options, repeat),
  );
}
