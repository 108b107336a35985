import type { Output } from './output.js';
import { spinnerWanted } from './output.js';
import type { StatusLine } from './status-line.js';

/**
 * Progress of several things at once (`veo batch`). On a terminal: one live line per running item, redrawn in place
 * below the permanent lines. Elsewhere: one plain line per event, which reads well in a CI log. Silent in --json
 * and --quiet.
 */
export interface ProgressBoard {
  /** A live line for one item, `label` shown after its status; in a log it shows nothing (events tell the story). */
  line(prefix: string, label?: string): StatusLine;
  /** `important` events (saved, failed) are kept on a terminal too; the others only pass through the live line. */
  event(text: string, important?: boolean): void;
  /** Writes something else to the terminal (a result line on stdout) with the live lines out of its way. */
  around(write: () => void): void;
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK_MS = 80;

const silentLine: StatusLine = { update() {}, done() {}, clear() {}, note() {}, around: (write) => write() };

class SilentBoard implements ProgressBoard {
  line(): StatusLine {
    return silentLine;
  }
  event(): void {}
  around(write: () => void): void {
    write();
  }
  stop(): void {}
}

class LogBoard implements ProgressBoard {
  constructor(private readonly out: Output) {}
  line(): StatusLine {
    return silentLine;
  }
  event(text: string): void {
    this.out.info(text);
  }
  around(write: () => void): void {
    write();
  }
  stop(): void {}
}

interface Row {
  prefix: string;
  text: string;
  label: string;
  note?: string;
}

class LiveBoard implements ProgressBoard {
  readonly #out: Output;
  readonly #stream: NodeJS.WriteStream;
  readonly #write: (text: string) => boolean;
  readonly #originalWrite: NodeJS.WriteStream['write'];
  readonly #rows = new Set<Row>();
  readonly #timer: NodeJS.Timeout;
  #drawn = 0;
  #frame = 0;
  #stopped = false;

  constructor(out: Output) {
    this.#out = out;
    this.#stream = out.streams.stderr;
    this.#originalWrite = this.#stream.write;
    this.#write = (text) => this.#originalWrite.call(this.#stream, text);
    // Anything else written to stderr meanwhile (a warning) would land inside the live block and be overwritten:
    // erase the block first, let the text through, and draw the block again below it on the next tick.
    this.#stream.write = ((...args: Parameters<NodeJS.WriteStream['write']>) => {
      this.#erase();
      return (this.#originalWrite as (...a: typeof args) => boolean).apply(this.#stream, args);
    }) as NodeJS.WriteStream['write'];
    this.#timer = setInterval(() => {
      this.#frame = (this.#frame + 1) % FRAMES.length;
      this.#draw();
    }, TICK_MS);
    this.#timer.unref();
  }

  #erase(): void {
    if (this.#drawn > 0) this.#write(`\u001b[${this.#drawn}F\u001b[J`);
    this.#drawn = 0;
  }

  #draw(above = ''): void {
    if (this.#stopped) return;
    const width = Math.max(20, (this.#stream.columns ?? 80) - 1);
    const room = Math.max(1, (this.#stream.rows ?? 24) - 2);
    const rows = [...this.#rows];
    const shown = rows.length > room ? rows.slice(0, room - 1) : rows;
    const lines = shown.map((row) => {
      const note = row.note ? ` · ${row.note}` : '';
      const text = `${row.prefix} ${FRAMES[this.#frame]} ${row.text}${note}${row.label ? `  ${row.label}` : ''}`;
      return text.length > width ? `${text.slice(0, width - 1)}…` : text;
    });
    if (shown.length < rows.length) lines.push(`… and ${rows.length - shown.length} more running`);
    const erase = this.#drawn > 0 ? `\u001b[${this.#drawn}F\u001b[J` : '';
    // One write per frame, so the terminal never shows a half-drawn block.
    this.#write(`${erase}${above}${lines.map((line) => `${line}\n`).join('')}`);
    this.#drawn = lines.length;
  }

  line(prefix: string, label = ''): StatusLine {
    const row: Row = { prefix, text: '', label: this.#out.show(label) };
    this.#rows.add(row);
    const remove = () => {
      if (this.#rows.delete(row)) this.#draw();
    };
    return {
      // The board already redraws below whatever else is written to stderr.
      around: (write) => write(),
      update: (status, detail) => {
        row.text = this.#out.show(detail ? `${status} ${detail}` : status);
      },
      note: (text) => {
        row.note = text === undefined ? undefined : this.#out.show(text);
      },
      done: (message) => {
        this.#rows.delete(row);
        if (message) this.event(`${prefix} ${message}`, true);
        else remove();
      },
      clear: remove,
    };
  }

  event(text: string, important = false): void {
    if (important) this.#draw(`${this.#out.show(text)}\n`);
  }

  around(write: () => void): void {
    // stdout may be the same terminal: the block is erased first and drawn again below on the next tick.
    this.#erase();
    write();
  }

  stop(): void {
    if (this.#stopped) return;
    clearInterval(this.#timer);
    this.#erase();
    this.#stopped = true;
    this.#stream.write = this.#originalWrite;
  }
}

export type BoardMode = 'live' | 'log' | 'silent';

export function boardModeFor(out: Output): BoardMode {
  if (!out.chatty) return 'silent';
  return spinnerWanted(out.options, out.streams.stderr) ? 'live' : 'log';
}

export function createProgressBoard(out: Output, mode = boardModeFor(out)): ProgressBoard {
  if (mode === 'live') return new LiveBoard(out);
  return mode === 'log' ? new LogBoard(out) : new SilentBoard();
}
