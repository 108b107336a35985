// The input of `veo batch`: plain text (one prompt a line) or JSON lines ({"prompt", "ar", "image", "model",
// "output"}). Blank lines and lines starting with # are skipped in both. Each item gets a key that stays the same
// as long as the item does, so that a re-run of the same file recognises the tasks an earlier run created.
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import '../../core/zod-english.js';
import { onFirstUse } from '../../core/first-use.js';
import type { AspectRatio } from '../shared/flags.js';
import { aspectRatioOption, httpUrl, modelIdOption } from '../shared/option-schemas.js';
import { findControlInDecoded } from '../shared/text-check.js';
import { expandPrompt } from '../../task/variations.js';

export interface BatchItem {
  /** 1-based line number in the file. */
  line: number;
  prompt: string;
  model: string;
  ar?: AspectRatio;
  image?: string;
  /** As written in the file: resolved against the output folder later. */
  output?: string;
  key: string;
  /** Set when the line makes several clips ({a|b} groups, --repeat): which one this is, from 1, and its choices. */
  variation?: { variant: number; choices: string[]; repeat: number; template: string };
}

export interface LineProblem {
  line: number;
  message: string;
}

export interface BatchDefaults {
  model: string;
  ar?: AspectRatio;
  /** Clips of each prompt (--repeat), 1 when not given. */
  repeat?: number;
}

export interface ParsedBatch {
  format: 'text' | 'jsonl';
  items: BatchItem[];
  problems: LineProblem[];
}

// Strict: a misspelt field ("aspect", "promt") would otherwise be dropped silently and a clip paid for anyway.
const jsonLineSchema = onFirstUse(() =>
  z.strictObject({
    prompt: z.string({ message: 'prompt must be a string' }).check(
      z.trim(),
      z.minLength(1, { message: 'prompt is empty' }),
      // An escape such as \u0000 is valid JSON, but the prompt it makes is no more text than a raw NUL byte.
      z.superRefine((prompt: string, ctx) => {
        const control = findControlInDecoded(prompt);
        if (control) ctx.addIssue({ code: 'custom', message: `prompt has the control character ${control.name}` });
      }),
    ),
    ar: z.optional(aspectRatioOption('ar')),
    image: z.optional(httpUrl('image')),
    model: z.optional(modelIdOption('model')),
    output: z.optional(
      z.string({ message: 'output must be a string' }).check(z.trim(), z.minLength(1, { message: 'output is empty' })),
    ),
  }),
);

function isSkipped(text: string): boolean {
  const trimmed = text.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

/**
 * Identical lines are distinct items (someone may want two clips of one prompt), so the occurrence number is part
 * of the key: the second "a cat" of a file is always the same second item.
 */
export function itemHash(item: Omit<BatchItem, 'line' | 'key'>): string {
  const normalized: unknown[] = [item.prompt, item.ar ?? '', item.image ?? '', item.model, item.output ?? ''];
  // A variation is its own clip: the choices and the repeat number are part of what it is, so that a re-run finds
  // each one again and pays for none twice. Lines without variations keep the keys of earlier versions.
  if (item.variation) normalized.push(item.variation.choices, item.variation.repeat);
  return createHash('sha256').update(JSON.stringify(normalized)).digest('hex');
}

function parseJsonLine(text: string): { fields: z.infer<ReturnType<typeof jsonLineSchema>> } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: 'expected a JSON object such as {"prompt": "a red fox"}' };
  }
  const parsed = jsonLineSchema().safeParse(value);
  if (parsed.success) return { fields: parsed.data };
  const problem = parsed.error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
      return issue.message;
    })
    .join('; ');
  return { problem };
}

function looksLikeJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * The items of one line: one per variation of its prompt ({a|b} groups), times `repeat`. Identical items are
 * distinct (someone may want two clips of one prompt): the occurrence number is part of the key.
 */
export function addLine(
  items: BatchItem[],
  problems: LineProblem[],
  seen: Map<string, number>,
  line: number,
  fields: Omit<BatchItem, 'line' | 'key'>,
  repeat: number,
): void {
  let variations;
  try {
    variations = expandPrompt(fields.prompt);
  } catch (error) {
    problems.push({ line, message: (error as Error).message });
    return;
  }
  const several = variations.length > 1 || repeat > 1;
  let variant = 0;
  for (const { prompt, choices } of variations) {
    for (let copy = 1; copy <= repeat; copy++) {
      variant++;
      const item: Omit<BatchItem, 'line' | 'key'> = { ...fields, prompt };
      if (several) item.variation = { variant, choices, repeat: copy, template: fields.prompt };
      const hash = itemHash(item);
      const occurrence = seen.get(hash) ?? 0;
      seen.set(hash, occurrence + 1);
      items.push({ line, ...item, key: `${hash}:${occurrence}` });
    }
  }
}

/**
 * A first line that opens an object is JSON lines, even when it is broken JSON (refused then, rather than paid for
 * as a prompt); a prompt that starts with a group of variations ("{cat|dog} in snow") is not.
 */
function looksLikeJsonLine(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.startsWith('{') && (looksLikeJsonObject(trimmed) || /^\{\s*("|$)/.test(trimmed));
}

export function parseBatch(text: string, defaults: BatchDefaults): ParsedBatch {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const first = lines.find((line) => !isSkipped(line));
  const format = first !== undefined && looksLikeJsonLine(first) ? 'jsonl' : 'text';
  const items: BatchItem[] = [];
  const problems: LineProblem[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/\r$/, '');
    if (isSkipped(content)) return;
    let fields: Omit<BatchItem, 'line' | 'key'>;
    if (format === 'text') {
      // A JSON object among plain prompts is almost surely a mistake; sent as a prompt it would be paid for as one.
      if (content.trimStart().startsWith('{') && looksLikeJsonObject(content)) {
        problems.push({
          line,
          message: 'this line is JSON, but the file was read as plain prompts (its first line is not JSON)',
        });
        return;
      }
      fields = { prompt: content.trim(), model: defaults.model, ...(defaults.ar ? { ar: defaults.ar } : {}) };
    } else {
      const parsed = parseJsonLine(content);
      if ('problem' in parsed) {
        problems.push({ line, message: parsed.problem });
        return;
      }
      const { prompt, ar, image, model, output } = parsed.fields;
      fields = { prompt, model: model ?? defaults.model };
      const ratio = ar ?? defaults.ar;
      if (ratio) fields.ar = ratio;
      if (image) fields.image = image;
      if (output) fields.output = output;
    }
    addLine(items, problems, seen, line, fields, defaults.repeat ?? 1);
  });
  return { format, items, problems };
}
