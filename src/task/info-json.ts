// The sidecar `<name>.info.json` written next to a saved video (--write-info-json, or the write-info-json
// setting): what made the clip, and what it is. This module is the one place that defines the format; readers use
// clip-sidecar.ts. Fields are added, never renamed or given another meaning, without raising INFO_JSON_SCHEMA.
import { randomBytes } from 'node:crypto';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { errnoOf, NEW_FILE } from '../api/local-files.js';
import { VERSION } from '../version.js';

export const INFO_JSON_SCHEMA = 1;
export const INFO_JSON_SUFFIX = '.info.json';

export interface InfoJson {
  /** The version of this format. */
  schema: number;
  /** Always "veo-clip": tells this file from other JSON beside videos. */
  kind: 'veo-clip';
  id: string;
  prompt: string | null;
  model: string | null;
  /** "16:9", "9:16", or null when the model's default was used. */
  ar: string | null;
  /** The first-frame image URL, or null. */
  image: string | null;
  /** ISO 8601 times: when the task was created and first seen done. */
  createdAt: string | null;
  doneAt: string | null;
  /** Per clip, from the model list when it was known; null otherwise. */
  price: number | null;
  currency: 'RUB';
  /** Where the video was downloaded from, and when that link stops working. */
  sourceUrl: string | null;
  sourceExpiresAt: string | null;
  /** The video file's name (in the same folder), its size and the sha256 of its bytes as saved. */
  file: string;
  bytes: number;
  sha256: string;
  /** Size and sha256 of the video as served: those of the file unless --embed-metadata added tags to it. */
  sourceBytes: number;
  sourceSha256: string;
  /**
   * For variations (`{a|b}` and --repeat): the batch line, which variation of it, the prompt as written (before its
   * groups were expanded) and the text each group chose.
   */
  variation: { line: number; variant: number; template: string | null; choices: string[] } | null;
  /** The version of veo that wrote the file. */
  veoVersion: string;
  savedAt: string;
}

export function infoJsonPath(videoPath: string): string {
  return videoPath.replace(/\.mp4$/i, '') + INFO_JSON_SUFFIX;
}

/**
 * Writes the sidecar as the video is written: a new file made exclusively without following links, then renamed
 * over the final name, so a reader sees a whole file or none. What stands at the final name and is not a regular
 * file (a folder, a link, a FIFO) is never replaced.
 */
export async function writeInfoJson(
  videoPath: string,
  info: Omit<InfoJson, 'schema' | 'kind' | 'file' | 'veoVersion' | 'savedAt'>,
): Promise<string> {
  const path = infoJsonPath(videoPath);
  const document: InfoJson = {
    schema: INFO_JSON_SCHEMA,
    kind: 'veo-clip',
    ...info,
    file: basename(videoPath),
    veoVersion: VERSION,
    savedAt: new Date().toISOString(),
  };
  const existing = await lstat(path).catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  });
  if (existing && !existing.isFile()) {
    throw Object.assign(new Error(`${path} is in the way and is not a regular file`), { code: 'EEXIST' });
  }
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, NEW_FILE, 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(document, null, 2)}\n`);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return path;
}
