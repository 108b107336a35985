import { errnoCode } from './errno-words.js';

/**
 * Every failure the tool can meet, as a small typed hierarchy. Each error carries a `kind` (what the user can do
 * about it) and a stable `code` (a name scripts can match in `--json` output). The CLI maps `kind` to an exit code
 * in one table; nothing in this layer decides how the process ends.
 */
export type ErrorKind =
  | 'usage'
  | 'auth'
  | 'account'
  | 'timeout'
  | 'generation'
  | 'network'
  | 'expired'
  | 'budget'
  | 'hook'
  | 'interrupted'
  | 'internal';

export interface ErrorDetails {
  taskId?: string;
  hint?: string;
  cause?: unknown;
  /** Lines that follow the message, one item each (e.g. the bad lines of a batch file). */
  details?: string[];
  /** The system's code for a failed file operation (EROFS…), when the message puts it in words; else the cause's. */
  errno?: string;
}

/** The base of every failure veo reports; `kind` picks the exit code, `code` is what scripts match. */
export abstract class VeoError extends Error {
  abstract readonly kind: ErrorKind;
  abstract readonly code: string;
  taskId: string | undefined;
  hint: string | undefined;
  details: string[];
  errno: string | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.taskId = details.taskId;
    this.hint = details.hint;
    this.details = details.details ?? [];
    this.errno = details.errno ?? errnoCode(details.cause);
  }
}

/** The command line, a setting or a local file is wrong (exit 2); never retried: the user must change something. */
export class UsageError extends VeoError {
  readonly kind = 'usage';
  readonly code: string;
  constructor(message: string, details: ErrorDetails & { code?: string } = {}) {
    super(message, details);
    this.code = details.code ?? 'USAGE';
  }
}

export interface InputIssue {
  path?: (string | number)[];
  message?: string;
  expected?: string;
  [key: string]: unknown;
}

/** API code 3: the service rejected the request body (exit 2); never retried. */
export class InvalidInputError extends UsageError {
  readonly issues: InputIssue[];
  constructor(message: string, issues: InputIssue[], details: ErrorDetails = {}) {
    super(message, { ...details, code: 'INVALID_INPUT' });
    this.issues = issues;
  }
}

/** API code 4: the service knows no task with this id under this key (exit 2); never retried. */
export class TaskNotFoundError extends UsageError {
  constructor(taskId: string) {
    super(`Task ${taskId} was not found by the API.`, {
      taskId,
      code: 'TASK_NOT_FOUND',
      hint: 'Check the id (veo list shows the tasks started from this machine) and the API key: tasks belong to the account that created them.',
    });
  }
}

/** The output path is taken and --force was not given (exit 2); never retried, the file is left untouched. */
export class FileExistsError extends UsageError {
  readonly path: string;
  constructor(path: string, details: ErrorDetails = {}) {
    super(`${path} already exists; it was left untouched.`, {
      ...details,
      code: 'FILE_EXISTS',
      hint: 'Pass --force to overwrite it, or choose another path with -o.',
    });
    this.path = path;
  }
}

/** No key, or the service refused it (exit 3); never retried. */
export class AuthError extends VeoError {
  readonly kind = 'auth';
  readonly code: string;
  constructor(message: string, details: ErrorDetails & { code?: string } = {}) {
    super(message, {
      hint: 'Set a key with `veo auth login`, or the GPTUNNEL_API_KEY environment variable.',
      ...details,
    });
    this.code = details.code ?? 'AUTH';
  }
}

/** A spending cap (--max-cost, budget.daily, budget.monthly) would be passed: nothing was sent (exit 9). */
export class SpendingCapError extends VeoError {
  readonly kind = 'budget';
  readonly code = 'SPENDING_CAP';
}

/** A --exec command failed after its clip was saved (exit 10): the clip is kept, the run went on. */
export class HookFailedError extends VeoError {
  readonly kind = 'hook';
  readonly code = 'HOOK_FAILED';
}

/** API code 5: the balance is too low, nothing was created (exit 4); never retried. */
export class BalanceError extends VeoError {
  readonly kind = 'account';
  readonly code = 'INSUFFICIENT_BALANCE';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { hint: 'Top up the GPTunnel balance, then run the command again.', ...details });
  }
}

