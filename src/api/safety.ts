// The rules of a safe create, in one place: every create is billed, so what a failed one tells about whether a task
// exists decides both whether it may be sent again (retry.ts) and whether its id must be looked for (client.ts).
import { InterruptedError, NetworkError, OverloadError, ServerError, UnconfirmedCreateError } from '../core/errors.js';

/** The longest a Ctrl-C waits for the answer of a create already on its way; a second Ctrl-C stops at once. */
export const CREATE_ANSWER_GRACE_MS = 10_000;

/**
 * Whether a failed create may still have created (and billed) a task. Only answers that say nothing happened are
 * trusted: a refused or never-made connection, a redirect, 429/503 (turned away before processing) and the codes
 * that mean "not done" (2 to 7, 99, moderation). A gateway's 5xx, codes 1 and 500, or a 200 that cannot be read may
 * each hide a task that exists.
 */
export function mayHaveCreated(error: unknown): boolean {
  if (error instanceof NetworkError) return error.sent;
  if (!(error instanceof ServerError)) return false;
  if (notTheService(error)) return false;
  if (error.apiCode !== undefined) return error.apiCode === 1 || error.apiCode === 500;
  if (error.status === undefined || error.status === 200) return true;
  return error.status >= 500 && error.status !== 503;
}

/**
 * Whether a failed create may be sent again: only when it provably created nothing and trying again may help (the
 * connection was never made, or the service said it was too busy to take the request), never after a failure that
 * may have happened once the request was sent.
 */
export function mayRepeatCreate(error: unknown): boolean {
  if (error instanceof OverloadError) return true;
  if (error instanceof NetworkError) return error.transient && !error.sent;
  // A 503 from a proxy in front of the service means the request was turned away before any processing.
  if (error instanceof ServerError) return !notTheService(error) && error.status === 503;
  return false;
}

/** The answer came from something other than the service (a wrong base URL, a redirect): no task was made there. */
export function notTheService(error: ServerError): boolean {
  return error.code === 'WRONG_BASE_URL' || error.code === 'UNEXPECTED_REDIRECT';
}

export function unconfirmedCreate(error: NetworkError | ServerError): UnconfirmedCreateError {
  const why =
    error instanceof NetworkError
      ? 'The create request may have reached the service'
      : 'The service may have created the task all the same';
  return new UnconfirmedCreateError(
    `${error.message} ${why}, so it was not sent again: a task may have been created (and billed).`,
    {
      cause: error,
      hint: 'Check your GPTunnel dashboard for the task; once you know its id, `veo wait <id>` or `veo download <id>` picks it up. Re-run the create only if no task was made.',
    },
  );
}

/**
 * The signal for a create request in flight. An abort reaches it only `graceMs` later: once the request is out, its
 * answer is the only place the id of a paid task appears, so losing it to a Ctrl-C would lose the task. Nothing is
 * started after an abort: the caller checks `signal.aborted` first.
 */
export function deferAbort(signal: AbortSignal | undefined, graceMs: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    timer = setTimeout(() => controller.abort(signal?.reason), graceMs);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    },
  };
}

/** Throws before anything is sent when the user already asked to stop. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError('Interrupted before the request was sent.', { sent: false });
}

/** A result answer about another task would be journaled and downloaded under the wrong id. */
export function checkTaskId(answer: unknown, taskId: string | undefined): void {
  const id = (answer as { id?: unknown }).id;
  if (taskId === undefined || id === taskId) return;
  throw new ServerError(`The API answered the result of ${taskId} with another task (${String(id)}).`, {
    status: 200,
    code: 'UNEXPECTED_ANSWER',
    taskId,
  });
}
