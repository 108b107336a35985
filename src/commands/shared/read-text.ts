import { errnoWords } from '../../core/errno-words.js';
import { createReadStream } from 'node:fs';
import { InterruptedError, UsageError } from '../../core/errors.js';
import { findControlInText, findNonText } from './text-check.js';

function refuseTerminal(stdin: NodeJS.ReadStream): void {
  if (stdin.isTTY) {
    throw new UsageError('Expected input on stdin, but stdin is a terminal.', {
      hint: 'Pipe the text in, e.g. `echo "a prompt" | veo create -` or `cat prompts.txt | veo batch -`; or give a file.',
    });
  }
}

/** The most text veo reads as prompts: far beyond any batch a person writes, far below what would hurt memory. */
export const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export interface ReadLimits {
  /** A Ctrl-C stops the read at once: a source may never end (a device, an endless pipe). */
  signal?: AbortSignal;
  maxBytes?: number;
}

/**
 * Reads a stream of what must be text, refusing it as soon as it cannot be: a NUL byte (a binary file, a device)
 * or more bytes than any prompt file holds. Never holds more than the limit in memory.
 */
async function collect(source: AsyncIterable<unknown>, label: string, limits: ReadLimits): Promise<Buffer> {
  const max = limits.maxBytes ?? MAX_TEXT_BYTES;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    if (limits.signal?.aborted) throw new InterruptedError(`Interrupted while reading ${label}: nothing was sent.`);
    const bytes = chunk as Buffer;
    if (bytes.includes(0)) {
      // Decoded in full it is named by line and column; only what came so far is needed for that.
      return Buffer.concat([...chunks, bytes]);
    }
    size += bytes.length;
    if (size > max) {
      throw new UsageError(`${label} is larger than ${max / (1024 * 1024)} MiB: not a prompt file. Nothing was sent.`, {
        code: 'INPUT_TOO_LARGE',
        hint: 'Check that the right file was given; split a very large batch into several files.',
      });
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

async function readStdinBytes(stdin: NodeJS.ReadStream = process.stdin, limits: ReadLimits = {}): Promise<Buffer> {
  refuseTerminal(stdin);
  return collect(stdin, 'stdin', limits);
}

export async function readStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  return (await readStdinBytes(stdin)).toString('utf8');
}

/** Bytes that must be text (prompts are paid for), decoded, or refused naming the first line that is not text. */
export function decodeText(bytes: Buffer, label: string): string {
  const problem = findNonText(bytes);
  if (problem) {
    throw new UsageError(`${label} is not text: line ${problem.line} ${problem.message}. Nothing was sent.`, {
      code: 'NOT_TEXT',
      hint: 'Prompts must be UTF-8 text. Check that the right file was given.',
    });
  }
  return bytes.toString('utf8');
}

/** The same rule for text given as a command-line argument, which the shell has already decoded. */
export function checkArgumentText(text: string, label: string): string {
  const problem = findControlInText(text);
  if (problem) {
    throw new UsageError(`${label} is not text: it ${problem.message}. Nothing was sent.`, {
      code: 'NOT_TEXT',
      hint: 'Give the prompt as plain UTF-8 text.',
    });
  }
  return text;
}

function unreadable(source: string, error: unknown): UsageError {
  return new UsageError(`Cannot read ${source}: ${errnoWords(error)}.`, {
    code: 'UNREADABLE_INPUT',
    cause: error,
    hint: 'Give the path of a text file, or - to read stdin.',
  });
}

/** Reads `-` (stdin) or a file as UTF-8 text, with an error that names the file. */
export async function readTextSource(source: string, limits: ReadLimits = {}): Promise<string> {
  if (source === '-') return decodeText(await readStdinBytes(process.stdin, limits), 'stdin');
  let bytes: Buffer;
  try {
    bytes = await collect(createReadStream(source), source, limits);
  } catch (error) {
    if (error instanceof UsageError || error instanceof InterruptedError) throw error;
    throw unreadable(source, error);
  }
  return decodeText(bytes, source);
}
