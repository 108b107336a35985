import type { VeoError } from '../core/errors.js';
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
  | { type: 'failed'; id?: string; code: string; message: string; exitCode: number }
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
    };

export type RunListener = (event: RunEvent) => void | Promise<void>;

export class RunEvents {
  #listeners: RunListener[] = [];
  #late: VeoError[] = [];

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

  /** The last event, whatever listeners do with it: the exit code stays the one given. */
  async end(command: string, exitCode: number): Promise<number> {
    await this.emit({ type: 'end', command, exitCode }).catch(() => undefined);
    return exitCode;
  }

  /** A failure that must not stop the run (the clip is kept) but decides the exit code once the run is over. */
  late(error: VeoError): void {
    this.#late.push(error);
  }

  /** Throws the late failure the user must act on first, if any. */
  throwLate(): void {
    const kind = mostSevere(this.#late.map((error) => error.kind));
    const first = this.#late.find((error) => error.kind === kind);
    if (first) throw first;
  }
}
