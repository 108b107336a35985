import type { ChalkInstance } from 'chalk';
import { redactKey } from '../api/key.js';
import { absorbClosedStreams, isClosed } from './closed-streams.js';
import { showable } from './showable.js';
import { createStatusLine, type StatusLine } from './status-line.js';
import { annotation, underGitHubActions } from './workflow-commands.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** false when --no-color was given */
  color: boolean;
}

/** A result that stdout would have carried: a printed line (exact text, redacted) or the --json document. */
export type DivertedResult = { text: string } | { data: unknown };

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Colour only on a terminal; NO_COLOR and FORCE_COLOR=0 are honoured here because chalk ignores NO_COLOR. */
export function colorWanted(options: OutputOptions, stream: NodeJS.WriteStream, env = process.env): boolean {
  if (!options.color || options.json) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** A spinner needs a real terminal with a width: ora can hang on a terminal that reports 0 columns. */
export function spinnerWanted(options: OutputOptions, stream: NodeJS.WriteStream, env = process.env): boolean {
  if (options.json || options.quiet) return false;
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false') return false;
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && env.TERM !== 'dumb';
}

/**
 * The one place that writes to the terminal. stdout carries results only; everything else goes to stderr. Every
 * line passes through key redaction, so a key that slipped into a message from anywhere is still never shown, and
 * every line meant for a person through `showable`, so text from outside cannot drive the terminal. A stream its
 * reader closed is written to no more, and that never changes how the command ends.
 */
export class Output {
  readonly options: OutputOptions;
  readonly streams: Streams;
  #secret: string | undefined;
  #chalk: ChalkInstance | undefined;
  #spinner: StatusLine | undefined;
  /**
   * Set while a wait polls a task: a request retried inside one check is then not "attempt 5 of 5" (the wait goes
   * on after it), but one more failure in a row, with the time polling goes on until.
   */
  polling: { deadline: number; failedInARow: number } | undefined;
  /** Set when stdout carries the event stream: results go there instead, to travel as an event. */
  #divert: ((result: DivertedResult) => void) | undefined;
  /**
   * Under GitHub Actions each error and warning shown is also an annotation line on stderr (the runner reads both
   * streams), titled with the command. Not in --json mode: stderr carries JSON only there, and stdout the results.
   */
  #annotations: { title: string } | undefined;

  private constructor(options: OutputOptions, streams: Streams, chalk: ChalkInstance | undefined, annotate: boolean) {
    this.options = options;
    this.streams = streams;
    this.#chalk = chalk;
    this.#annotations = annotate && !options.json ? { title: 'veo' } : undefined;
    absorbClosedStreams(streams);
  }

  static async create(options: OutputOptions, streams: Streams = process, env = process.env): Promise<Output> {
    let chalk: ChalkInstance | undefined;
    if (colorWanted(options, streams.stderr, env)) {
      const { Chalk } = await import('chalk');
      chalk = new Chalk({ level: 1 });
    }
    return new Output(options, streams, chalk, underGitHubActions(env));
  }

  /** The command being run, once known: it titles the annotations (`veo batch`). */
  set command(name: string) {
    if (this.#annotations) this.#annotations.title = `veo ${name}`;
  }

  /**
   * An annotation for the GitHub Actions runner, when running there: `text` is made of showable lines (a rendered
   * error's), redacted here before its line breaks are escaped, so that the whole text is one annotation.
   */
  annotate(level: 'error' | 'warning', text: string): void {
    if (this.#annotations) this.#toStderr(annotation(level, this.#annotations.title, this.redact(text)));
  }

  get json(): boolean {
    return this.options.json;
  }

  /** Progress and hints are shown only to a person: not in --json or --quiet. */
  get chatty(): boolean {
    return !this.options.json && !this.options.quiet;
  }

  setSecret(key: string | undefined): void {
    this.#secret = key;
  }

  redact(text: string): string {
    return redactKey(text, this.#secret);
  }

  /** Redacted, and with every control character visibly escaped: for any text a person reads. */
  show(text: string): string {
    return showable(this.redact(text));
  }

  /** A short note on the running spinner (what is being retried), or none. */
  note(text: string | undefined): void {
    this.#spinner?.note(text === undefined ? undefined : this.show(text));
  }

  paint(style: 'red' | 'yellow' | 'green' | 'dim' | 'bold' | 'cyan', text: string): string {
    return this.#chalk ? this.#chalk[style](text) : text;
  }

  /**
   * stdout becomes the event stream's (`--events -`): from now on every result is handed to `divert` rather than
   * printed, so that stdout never carries two formats. Returns stdout, for the stream's writer alone.
   */
  divertResults(divert: (result: DivertedResult) => void): NodeJS.WriteStream {
    this.#divert = divert;
    return this.streams.stdout;
  }

  /** One line of result on stdout. */
  result(line: string): void {
    if (this.#divert) this.#divert({ text: this.redact(line) });
    else this.#toStdout(`${this.show(line)}\n`);
  }

  /** One row of tab-separated cells on stdout: each cell made showable, so that the only tabs are the separators. */
  resultRow(cells: string[]): void {
    if (this.#divert) this.#divert({ text: this.redact(cells.join('\t')) });
    else this.#toStdout(`${cells.map((cell) => this.show(cell)).join('\t')}\n`);
  }

  /** A table's header line: bold on a terminal. */
  heading(line: string): void {
    if (this.#divert) this.#divert({ text: this.redact(line) });
    else this.#toStdout(`${this.paint('bold', this.show(line))}\n`);
  }

  /** The single JSON document of --json mode: exact values (JSON escapes control characters), the key redacted. */
  data(value: unknown): void {
    if (this.#divert) this.#divert({ data: JSON.parse(this.redact(JSON.stringify(value))) as unknown });
    else this.#toStdout(`${this.redact(JSON.stringify(value, null, 2))}\n`);
  }

  info(message: string): void {
    if (this.chatty) this.#toStderr(`${this.show(message)}\n`);
  }

  /**
   * A warning: a line for a person, or in --json mode a JSON line of its own on stderr, `{"warning":{"code",
   * "message"}}`, the same shape as the notes about odd answers, so that stderr carries JSON only. --quiet alone
   * silences it; --json never does, since a script can skip what it does not need.
   */
  warn(message: string, code = 'WARNING'): void {
    if (this.json) this.jsonLine({ warning: { code, message } });
    else if (this.chatty) {
      this.#toStderr(`${this.paint('yellow', 'warning:')} ${this.show(message)}\n`);
      this.annotate('warning', this.show(message));
    }
  }

  /** One JSON document on a line of stderr (--json mode): exact values, the key redacted. */
  jsonLine(value: unknown): void {
    this.stderr(`${JSON.stringify(value)}\n`);
  }

  trace(message: string): void {
    if (this.options.verbose) this.#toStderr(`${this.paint('dim', this.show(message))}\n`);
  }

  #toStdout(text: string): void {
    if (!isClosed(this.streams.stdout)) this.streams.stdout.write(text);
  }

  /** Lines written while a spinner runs are slipped in above it instead of through it. */
  #toStderr(text: string): void {
    if (isClosed(this.streams.stderr)) return;
    const write = () => this.streams.stderr.write(text);
    if (this.#spinner) this.#spinner.around(write);
    else write();
  }

  /**
   * Text on stderr that is already made of showable parts (a rendered error) or is a JSON document; always shown.
   * Only redacted here: its own line breaks are meant.
   */
  stderr(text: string): void {
    if (!isClosed(this.streams.stderr)) this.streams.stderr.write(this.redact(text));
  }

  /** `spinnerOnly`: a short step that is worth a spinner on a terminal but not a line in a log. */
  async statusLine(options: { spinnerOnly?: boolean } = {}): Promise<StatusLine> {
    if (!this.chatty) return createStatusLine({ mode: 'silent', stream: this.streams.stderr });
    if (spinnerWanted(this.options, this.streams.stderr)) {
      this.#spinner = createStatusLine({
        mode: 'spinner',
        stream: this.streams.stderr,
        redact: (t) => this.show(t),
        color: this.#chalk !== undefined,
      });
      return this.#spinner;
    }
    if (options.spinnerOnly) return createStatusLine({ mode: 'silent', stream: this.streams.stderr });
    return createStatusLine({ mode: 'plain', stream: this.streams.stderr, redact: (t) => this.show(t) });
  }
}
