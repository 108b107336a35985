import { constants } from 'node:fs';
import { lstat, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errnoWords } from '../core/errno-words.js';
import { FileExistsError, UsageError } from '../core/errors.js';

/** File-system rules every write of a video follows: never through a link, never over a special file. */

/** Opens only what it finds or makes itself: a symlink planted in its place fails with ELOOP instead. */
export const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
export const EXISTING_FILE_APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW;
export const READ_NO_LINK = constants.O_RDONLY | constants.O_NOFOLLOW;
/** For a file the user names: a FIFO there answers at once instead of blocking the open until a writer comes. */
export const READ_NO_LINK_NO_WAIT = READ_NO_LINK | constants.O_NONBLOCK;

export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A local file error as the user can act on it: exit 2, never the "bug in veo" of an unexpected error. */
export function localFileError(error: unknown, path: string, taskId?: string): Error {
  const code = errnoOf(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UsageError(`No space left on the device while writing ${path}.`, {
      code: 'DISK_FULL',
      taskId,
      cause: error,
      hint: 'Free some space and run the same command again: the download resumes from the .part file.',
    });
  }
  if (error instanceof UsageError) return error;
  // mkdir answers EEXIST or ENOTDIR when a part of the path is a file rather than a folder.
  const fileInTheWay = code === 'ENOTDIR' || code === 'EEXIST';
  const why = fileInTheWay
    ? errnoWords({ code: 'ENOTDIR' })
    : code === 'ENOENT'
      ? 'the folder does not exist (any more)'
      : errnoWords(error);
  return new UsageError(`Cannot write ${path}: ${why}.`, {
    code: 'OUTPUT_NOT_WRITABLE',
    taskId,
    cause: error,
    hint: 'Choose a folder you can write to with -o, or fix its permissions.',
  });
}

/** Deeper than any real folder: bounds the walk up a path that never reaches an existing folder. */
const MAX_DEPTH = 256;

/**
 * `mkdir -p` without Node's recursive mode, which loops for ever where a parent exists but refuses children
 * (under /proc). Each missing folder is made once; any refusal ends the walk at once.
 */
export async function makeFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(dir);
  for (let depth = 0; ; depth++) {
    let info;
    try {
      info = await stat(current);
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT' || depth >= MAX_DEPTH) throw error;
    }
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${current} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    const parent = dirname(current);
    if (parent === current) throw Object.assign(new Error(`${current} does not exist`), { code: 'ENOENT' });
    missing.push(current);
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder);
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST' || !(await stat(folder)).isDirectory()) throw error;
    }
  }
}

/**
 * What stands at the final path decides what may happen: nothing (go ahead), a regular file (only with --force),
 * anything else (a folder, FIFO, device, socket or link: never replaced).
 */
export async function checkTarget(path: string, force: boolean, taskId?: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw localFileError(error, path, taskId);
  }
  if (!force) throw new FileExistsError(path, { taskId });
  if (!info.isFile()) {
    const what = info.isDirectory()
      ? 'a folder'
      : info.isSymbolicLink()
        ? 'a symbolic link'
        : info.isFIFO()
          ? 'a named pipe (FIFO)'
          : info.isCharacterDevice() || info.isBlockDevice()
            ? 'a device'
            : 'not a regular file';
    throw new UsageError(`${path} is ${what}; --force replaces only a regular file. It was left untouched.`, {
      code: 'NOT_A_REGULAR_FILE',
      taskId,
      hint: 'Choose another path with -o.',
    });
  }
}

/** Whether anything is at `path` (a link counts by its target); an unreadable folder counts as nothing there. */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
