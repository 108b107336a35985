import { UsageError } from '../../core/errors.js';
import type { Context } from '../../context.js';

// The API documents no limit on a prompt. A clip lasts about 8 s: even a shot described in great detail fits in a
// few hundred words, so a prompt past PROMPT_WARN_CHARS is most likely a wrong file or a paste gone astray, and is
// worth a warning (it is still sent: the service may well accept it). One past PROMPT_MAX_BYTES cannot be a
// prompt at all and is refused before anything is paid for.

/** Characters (Unicode code points) above which a prompt is sent with a warning. */
export const PROMPT_WARN_CHARS = 4000;
/** UTF-8 bytes above which a prompt is refused (exit 2) before any request. */
export const PROMPT_MAX_BYTES = 100_000;

export function promptChars(prompt: string): number {
  let count = 0;
  for (const _ of prompt) count++;
  return count;
}

/** Why a prompt is refused for its length, as a clause ("is 120000 bytes long, ..."), or undefined. */
export function tooLongProblem(prompt: string): string | undefined {
  const bytes = Buffer.byteLength(prompt, 'utf8');
  if (bytes <= PROMPT_MAX_BYTES) return undefined;
  return `is ${bytes} bytes long, more than any prompt (the limit is ${PROMPT_MAX_BYTES})`;
}

export function checkPromptLength(prompt: string, label: string): void {
  const problem = tooLongProblem(prompt);
  if (!problem) return;
  throw new UsageError(`${label} ${problem}. Nothing was sent.`, {
    code: 'PROMPT_TOO_LONG',
    hint: 'Check that the right file was given; a prompt describes one clip of about 8 seconds.',
  });
}

export function isLongPrompt(prompt: string): boolean {
  return prompt.length > PROMPT_WARN_CHARS && promptChars(prompt) > PROMPT_WARN_CHARS;
}

/** A warning on stderr; in --json mode a JSON line of its own, as every warning there is. */
export function warnLongPrompt(ctx: Context, message: string): void {
  ctx.out.warn(message, 'LONG_PROMPT');
}