/** API code 6 or HTTP 429: the service is busy (exit 4); retried, and reported only once the retries are spent. */
export class OverloadError extends VeoError {
  readonly kind = 'account';
  readonly code = 'SERVICE_OVERLOADED';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, details: ErrorDetails & { retryAfterMs?: number } = {}) {
    super(message, { hint: 'The service is busy; try again in a few minutes.', ...details });
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The task was still running when --timeout ran out (exit 5); it keeps running, `veo wait` resumes it. */
export class WaitTimeoutError extends VeoError {
  readonly kind = 'timeout';
  readonly code = 'WAIT_TIMEOUT';
}

/**
 * The task ended without a video: status failed/error/cancelled, or moderation codes 1001/1002 (exit 6); never
 * retried, since a new create would be paid again.
 */
export class GenerationFailedError extends VeoError {
  readonly kind = 'generation';
  readonly code = 'GENERATION_FAILED';
  readonly reason: string | undefined;
  constructor(message: string, details: ErrorDetails & { reason?: string } = {}) {
    super(message, details);
    this.reason = details.reason;
  }
}

/**
 * The request may or may not have reached the server (`sent`): a refused connection or a failed DNS lookup
 * provably did not, a reset or a timeout after writing the request might have. A failure that trying again
 * cannot mend (a certificate that does not verify, a proxy that wants a password, an address veo refuses to
 * fetch from) is not `transient`. Exit 7; a read is retried while `transient`, a create only when it was not `sent`.
 */
export class NetworkError extends VeoError {
  readonly kind = 'network';
  readonly code: string;
  readonly sent: boolean;
  readonly transient: boolean;
  constructor(message: string, details: ErrorDetails & { sent: boolean; code?: string; transient?: boolean }) {
    super(message, details);
    this.sent = details.sent;
    this.code = details.code ?? 'NETWORK';
    this.transient = details.transient ?? true;
  }
}

/**
 * The service answered, but not with something usable: 5xx, code 1 or 500, HTML, empty or malformed bodies (exit 7).
 * A read is retried; a create only on a 503 that turned it away before any processing.
 */
export class ServerError extends VeoError {
  readonly kind = 'network';
  readonly code: string;
  readonly status: number | undefined;
  readonly apiCode: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    details: ErrorDetails & { status?: number; apiCode?: number; code?: string; retryAfterMs?: number } = {},
  ) {
    super(message, details);
    this.status = details.status;
    this.apiCode = details.apiCode;
    this.code = details.code ?? 'SERVER_ERROR';
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** A create whose fate is unknown: it may have been created (and billed) (exit 7). Never retried automatically. */
export class UnconfirmedCreateError extends VeoError {
  readonly kind = 'network';
  readonly code = 'CREATE_UNCONFIRMED';
}

/** The file host no longer serves the video: its 48-hour link is gone (exit 8); never retried. */
export class LinkExpiredError extends VeoError {
  readonly kind = 'expired';
  readonly code = 'LINK_EXPIRED';
  readonly status: number;
  constructor(status: number, details: ErrorDetails = {}) {
    super(`The video link is gone (HTTP ${status} from the file host): links live 48 hours after the task finished.`, {
      hint: 'The file cannot be fetched any more; a new task is needed (veo create).',
      ...details,
    });
    this.status = status;
  }
}

/** Saving the video failed (exit 7); a dropped, stalled or truncated transfer is resumed, a bad body is not. */
export class DownloadError extends VeoError {
  readonly kind = 'network';
  readonly code: string;
  /** A dropped, stalled or truncated transfer: worth resuming. A body that is not a video is not. */
  readonly retryable: boolean;
  constructor(message: string, details: ErrorDetails & { code?: string; retryable?: boolean } = {}) {
    super(message, details);
    this.code = details.code ?? 'DOWNLOAD_FAILED';
    this.retryable = details.retryable ?? false;
  }
}

/**
 * The task finished, but what its link holds is an image or a sound, not a video: the model does not make video
 * (exit 6). Nothing is saved and nothing is retried: fetching it again gives the same file, and a new task is paid.
 */
export class NotVideoResultError extends VeoError {
  readonly kind = 'generation';
  readonly code = 'RESULT_NOT_VIDEO';
  /** The media type the file host sent, as sent (checked to be a plain type/subtype before use). */
  readonly contentType: string;
  constructor(message: string, contentType: string, details: ErrorDetails = {}) {
    super(message, details);
    this.contentType = contentType;
  }
}

/** A signal or Ctrl-C stopped the command (exit 130, or the signal's own code); never retried. */
export class InterruptedError extends VeoError {
  readonly kind = 'interrupted';
  readonly code = 'INTERRUPTED';
  /** False when the stop came before the request left (a create interrupted then made nothing). */
  readonly sent: boolean | undefined;
  constructor(message: string, details: ErrorDetails & { sent?: boolean } = {}) {
    super(message, details);
    this.sent = details.sent;
  }
}

export function isVeoError(error: unknown): error is VeoError {
  return error instanceof VeoError;
}

/**
 * Several items were processed and some failed: the exit code follows the most severe of their failures. Not
 * retried as a whole: re-running the command resumes the failed items.
 */
export class ItemsFailedError extends VeoError {
  readonly kind: ErrorKind;
  readonly code = 'ITEMS_FAILED';
  constructor(message: string, kind: ErrorKind, details: ErrorDetails = {}) {
    super(message, details);
    this.kind = kind;
  }
}

/** Adds a clause to a message that ends a sentence: "…refused; gave up after 2 attempts.", not "…refused. (gave…)". */
export function addClause(message: string, clause: string): string {
  return `${message.replace(/[.\s]+$/, '')}; ${clause}.`;
}
