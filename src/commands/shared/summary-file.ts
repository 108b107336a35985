import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

/**
 * Adds `text` at the end of the step summary file in one write (O_APPEND: whatever else the step wrote stays, and
 * a concurrent writer's lines are not interleaved into ours). The runner's file is a regular file it made: a
 * symbolic link there (or anything else) is refused and left untouched, and the file is opened without following
 * one, so a link put there meanwhile is refused too.
 */
const A_LINK = 'it is a symbolic link, which the runner never makes; left untouched';

export async function appendToSummary(file: string, text: string): Promise<void> {
  const found = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (found?.isSymbolicLink()) throw new Error(A_LINK);
  if (found && !found.isFile()) throw new Error('it is not a regular file; left untouched');
  const flags =
    constants.O_WRONLY |
    constants.O_APPEND |
    constants.O_CREAT |
    (constants.O_NOFOLLOW ?? 0) |
    (constants.O_NONBLOCK ?? 0);
  const handle = await open(file, flags, 0o644).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ELOOP' ? new Error(A_LINK) : error;
  });
  try {
    if (!(await handle.stat()).isFile()) throw new Error('it is not a regular file; left untouched');
    const bytes = Buffer.from(text, 'utf8');
    const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
    if (bytesWritten !== bytes.length) throw new Error(`only ${bytesWritten} of ${bytes.length} bytes were written`);
  } finally {
    await handle.close();
  }
}
