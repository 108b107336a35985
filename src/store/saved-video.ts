// "Is the saved file still ours?": the journal records the size and sha256 of every video it saved, and a file
// at that path counts as the same video only when both still hold. A size alone would take a file rewritten in
// place (or another clip of the same length) for the one that was paid for, and skip saving the real one.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface SavedVideo {
  savedPath?: string;
  bytes?: number;
  sha256?: string;
  /** The file as saved, when veo embedded tags in it: then it, not the video as served, is what is on disk. */
  savedFile?: { bytes: number; sha256: string } | null;
}

/** The size and hash the file on disk should have: the tagged file's when tags were embedded. */
export function expectedFile(saved: SavedVideo): { bytes?: number; sha256?: string } {
  return saved.savedFile ?? { bytes: saved.bytes, sha256: saved.sha256 };
}

/**
 * Whether the file the journal says was saved is still there and still that video. Entries written before the
 * hash was recorded are judged by their size.
 */
export async function stillSaved(saved: SavedVideo): Promise<boolean> {
  const expected = expectedFile(saved);
  if (!saved.savedPath || expected.bytes === undefined) return false;
  try {
    if ((await stat(saved.savedPath)).size !== expected.bytes) return false;
  } catch {
    return false;
  }
  if (!expected.sha256) return true;
  try {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(saved.savedPath)) hash.update(chunk as Buffer);
    return hash.digest('hex') === expected.sha256;
  } catch {
    // Removed or made unreadable between the size and the hash: not a file this video can be trusted to.
    return false;
  }
}
