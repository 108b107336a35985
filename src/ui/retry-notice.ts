import { STATUS_CODES } from 'node:http';
import { isVeoError, ServerError } from '../core/errors.js';
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
  /** How many attempts there are in all, when bounded. */
  attempts?: number;
  /** The --verbose line for every failure (a trace scripts and tests may already read); a default one otherwise. */
  trace?: string;
  /** The warning in full, when the default ("<what> failed: <why>; trying again in …") does not say what happens. */
  warning?: string;
  /** The reason on the live line, when the default (the short reason and the attempt) does not fit. */
  why?: string;
}

/** A failure after retries, as a wait tells it: the message without its "gave up", and how many requests failed. */
export function retriedRequests(error: unknown): { message: string; requests: number } {
  const message = error instanceof Error ? error.message : String(error);
  const gaveUp = /; gave up after (\d+) attempts\.?$/.exec(message);
  return gaveUp
    ? { message: `${message.slice(0, gaveUp.index)}.`, requests: Number(gaveUp[1]) }
    : { message, requests: 1 };
}

/** "21:40 (in 28 min)": a moment within the day, as the clock on the wall shows it, and how far off it is. */
export function clockTime(epochMs: number, now = Date.now()): string {
  const at = new Date(epochMs);
  const hhmm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  const minutes = Math.max(0, Math.ceil((epochMs - now) / 60_000));
  return `${hhmm} (in ${minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`})`;
}

export function formatDelay(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

/** "5 s", "0.4 s": for the live line, where a person reads it at a glance; whole seconds are rounded up. */
function secondsText(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  return `${seconds < 1 ? seconds.toFixed(1) : Math.ceil(seconds)} s`;
}

function kindOf(error: unknown): string {
  if (isVeoError(error)) return error.code;
  return error instanceof Error ? error.name : typeof error;
}

/** The reason in a few words: a status with its name, else the message without its full stop. */
export function shortReason(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  if (error instanceof ServerError && typeof status === 'number' && status >= 500) {
    return `${status} ${STATUS_CODES[status] ?? 'server error'}`;
  }
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  return message.length > 60 ? `${message.slice(0, 59)}…` : message;
}

/**
 * Makes failures that are being retried visible while the user waits, without flooding a log: the first failure,
 * and each change of failure, are a warning on stderr (a JSON line in --json mode); the running spinner (or live
 * line) says what is happening: "retrying in 2 s: 503 Service Unavailable (attempt 2 of 5)"; --verbose traces
 * every one. A success clears the note, so that a later failure is shown again.
 */
export class RetryNotice {
  readonly #out: Output;
  readonly #line: Pick<StatusLine, 'note'> | undefined;
  #shown: string | undefined;
  #countdown: NodeJS.Timeout | undefined;

  constructor(out: Output, line?: Pick<StatusLine, 'note'>) {
    this.#out = out;
    this.#line = line;
  }

  failed(failure: RetriedFailure): void {
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    const next = failure.attempt === undefined ? undefined : failure.attempt + 1;
    const of = failure.attempts === undefined ? '' : ` of ${failure.attempts}`;
    const polling = this.#out.polling;
    // Within a wait, the last attempt of one check is not the end: polling goes on until the timeout.
    const attempt = next === undefined || polling ? '' : ` (attempt ${next}${of})`;
    const when = `trying again in ${formatDelay(failure.retryInMs)}${attempt}`;
    const kind = `${failure.what}\u0000${kindOf(failure.error)}`;
    this.#out.trace(failure.trace ?? `${failure.what} failed: ${message}; ${when}`);
    if (kind !== this.#shown) {
      this.#shown = kind;
      const text = failure.warning ?? `${failure.what} failed: ${message.replace(/\.$/, '')}; ${when}.`;
      if (this.#out.json) this.#jsonLine(failure, text, next);
      else this.#out.warn(text, 'RETRYING');
    }
    // The live line counts down to the next try, once a second.
    const until = Date.now() + failure.retryInMs;
    const inARow =
      polling && failure.attempt !== undefined
        ? ` (${polling.failedInARow + failure.attempt} failed in a row; polling until ${clockTime(polling.deadline).slice(0, 5)})`
        : '';
    const why = failure.why ?? `${shortReason(failure.error)}${attempt}${inARow}`;
    const show = () => {
      const left = until - Date.now();
      this.#note(left > 0 ? `retrying in ${secondsText(left)}: ${why}` : `retrying now: ${why}`);
      if (left <= 0) this.#stopCountdown();
    };
    this.#stopCountdown();
    show();
    if (failure.retryInMs > 1000) {
      this.#countdown = setInterval(show, 1000);
      this.#countdown.unref();
    }
  }

  #stopCountdown(): void {
    if (this.#countdown !== undefined) clearInterval(this.#countdown);
    this.#countdown = undefined;
  }

  recovered(): void {
    this.#stopCountdown();
    if (this.#shown === undefined) return;
    this.#shown = undefined;
    this.#note(undefined);
  }

  /** Work moves again (bytes arrive): the note goes, but the same failure coming back is not warned about again. */
  progressed(): void {
    this.#stopCountdown();
    if (this.#shown !== undefined) this.#note(undefined);
  }

  /**
   * In --json mode a warning is a JSON line (as every warning is there), with the retry's parts as fields of their
   * own so that a script need not parse the message.
   */
  #jsonLine(failure: RetriedFailure, message: string, next: number | undefined): void {
    const warning = {
      code: 'RETRYING',
      message,
      what: failure.what,
      error: kindOf(failure.error),
      retryInMs: Math.round(failure.retryInMs),
      ...(next === undefined ? {} : { attempt: next }),
      ...(failure.attempts === undefined ? {} : { attempts: failure.attempts }),
    };
    this.#out.jsonLine({ warning });
  }

  #note(text: string | undefined): void {
    if (this.#line) this.#line.note(text === undefined ? undefined : this.#out.show(text));
    else this.#out.note(text);
  }
}
