import { isVeoError, type VeoError } from '../core/errors.js';
import { mostSevere } from '../core/exit-codes.js';

/**
 * What happens during a run, told to whoever listens: the event stream (--events), the hooks (--exec), the
 * notifier and the GitHub step summary. The commands say what happened once; each listener decides what to do.
 * Listeners handle their own failures: one that must change the exit code reports it with `late()`.
 */
export type RunEvent =
  | {
      type: 'created';
      id: string;
      model: string;
      prompt: string;
      /** Set for a batch item: its line in the file. */
      line?: number;
    }
  | { type: 'status'; id: string; status: string; previous?: string }
  | {
      type: 'retry';
      id?: string;
      what: string;
      attempt: number;
      /** How many attempts in all; a wait's failed checks go on until its timeout instead (left out). */
      attempts?: number;
      delayMs: number;
      error: string;
    }
  | { type: 'progress'; id?: string; bytes: number; total?: number }
  | {
      type: 'saved';
      id?: string;
      path: string;
      url: string;
      bytes: number;
      sha256: string;
      /** The hash of the file as saved, when it differs from the video as served (metadata embedded in it). */
      fileSha256?: string;
      /** Another veo saved this very video there: nothing was downloaded now. */
      alreadySaved: boolean;
    }
  | {
      type: 'failed';
      id?: string;
      code: string;
      message: string;
      exitCode: number;
      /** The clip a failure concerns when it is saved all the same (a hook that failed). */
      path?: string;
    }
  | { type: 'expiring'; id: string; expiresAt: string }
  | {
      type: 'item';
      /** The batch file's line; left out for a video `veo sync` looked at. */
      line?: number;
      id?: string;
      outcome: string;
      path?: string;
      prompt?: string;
      /** Why an item did not end saved. */
      code?: string;
      message?: string;
    }
  | {
      type: 'end';
      command: string;
      exitCode: number;
      /** What ended the run when it failed: the error's code and message (the key redacted). */
      error?: { code: string; message: string };
    };

/** One clip as a command's own final report tells it: a row of the GitHub step summary. */
export interface ClipOutcome {
  /** The task id; none when no task was created. */
  id?: string;
  prompt?: string;
  /** saved, already saved, failed, not created, pending, unconfirmed, running, expired, not a video. */
  status: string;
  /** The error code of a clip that was not saved. */
  code?: string;
  /** Rubles, when known. */
  price?: number;
  /** Created, and so paid for, by this run. */
  paidNow?: boolean;
  path?: string;
}

/** What a command settled, clip by clip, once its final report is made: `counts` is its one-line tally. */
export interface RunReport {
  counts: string;
  clips: ClipOutcome[];
}

export type RunListener = (event: RunEvent) => void | Promise<void>;

export class RunEvents {
  #listeners: RunListener[] = [];
  #late: VeoError[] = [];
  #reports: RunReport[] = [];

  on(listener: RunListener): void {
    this.#listeners.push(listener);
  }

  get listening(): boolean {
    return this.#listeners.length > 0;
  }

  /** Tells every listener; resolves once all are done (a hook runs before the command moves on). */
  async emit(event: RunEvent): Promise<void> {
    if (this.#listeners.length === 0) return;
    await Promise.all(this.#listeners.map((listener) => listener(event)));
  }

  /**
   * The last event, whatever listeners do with it: the exit code stays the one given. A failed run's error is told
   * by its code and its message, passed through `redact`.
   */
  async end(command: string, exitCode: number, error?: unknown, redact = (text: string) => text): Promise<number> {
    const failure =
      error === undefined
        ? {}
        : {
            error: {
              code: isVeoError(error) ? error.code : 'INTERNAL',
              message: redact(error instanceof Error ? error.message : String(error)),
            },
          };
    await this.emit({ type: 'end', command, exitCode, ...failure }).catch(() => undefined);
    return exitCode;
  }

  /** The command's account of its clips, kept (only when someone listens) for the listeners of the end. */
  report(report: RunReport): void {
    if (this.listening) this.#reports.push(report);
  }

  get reports(): readonly RunReport[] {
    return this.#reports;
  }

  /** A failure that must not stop the run (the clip is kept) but decides the exit code once the run is over. */
  late(error: VeoError): void {
    this.#late.push(error);
  }

  /**
   * The run ends with `error`: what every other late failure says (a failed hook, a hook a signal stopped) is added
   * to its details, so that a worse failure deciding the exit code does not hide them.
   */
  annotate(error: unknown): unknown {
    if (!isVeoError(error)) return error;
    for (const late of this.#late) {
      if (late === error) continue;
      error.details.push(late.message, ...late.details.map((line) => `  ${line}`));
      if (late.hint) error.details.push(`  ${late.hint}`);
    }
    return error;
  }

  /** Throws the late failure the user must act on first, if any. */
  throwLate(): void {
    const kind = mostSevere(this.#late.map((error) => error.kind));
    const first = this.#late.find((error) => error.kind === kind);
    if (first) throw first;
  }
}
