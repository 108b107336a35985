import { createHash } from 'node:crypto';
import { open, realpath } from 'node:fs/promises';
import { MAX_VIDEO_BYTES } from '../api/download-run.js';
import { errnoOf, READ_NO_LINK_NO_WAIT } from '../api/local-files.js';
import { Mp4LayoutError, readClipTags } from '../api/mp4-embed.js';
import type { ClipTags } from '../api/mp4-tags.js';
import type { Context } from '../context.js';
import { UsageError } from '../core/errors.js';
import { errnoWords } from '../core/errno-words.js';
import type { JournalEntry } from '../store/journal.js';
import { factsFromJson, mergeFacts, type ClipFacts } from './clip-facts.js';
import { sidecarPaths } from './clip-sidecar.js';

export interface ClipReport {
  file: string;
  bytes: number;
  sha256: string;
  embedded: (ClipTags & { facts: ClipFacts }) | null;
  embeddedProblem?: string;
  sidecar: { path: string; facts: ClipFacts } | null;
  sidecarProblem?: string;
  /** The journal entry whose served or saved hash is this file's. */
  journal: { matched: 'served' | 'saved'; status?: string; savedPath?: string; facts: ClipFacts } | null;
  /** Everything above merged, the journal first, then the sidecar, then the file's own tags. */
  clip: ClipFacts;
}

const MAX_SIDECAR_BYTES = 1024 * 1024;

async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const handle = await open(path, READ_NO_LINK_NO_WAIT);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UsageError(`${path} is not a regular file.`, { code: 'NOT_A_FILE' });
    if (info.size > MAX_VIDEO_BYTES) throw new UsageError(`${path} is larger than any clip.`, { code: 'TOO_LARGE' });
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) {
      hash.update(chunk as Buffer);
    }
    return { bytes: info.size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

async function embeddedOf(path: string): Promise<Pick<ClipReport, 'embedded' | 'embeddedProblem'>> {
  try {
    const { tags } = await readClipTags(path);
    if (tags.title === undefined && tags.description === undefined && tags.comment === undefined) {
      return { embedded: null };
    }
    let settings: unknown;
    try {
      settings = tags.comment === undefined ? undefined : JSON.parse(tags.comment);
    } catch {
      // A comment that is not veo's JSON is still shown as it is.
    }
    const facts = mergeFacts({ prompt: tags.description ?? tags.title }, factsFromJson(settings));
    return { embedded: { ...tags, facts } };
  } catch (error) {
    if (error instanceof Mp4LayoutError) return { embedded: null, embeddedProblem: error.message };
    throw error;
  }
}

/** The first sidecar found beside the clip (`clip.info.json`, then `clip.mp4.info.json`), read tolerantly. */
async function sidecarOf(path: string): Promise<Pick<ClipReport, 'sidecar' | 'sidecarProblem'>> {
  for (const sidecar of sidecarPaths(path)) {
    let handle;
    try {
      handle = await open(sidecar, READ_NO_LINK_NO_WAIT);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return { sidecar: null, sidecarProblem: `${sidecar} cannot be read (${errnoWords(error)})` };
    }
    try {
      const info = await handle.stat();
      if (!info.isFile() || info.size > MAX_SIDECAR_BYTES) {
        return { sidecar: null, sidecarProblem: `${sidecar} is not a small regular file` };
      }
      const value: unknown = JSON.parse(await handle.readFile('utf8'));
      return { sidecar: { path: sidecar, facts: factsFromJson(value) } };
    } catch {
      return { sidecar: null, sidecarProblem: `${sidecar} is not JSON` };
    } finally {
      await handle.close();
    }
  }
  return { sidecar: null };
}

export function factsOfEntry(entry: JournalEntry): ClipFacts {
  return mergeFacts({
    taskId: entry.id,
    prompt: entry.prompt,
    model: entry.model,
    ar: entry.params?.ar,
    image: entry.params?.image,
    createdAt: entry.createdAt,
    doneAt: entry.doneAt,
    sourceUrl: entry.url ?? undefined,
    expiresAt: entry.expiresAt,
  });
}

/**
 * The journal's task for these bytes. Two tasks can have served the very same bytes (a simulator does, and a
 * copy saved twice would), so a hash alone picks a task only when it is the only one: otherwise the task saved at
 * this very path, or the one the sidecar or the tags name, or none (a rerun must never take another task's prompt).
 */
async function journalOf(
  ctx: Context,
  sha256: string,
  file: string,
  namedIds: (string | undefined)[],
): Promise<ClipReport['journal']> {
  let entries: JournalEntry[];
  try {
    entries = (await (await ctx.journal()).load()).entries;
  } catch {
    return null;
  }
  const matches = entries.flatMap((entry) => {
    const matched = entry.savedFile?.sha256 === sha256 ? 'saved' : entry.sha256 === sha256 ? 'served' : undefined;
    return matched ? [{ entry, matched: matched as 'saved' | 'served' }] : [];
  });
  const chosen =
    matches.length === 1
      ? matches[0]
      : (matches.find((m) => m.entry.savedPath === file) ??
        matches.find((m) => namedIds.some((id) => id !== undefined && id === m.entry.id)));
  if (!chosen) return null;
  const { entry, matched } = chosen;
  return { matched, status: entry.status, savedPath: entry.savedPath, facts: factsOfEntry(entry) };
}

/** Everything known of the clip at `path`. A file that cannot be read is a usage error (exit 2). */
export async function reportClip(ctx: Context, path: string): Promise<ClipReport> {
  let file: string;
  let hashed: { bytes: number; sha256: string };
  try {
    // The path the user named may be a link; everything below reads the file it leads to.
    file = await realpath(path);
    hashed = await hashFile(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // A clip is read here, never written: say so in the words of a read.
    throw new UsageError(`Cannot read ${path}: ${errnoWords(error)}.`, {
      code: 'CANNOT_READ',
      errno: errnoOf(error),
      cause: error,
    });
  }
  const [embedded, sidecar] = await Promise.all([embeddedOf(file), sidecarOf(file)]);
  const journal = await journalOf(ctx, hashed.sha256, file, [
    sidecar.sidecar?.facts.taskId,
    embedded.embedded?.facts.taskId,
  ]);
  const clip = mergeFacts(journal?.facts, sidecar.sidecar?.facts, embedded.embedded?.facts);
  return { file, ...hashed, ...embedded, ...sidecar, journal, clip };
}
