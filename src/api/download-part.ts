import { link, lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import type { Hash } from 'node:crypto';
import type { Validators } from './download-fetch.js';
import { UsageError } from '../core/errors.js';
import { checkTarget, errnoOf, EXISTING_FILE_APPEND, localFileError, NEW_FILE, READ_NO_LINK } from './local-files.js';

/**
 * The part file: `<path>.part` holds the bytes received so far, and `<path>.part.json` says which video they
 * are the beginning of (task, URL without its query, the host's validators and size). A part is resumed only
 * when its sidecar names the same video; any other leftover is discarded, never continued.
 */

export interface PartIdentity {
  taskId?: string;
  /** Origin and path of the video URL: a signed query may change between two answers about one task. */
  resource: string;
}

interface Sidecar extends PartIdentity, Validators {
  version: 1;
  total?: number;
}

export function identityOf(url: URL, taskId?: string): PartIdentity {
  return { taskId, resource: `${url.origin}${url.pathname}` };
}

export function sameVideo(a: PartIdentity, b: PartIdentity): boolean {
  if (a.taskId !== undefined && b.taskId !== undefined) return a.taskId === b.taskId && a.resource === b.resource;
  return a.resource === b.resource;
}

/**
 * Removes the part of `target` (and its sidecar) when veo's sidecar there says it is a download of task `taskId`;
 * anything else, a link or a part of another video, is left alone. True when a part was removed.
 */
export async function removePartOf(target: string, taskId: string): Promise<boolean> {
  const part = new PartFile(target, { taskId, resource: '' }, taskId);
  const sidecar = await part.readSidecar();
  if (sidecar?.taskId !== taskId) return false;
  const info = await lstat(part.path).catch(() => undefined);
  // A link where the part should be was not made by veo: neither it nor what it points to is touched.
  if (info && !info.isFile()) return false;
  await part.discard();
  return info !== undefined;
}

export class PartFile {
  readonly path: string;
  readonly sidecarPath: string;

  constructor(
    readonly target: string,
    readonly identity: PartIdentity,
    private readonly taskId?: string,
  ) {
    this.path = `${target}.part`;
    this.sidecarPath = `${target}.part.json`;
  }

  /**
   * What can be resumed: the size of a part of this very video and the validators it was fetched under, or 0
   * after discarding anything else found there (`discarded` says so).
   */
  async resumable(): Promise<{ offset: number; validators?: Validators; total?: number; discarded: boolean }> {
    const info = await lstat(this.path).catch((error: unknown) => {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw localFileError(error, this.path, this.taskId);
    });
    const sidecar = await this.readSidecar();
    if (info?.isFile() && info.size > 0 && sidecar && sameVideo(sidecar, this.identity)) {
      const { etag, lastModified, total } = sidecar;
      return { offset: info.size, validators: { etag, lastModified }, total, discarded: false };
    }
    const discarded = info !== undefined;
    await this.discard();
    return { offset: 0, discarded };
  }

  async readSidecar(): Promise<Sidecar | undefined> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.sidecarPath, READ_NO_LINK);
      if (!(await handle.stat()).isFile()) return undefined;
      const value = JSON.parse(await handle.readFile('utf8')) as Partial<Sidecar>;
      if (value.version !== 1 || typeof value.resource !== 'string') return undefined;
      return value as Sidecar;
    } catch {
      return undefined;
    } finally {
      await handle?.close();
    }
  }

  /** Records which video the part belongs to, before its first byte is written. Atomic, and never through a link. */
  async describe(validators: Validators, total: number | undefined): Promise<void> {
    const sidecar: Sidecar = { version: 1, ...this.identity, ...validators, total };
    const temporary = `${this.sidecarPath}.${process.pid}.tmp`;
    try {
      await unlink(temporary).catch(() => undefined);
      const handle = await open(temporary, NEW_FILE, 0o644);
      try {
        await handle.writeFile(JSON.stringify(sidecar));
      } finally {
        await handle.close();
      }
      await rename(temporary, this.sidecarPath);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw localFileError(error, this.sidecarPath, this.taskId);
    }
  }

  /**
   * Opens the part for writing at `offset`: 0 makes a new file (exclusive, no link followed), more appends to
   * the part only if it is still a regular file of exactly that size.
   */
  async openAt(offset: number): Promise<FileHandle> {
    try {
      if (offset === 0) {
        await this.removePart();
        return await open(this.path, NEW_FILE, 0o644);
      }
      const handle = await open(this.path, EXISTING_FILE_APPEND);
      const info = await handle.stat();
      if (!info.isFile() || info.size !== offset) {
        await handle.close();
        throw new UsageError(`${this.path} changed while veo was using it.`, {
          code: 'PART_CHANGED',
          taskId: this.taskId,
          hint: 'Is another program writing there? Run the same command again.',
        });
      }
      return handle;
    } catch (error) {
      throw localFileError(error, this.path, this.taskId);
    }
  }

  /** Feeds the part (or another file of this video) to `hash`. */
  async hashInto(hash: Hash, path = this.path): Promise<void> {
    const handle = await open(path, READ_NO_LINK);
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  }

  private async removePart(): Promise<void> {
    try {
      // unlink removes a planted link itself, never what it points to.
      await unlink(this.path);
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
  }

  async discard(): Promise<void> {
    await this.removePart().catch(() => undefined);
    await unlink(this.sidecarPath).catch(() => undefined);
  }

  /**
   * Gives the verified part (or `from`, a copy of it veo made) its final name. Without --force a file that
   * appeared meanwhile is never replaced (link() fails where rename() would clobber); with it, only a regular
   * file is.
   */
  async moveIntoPlace(force: boolean, from = this.path): Promise<void> {
    try {
      const handle = await open(from, READ_NO_LINK);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await checkTarget(this.target, force, this.taskId);
      if (force) await rename(from, this.target);
      else {
        await link(from, this.target);
        await unlink(from);
      }
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') {
        // The link lost a race with a file that appeared after the check: reported as an existing file.
        await checkTarget(this.target, false, this.taskId);
      }
      throw localFileError(error, this.target, this.taskId);
    }
    if (from !== this.path) await this.removePart().catch(() => undefined);
    await unlink(this.sidecarPath).catch(() => undefined);
  }
}
