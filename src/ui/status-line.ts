import type { Ora } from 'ora';

/**
 * A live status for long operations. On a terminal it is an ora spinner; elsewhere one plain line per change of
 * `status` (the detail, such as elapsed time, changes every second and would flood a CI log).
 */
export interface StatusLine {
  update(status: string, detail?: string): void;
  /** Stops the spinner and leaves a final line (a plain line when there is no terminal). */
  done(message?: string): void;
  /** Stops the spinner without leaving anything. */
  clear(): void;
  /** Writes a line of its own on the same stream without garbling a running spinner. */
  around(write: () => void): void;
  /**
   * A note shown after the status on a spinner (what failed and when it is tried again), until replaced or
   * cleared with undefined. A plain log gets the warning line instead, so it ignores notes.
   */
  note(text: string | undefined): void;
}

export interface StatusLineOptions {
  mode: 'spinner' | 'plain' | 'silent';
  stream: NodeJS.WriteStream;
  redact?: (text: string) => string;
  /** ora colours its spinner on its own; NO_COLOR and --no-color must reach it too. */
  color?: boolean;
}

class SilentLine implements StatusLine {
  update(): void {}
  done(): void {}
  clear(): void {}
  note(): void {}
  around(write: () => void): void {
    write();
  }
}

class PlainLine implements StatusLine {
  #last: string | undefined;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly redact: (text: string) => string,
  ) {}
  update(status: string): void {
    if (status === this.#last) return;
    this.#last = status;
    this.stream.write(`${this.redact(status)}\n`);
  }
  done(message?: string): void {
    if (message) this.stream.write(`${this.redact(message)}\n`);
  }
  clear(): void {}
  note(): void {}
  around(write: () => void): void {
    write();
  }
}

class SpinnerLine implements StatusLine {
  #spinner: Ora | undefined;
  #loading = false;
  #text = '';
  #note: string | undefined;
  #stopped = false;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly redact: (text: string) => string,
    private readonly color: boolean,
  ) {}
  /** ora is loaded on the first update, so a command that fails before showing progress never starts a spinner. */
  #start(): void {
    if (this.#loading || this.#stopped) return;
    this.#loading = true;
    void import('ora').then(({ default: ora }) => {
      if (this.#stopped) return;
      this.#spinner = ora({
        stream: this.stream,
        discardStdin: false,
        hideCursor: true,
        isEnabled: true,
        color: this.color ? 'cyan' : false,
      });
      this.#spinner.start(this.#shown());
    });
  }
  /**
   * Never wider than the terminal: the spinner and its space take two columns, and a line that reaches the last
   * column wraps the cursor, which leaves a copy behind on every redraw. So the text gets the width less three.
   */
  #shown(): string {
    const text = this.#note ? `${this.#text} · ${this.#note}` : this.#text;
    const room = Math.max(10, (this.stream.columns || 80) - 3);
    const chars = [...text];
    return chars.length > room ? `${chars.slice(0, room - 1).join('')}…` : text;
  }
  update(status: string, detail?: string): void {
    this.#text = this.redact(detail ? `${status} ${detail}` : status);
    if (this.#spinner) this.#spinner.text = this.#shown();
    else this.#start();
  }
  note(text: string | undefined): void {
    this.#note = text === undefined ? undefined : this.redact(text);
    if (this.#spinner) this.#spinner.text = this.#shown();
  }
  done(message?: string): void {
    this.#stopped = true;
    if (!this.#spinner) {
      if (message) this.stream.write(`${this.redact(message)}\n`);
      return;
    }
    if (message) this.#spinner.stopAndPersist({ symbol: '✔', text: this.redact(message) });
    else this.#spinner.stop();
  }
  clear(): void {
    this.#stopped = true;
    this.#spinner?.stop();
  }
  around(write: () => void): void {
    const spinning = this.#spinner?.isSpinning ?? false;
    if (spinning) this.#spinner?.clear();
    write();
    if (spinning) this.#spinner?.render();
  }
}

export function createStatusLine(options: StatusLineOptions): StatusLine {
  const redact = options.redact ?? ((text: string) => text);
  if (options.mode === 'silent') return new SilentLine();
  if (options.mode === 'plain') return new PlainLine(options.stream, redact);
  return new SpinnerLine(options.stream, redact, options.color ?? false);
}
