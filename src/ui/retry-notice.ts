import { isVeoError } from '../core/errors.js';
import type { Output } from './output.js';
import type { StatusLine } from './status-line.js';

export interface RetriedFailure {
  /** What failed, as a person says it: "checking 684e…", "the result of 684e…". */
  what: string;
  error: unknown;
  /** When it is tried again. */
  retryInMs: number;
  /** The attempt that failed, for a request retried a bounded number of times. */
  attempt?: number;
  /** The --verbose line for every failure (a trace scripts and tests may already read); a default one otherwise. */
  trace?: string;
}

export function formatDelay(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

function kindOf(error: unknown): string {
  if (isVeoError(error)) return error.code;
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Makes failures that are being retried visible while the user waits, without flooding a log: the first failure,
 * and each change of failure, are a warning on stderr; the running spinner (or live line) says what failed and
 * when it is tried again; --verbose traces every one. A success clears the note, so that a later failure is shown
 * again.
 */
export class RetryNotice {
  readonly #out: Output;
  readonly #line: Pick<StatusLine, 'note'> | undefined;
  #shown: string | undefined;

  constructor(out: Output, line?: Pick<StatusLine, 'note'>) {
    this.#out = out;
    this.#line = line;
  }

  failed(failure: RetriedFailure): void {
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    const attempt = failure.attempt === undefined ? '' : ` (attempt ${failure.attempt + 1})`;
    const when = `trying again in ${formatDelay(failure.retryInMs)}${attempt}`;
    const kind = `${failure.what}\u0000${kindOf(failure.error)}`;
    this.#out.trace(failure.trace ?? `${failure.what} failed: ${message}; ${when}`);
    if (kind !== this.#shown) {
      this.#shown = kind;
      this.#out.warn(`${failure.what} failed: ${message.replace(/\.$/, '')}; ${when}.`, 'RETRYING');
    }
    const brief = message.length > 60 ? `${message.slice(0, 59)}…` : message;
    this.#note(`${failure.what} failed, ${when}: ${brief}`);
  }

  recovered(): void {
    if (this.#shown === undefined) return;
    this.#shown = undefined;
    this.#note(undefined);
  }

  /** Work moves again (bytes arrive): the note goes, but the same failure coming back is not warned about again. */
  progressed(): void {
    if (this.#shown !== undefined) this.#note(undefined);
  }

  #note(text: string | undefined): void {
    if (this.#line) this.#line.note(text === undefined ? undefined : this.#out.show(text));
    else this.#out.note(text);
  }
}
