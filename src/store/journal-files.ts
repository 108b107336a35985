// Opening the journal's files without ever following a link: a journal.jsonl or journal.lock that is a symbolic
// link could make an append, a compaction or a lock write land on any file the user can write. Every open here
// carries O_NOFOLLOW, and a link is refused with an error that names it, leaving its target and mode untouched.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';

/** A journal file that is a symbolic link: refused, never followed; the user must remove the link (exit 2). */
export class JournalLinkError extends UsageError {
  readonly path: string;
  constructor(path: string) {
    super(`${path} is a symbolic link; veo never follows one for its journal or lock.`, {
      code: 'JOURNAL_SYMLINK',
      hint: `Remove ${path} (the file it points to is left untouched), or point VEO_CONFIG_DIR at another folder.`,
    });
    this.path = path;
  }
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

export const O = constants;
export const READ = O.O_RDONLY | O.O_NOFOLLOW;
export const APPEND = O.O_RDWR | O.O_APPEND | O.O_CREAT | O.O_NOFOLLOW;
export const CREATE_NEW = O.O_WRONLY | O.O_CREAT | O.O_EXCL | O.O_NOFOLLOW;

/** open(2) with O_NOFOLLOW in `flags`; ELOOP (the last component is a link) becomes a JournalLinkError. */
export async function openNoFollow(path: string, flags: number, mode = 0o600): Promise<FileHandle> {
  try {
    return await open(path, flags, mode);
  } catch (err) {
    if (errorCode(err) === 'ELOOP') throw new JournalLinkError(path);
    throw err;
  }
}

/** `openNoFollow`, or undefined when it fails with `expected` (the one answer that is not an error there). */
export async function openNoFollowUnless(
  path: string,
  flags: number,
  expected: string,
): Promise<FileHandle | undefined> {
  try {
    return await openNoFollow(path, flags);
  } catch (err) {
    if (errorCode(err) === expected) return undefined;
    throw err;
  }
}

/** The whole file, or undefined when it does not exist. */
export async function readNoFollow(path: string): Promise<Buffer | undefined> {
  const fh = await openNoFollowUnless(path, READ, 'ENOENT');
  if (!fh) return undefined;
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

export async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  for (let written = 0; written < data.length;) {
    written += (await fh.write(data, written, data.length - written)).bytesWritten;
  }
}

// Makes a new or renamed directory entry survive a power cut; not possible on every platform.
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (fh === undefined) return;
  await fh.sync().catch(() => undefined);
  await fh.close();
}

const CHUNK_BYTES = 1024 * 1024;

/** Calls `fn` with the file's complete lines, a chunk at a time, and the offset where each chunk starts. */
export async function eachChunk(
  fh: FileHandle,
  size: number,
  fn: (bytes: Buffer, base: number) => void,
): Promise<void> {
  // One buffer, reused: a line cut by the end of a chunk moves to its start; a line longer than it doubles it.
  let buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(size, 1)));
  let held = 0;
  let base = 0;
  for (let position = 0; position < size;) {
    if (held === buffer.length) {
      const grown = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(grown, 0, 0, held);
      buffer = grown;
    }
    const { bytesRead } = await fh.read(buffer, held, Math.min(buffer.length - held, size - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    held += bytesRead;
    const complete = position >= size ? held : buffer.lastIndexOf(0x0a, held - 1) + 1;
    if (complete === 0) continue;
    fn(buffer.subarray(0, complete), base);
    base += complete;
    buffer.copy(buffer, 0, complete, held);
    held -= complete;
  }
  if (held > 0) fn(buffer.subarray(0, held), base);
}

export function failure(what: string, err: unknown): Error {
  return new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** The journal open for reading (never through a link), or undefined when there is none yet. */
export async function openJournalForReading(path: string): Promise<FileHandle | undefined> {
  let fh: FileHandle;
  try {
    fh = await openNoFollow(path, READ);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    if (err instanceof JournalLinkError) throw err;
    throw failure(`cannot read the task journal ${path}`, err);
  }
  const info = await fh.stat().catch(() => undefined);
  if (info?.isFile()) return fh;
  await fh.close();
  throw failure(`cannot read the task journal ${path}`, new Error('not a regular file'));
}
