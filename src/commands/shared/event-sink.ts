import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { errnoWords } from '../../core/errno-words.js';
import { expandHome } from '../../task/output-names.js';
import { handedDescriptorProblem } from './handed-descriptor.js';

/** Where `--events` writes: stdout (shared with the results, see Output.divertResults), or a descriptor of its own. */
export type EventTarget = { kind: 'stdout' } | { kind: 'fd'; fd: number; label: string; owned: boolean };

/** A reader that takes nothing for this long in all is given up on: the run must not hang on its event stream. */
const STUCK_READER_MS = 10_000;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** The descriptors a script hands over by name: these links are the shell's, so they are followed. */
function namedDescriptor(target: string): number | undefined {
  if (target === '-' || target === '/dev/stdout') return 1;
  if (target === '/dev/stderr') return 2;
  const fd = /^\/dev\/fd\/(\d{1,6})$/.exec(target)?.[1];
  return fd === undefined ? undefined : Number(fd);
}

function refused(target: string, why: string, hint?: string): UsageError {
  return new UsageError(`Cannot write the event stream to ${target}: ${why}.`, {
    code: 'EVENTS_NOT_WRITABLE',
    hint: hint ?? 'Give --events a file that can be written (it is appended to), or - for stdout.',
  });
}

/**
 * Opens the place `--events` names, before anything is paid for: a file is appended to (created 0600), and a
 * symbolic link there is refused, as veo never writes through a link it did not make. A FIFO needs its reader
 * already there; a descriptor named by number must be one the caller handed over open for writing. Anything that
 * cannot be written is a usage error (exit 2).
 */
export function openEventTarget(target: string): EventTarget {
  const named = namedDescriptor(target);
  if (named === 1) return { kind: 'stdout' };
  if (named !== undefined) {
    const problem = handedDescriptorProblem(named);
    if (problem !== undefined) throw refused(target, problem);
    return { kind: 'fd', fd: named, label: target, owned: false };
  }
  if (target === '') throw refused('""', 'no file was named');
  const path = resolve(expandHome(target));
  const flags =
    constants.O_WRONLY |
    constants.O_APPEND |
    constants.O_CREAT |
    (constants.O_NOFOLLOW ?? 0) |
    // A FIFO without a reader answers at once (ENXIO) instead of blocking the open for ever.
    (constants.O_NONBLOCK ?? 0);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refused(path, 'it is a symbolic link, and veo does not write through one');
    if (code === 'ENXIO') throw refused(path, 'it is a FIFO that nothing reads yet', 'Start the reader first.');
    throw refused(path, errnoWords(error as NodeJS.ErrnoException));
  }
  const info = fstatSync(fd);
  if (!info.isFile() && !info.isFIFO() && !info.isCharacterDevice()) {
    closeSync(fd);
    throw refused(path, 'it is neither a file nor a FIFO');
  }
  return { kind: 'fd', fd, label: path, owned: true };
}

/**
 * Writes one whole line with one write where the descriptor takes it (a file opened for appending, a pipe): lines
 * of concurrent items, or of other veo processes appending to the same file, never interleave. A pipe that is full
 * is waited for, within a bound.
 */
export function writeLine(fd: number, line: string): void {
  const bytes = Buffer.from(line, 'utf8');
  let offset = 0;
  let waitedMs = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || waitedMs >= STUCK_READER_MS) throw error;
      Atomics.wait(pause, 0, 0, 5);
      waitedMs += 5;
    }
  }
}
