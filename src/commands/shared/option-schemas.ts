import * as z from 'zod/mini';
import { UsageError } from '../../core/errors.js';
import { normaliseTaskId } from '../../core/ids.js';
import { onFirstUse } from '../../core/first-use.js';
import '../../core/zod-english.js';
import { ASPECT_RATIOS, concurrencyFlag, intervalFlag, timeoutFlag } from './flags.js';
import { parseRubles } from '../../task/spent.js';

/** Turns a zod failure on command-line input into a usage error that names the offending option. */
export function parseOptions<T extends z.ZodMiniType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    // A message that names its option already needs no prefix: "--image must be…", not "image: --image must be…".
    if (!name || issue.message.includes(flag)) return issue.message;
    return /^must\b/.test(issue.message) ? `${flag} ${issue.message}` : `${flag}: ${issue.message}`;
  });
  throw new UsageError(lines.join('; '));
}

export function parseTaskId(raw: string): string {
  const id = normaliseTaskId(raw);
  if (id === undefined) {
    throw new UsageError(`"${raw}" is not a task id: ids are 24 hex characters, such as 684e5b2214bed9a815408cb3.`, {
      code: 'INVALID_TASK_ID',
    });
  }
  return id;
}

/** `90`, `90s`, `15m`, `1h`, `1h30m`, `2.5m`: a bare number means seconds. */
export function parseDuration(raw: string): number {
  const text = raw.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let consumed = '';
  for (const match of text.matchAll(part)) {
    total += Number(match[1]) * (units[match[2] ?? 's'] ?? 1000);
    consumed += match[0];
  }
  if (!consumed || consumed !== text) {
    throw new UsageError(`"${raw}" is not a duration; use e.g. 90, 90s, 15m or 1h.`);
  }
  return Math.round(total);
}

export const durationOption = () =>
  z.pipe(
    z.string(),
    z.transform((value: string, ctx) => {
      try {
        const ms = parseDuration(value);
        if (ms <= 0) throw new UsageError('must be more than zero');
        return ms;
      } catch (error) {
        ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
        return z.NEVER;
      }
    }),
  );

/** --max-cost: rubles, at most two decimals, in kopecks once parsed. */
export const maxCostOption = () =>
  z.pipe(
    z.string(),
    z.transform((value: string, ctx) => {
      try {
        return parseRubles(value, '--max-cost');
      } catch (error) {
        ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
        return z.NEVER;
      }
    }),
  );

export const intervalOption = () =>
  z
    .pipe(
      z
        .string()
        .check(z.trim(), z.regex(/^\d+(\.\d+)?$/, { message: '--interval is a number of seconds, such as 5 or 0.5' })),
      z.transform((value: string) => Math.round(Number(value) * 1000)),
    )
    .check(
      z.refine((ms: number) => ms > 0 && ms <= 3_600_000, {
        message: '--interval must be between 0.001 and 3600 seconds',
      }),
    );

export const httpUrl = (what: string) =>
  z.string().check(
    z.refine(
      (value: string) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'https:' || url.protocol === 'http:') && Boolean(url.hostname);
        } catch {
          return false;
        }
      },
      { message: `${what} must be a public http(s) URL` },
    ),
  );

const RATIO_CHOICES = `${ASPECT_RATIOS.slice(0, -1).join(', ')} or ${ASPECT_RATIOS.at(-1)}`;

export const aspectRatioOption = (what: string) =>
  z.enum(ASPECT_RATIOS, { message: `${what} must be ${RATIO_CHOICES}` });

/** Any id the API might list: the model list, not this pattern, decides whether it exists. */
export const modelIdOption = (what: string) =>
  z.string().check(
    z.trim(),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, {
      message: `${what} must be a model id such as glabs-veo-3-1-fast`,
    }),
  );

export const waitOptionsSchema = onFirstUse(() =>
  z.object({
    interval: z.prefault(intervalOption(), intervalFlag.default),
    timeout: z.prefault(durationOption(), timeoutFlag.default),
  }),
);

/** --concurrency: how many items are in progress at once, a whole number from 1 to 32. */
export const concurrencyOption = () =>
  z.prefault(
    z
      .pipe(
        z.string().check(z.trim(), z.regex(/^\d+$/, { message: '--concurrency takes a whole number' })),
        z.transform(Number),
      )
      .check(z.refine((n: number) => n >= 1 && n <= 32, { message: '--concurrency must be from 1 to 32' })),
    concurrencyFlag.default,
  );

/** --repeat: clips of each prompt, a whole number from 1 to 100. */
export const repeatOption = () =>
  z
    .pipe(
      z.string().check(z.trim(), z.regex(/^\d{1,3}$/, { message: '--repeat takes a whole number' })),
      z.transform(Number),
    )
    .check(z.refine((n: number) => n >= 1 && n <= 100, { message: '--repeat must be from 1 to 100' }));

/** The options of a command that waits for one task and may save its video (wait, download). */
export const savingOptionsSchema = onFirstUse(() =>
  z.intersection(
    z.object({
      output: z.optional(z.string().check(z.minLength(1))),
      force: z._default(z.boolean(), false),
      embedMetadata: z.optional(z.boolean()),
      writeInfoJson: z.optional(z.boolean()),
    }),
    waitOptionsSchema(),
  ),
);
