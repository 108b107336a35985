import { readFile } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import { findControlInText, findNonText } from './text-check.js';

function refuseTerminal(stdin: NodeJS.ReadStream): void {
  if (stdin.isTTY) {
    throw new UsageError('Expected input on stdin, but stdin is a terminal.', {
      hint: 'Pipe the text in, e.g. echo "a prompt" | veo create -',
    });
  }
}

async function readStdinBytes(stdin: NodeJS.ReadStream = process.stdin): Promise<Buffer> {
  refuseTerminal(stdin);
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
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

/** Reads `-` (stdin) or a file as UTF-8 text, with an error that names the file. */
export async function readTextSource(source: string): Promise<string> {
  if (source === '-') return decodeText(await readStdinBytes(), 'stdin');
  let bytes: Buffer;
  try {
    bytes = await readFile(source);
  } catch (error) {
    throw new UsageError(
      `Cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
    );
  }
  return decodeText(bytes, source);
}
