import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** A private folder for one test, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'veo-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Shaped like the API's ids: MongoDB ObjectIds, whose first 8 hex digits are the creation time. */
export function taskId(n: number): string {
  return `6650a1b2${n.toString(16).padStart(16, '0')}`;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WRITER = join(ROOT, 'test', 'helpers', 'journal-writer.ts');

export interface Writer {
  child: ChildProcessWithoutNullStreams;
  /** Settles once the process has exited and its output is closed. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves when the writer prints this line; rejects if it ends without printing it. */
  line(text: string): Promise<void>;
}

/** A child process running test/helpers/journal-writer.ts with `args`, killed when the test ends. */
export function startWriter(t: TestContext, args: string[]): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { cwd: ROOT });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  const printed = new Set<string>();
  const waiting = new Map<string, () => void>();
  createInterface({ input: child.stdout }).on('line', (l) => {
    printed.add(l);
    waiting.get(l)?.();
  });
  return {
    child,
    closed,
    line: (text) =>
      new Promise<void>((resolve, reject) => {
        if (printed.has(text)) resolve();
        waiting.set(text, resolve);
        void closed.then((c) =>
          reject(new Error(`writer ended (${c.code ?? c.signal}) before "${text}": ${c.stderr}`)),
        );
      }),
  };
}
