import { readFile } from 'node:fs/promises';
import { UsageError } from '../api/errors.js';

export async function readStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY) {
    throw new UsageError('Expected input on stdin, but stdin is a terminal.', {
      hint: 'Pipe the text in, e.g. echo "a prompt" | veo create -',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads `-` (stdin) or a file as UTF-8, with an error that names the file. */
export async function readTextSource(source: string): Promise<string> {
  if (source === '-') return readStdin();
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
    );
  }
}
