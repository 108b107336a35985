// What veo keeps on disk (the journal, claims, caches, the config) names paid tasks and may echo a key, so it is
// private: folders are made 0700 and files 0600, files are written to a fresh temp file (created exclusively, so
// never through a link) and renamed into place, so a reader sees the old bytes or the new ones, never a mix.
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Creates the folder (and its parents) private when missing. An existing folder's permissions are never changed. */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** A file that is not ours alone (created by hand, or under a loose umask) is made so. */
export async function makeFilePrivate(fh: FileHandle, mode: number): Promise<void> {
  if ((mode & 0o777) !== PRIVATE_FILE_MODE) await fh.chmod(PRIVATE_FILE_MODE);
}

/**
 * Replaces `path` with `data` through a private temp file beside it, renamed over it. `durable`: synced before
 * the rename (what must survive a power cut; a cache or a claim need not).
 */
export async function replacePrivateFile(path: string, data: Buffer | string, durable: boolean): Promise<Stats> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(temp, CREATE_NEW, PRIVATE_FILE_MODE);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
    const st = await fh.stat();
    await fh.close();
    await rename(temp, path);
    return st;
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
