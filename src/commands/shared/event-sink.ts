import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { errnoWords } from '../../core/errno-words.js';
import { expandHome } from '../../task/output-names.js';
import { handedDescriptorProblem } from './handed-descriptor.js';

/** Where `--events` writes: stdout (shared with the results, see Output.divertResults), or a descriptor of its own. */
export type EventTarget = { kind: 'stdout' } | { kind: 'fd'; fd: number; label: string; owned: boolean };

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
 * Writes the stream's lines, whole and in order, without ever blocking the process: a pipe whose reader is slow, or
 * gone quiet, must not hold the run, nor keep Ctrl-C or SIGTERM from being handled. `finish` resolves once every
 * line is written, or once the stream is given up.
 */
export interface EventWriter {
  write(line: string): void;
  finish(): Promise<void>;
}

/** Why a stream was given up: the reader took nothing for the whole of the stream's bound. */
export class StalledReaderError extends Error {
  readonly code = 'ESTALLED';
}

/**
 * A file (or a device such as /dev/null) takes a line at once: each is written with one write, so that lines of
 * concurrent items, or of other veo processes appending to the same file, never interleave.
 */
function fileWriter(fd: number, owned: boolean, fail: (error: unknown) => void): EventWriter {
  let broken = false;
  return {
    write(line) {
      if (broken) return;
      const bytes = Buffer.from(line, 'utf8');
      try {
        for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
      } catch (error) {
        broken = true;
        fail(error);
      }
    },
    finish() {
      if (owned) closeSync(fd);
      return Promise.resolve();
    },
  };
}

/** What a pipe takes whole or not at all (POSIX requires at least 512; Linux and macOS have 4096). */
const PIPE_BUF = 4096;

/**
 * A pipe or a socket is written through the event loop, in order, PIPE_BUF bytes at most at a time, each piece
 * handed over once the one before is taken: a line that fits in one piece reaches the reader whole or not at all,
 * and the reader's pace is seen piece by piece. The time pieces wait for the reader adds up over the whole stream;
 * past `stuckMs` in all, the stream is given up at once (whatever is queued is dropped) and the run goes on.
 */
function queuedWriter(
  stream: Writable,
  release: () => void,
  stuckMs: number,
  fail: (error: unknown) => void,
): EventWriter {
  const pieces: Buffer[] = [];
  let writing = false;
  let over = false;
  let budgetMs = stuckMs;
  let settled: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const settle = () => {
    for (const resolve of settled) resolve();
    settled = [];
  };
  const giveUp = (error: unknown) => {
    if (over) return;
    over = true;
    pieces.length = 0;
    clearTimeout(timer);
    release();
    fail(error);
    settle();
  };
  stream.on('error', giveUp);
  const pump = () => {
    if (writing || over) return;
    const piece = pieces.shift();
    if (piece === undefined) return settle();
    writing = true;
    const since = performance.now();
    timer = setTimeout(() => giveUp(new StalledReaderError('the reader took nothing')), budgetMs);
    stream.write(piece, (error) => {
      clearTimeout(timer);
      budgetMs -= performance.now() - since;
      writing = false;
      if (error) giveUp(error);
      else pump();
    });
  };
  return {
    write(line) {
      if (over) return;
      const bytes = Buffer.from(line, 'utf8');
      for (let offset = 0; offset < bytes.length; offset += PIPE_BUF) {
        pieces.push(bytes.subarray(offset, offset + PIPE_BUF));
      }
      pump();
    },
    finish() {
      return new Promise<void>((resolve) => {
        if (over || (!writing && pieces.length === 0)) resolve();
        else settled.push(resolve);
      }).then(() => {
        if (!over) release();
      });
    },
  };
}

/**
 * The writer for a place `openEventTarget` opened (or for stdout, given as the stream it is): pipes and sockets are
 * written through the event loop within `stuckMs`, files at once. `fail` is told once, when the stream is given up.
 */
export function eventWriter(
  target: { stream: Writable } | { fd: number; owned: boolean },
  stuckMs: number,
  fail: (error: unknown) => void,
): EventWriter {
  if ('stream' in target) return queuedWriter(target.stream, () => undefined, stuckMs, fail);
  const { fd, owned } = target;
  const info = fstatSync(fd);
  if (!info.isFIFO() && !info.isSocket()) return fileWriter(fd, owned, fail);
  // Descriptors 1 and 2 have their process streams already: a second handle on either would be refused.
  if (fd === 1 || fd === 2)
    return queuedWriter(fd === 1 ? process.stdout : process.stderr, () => undefined, stuckMs, fail);
  let socket: Socket;
  try {
    socket = new Socket({ fd, readable: false, writable: true });
  } catch {
    // A kind of socket the event loop cannot write as a stream (a datagram socket): written as a file is.
    return fileWriter(fd, owned, fail);
  }
  return queuedWriter(socket, () => socket.destroy(), stuckMs, fail);
}
