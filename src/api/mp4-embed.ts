import { createHash } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { Mp4LayoutError, printable, shiftChunkOffsets } from './mp4-box-tree.js';
import { moovWithTags, readTagItems, tagsOf, type ClipTags } from './mp4-tags.js';
import { NEW_FILE, READ_NO_LINK, READ_NO_LINK_NO_WAIT } from './local-files.js';

/**
 * Writes a copy of an MP4 with veo's tags in its `moov`, without touching a byte of the media: the top-level boxes
 * are copied in their order, `moov` replaced by its tagged version, and when `moov` comes before the media data
 * (a "faststart" file) every chunk offset past it is moved by as much as `moov` grew. Anything this cannot rewrite
 * exactly is refused with Mp4LayoutError before the copy is started: a fragmented file, a `moov` with a 64-bit
 * or size-0 box, more than one `moov`, a top-level box of size 0.
 */

export { Mp4LayoutError } from './mp4-box-tree.js';

/** Far above the `moov` of an 8-second clip (a few tens of KiB); bounds what is read into memory. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;
const MAX_TOP_BOXES = 10_000;
const COPY_CHUNK = 1 << 20;

interface TopBox {
  type: string;
  start: number;
  end: number;
  headerSize: number;
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  return buffer.subarray(0, bytesRead);
}

async function topBoxes(handle: FileHandle, fileSize: number): Promise<TopBox[]> {
  const boxes: TopBox[] = [];
  let offset = 0;
  while (offset < fileSize) {
    if (boxes.length >= MAX_TOP_BOXES) throw new Mp4LayoutError(`more than ${MAX_TOP_BOXES} top-level boxes`);
    const head = await readAt(handle, offset, Math.min(16, fileSize - offset));
    if (head.length < 8) throw new Mp4LayoutError(`the file ends inside a box header at byte ${offset}`);
    const type = head.toString('latin1', 4, 8);
    const small = head.readUInt32BE(0);
    let size = small;
    let headerSize = 8;
    if (small === 0) throw new Mp4LayoutError(`"${printable(type)}" has size 0 (to the end of the file)`);
    if (small === 1) {
      if (head.length < 16) throw new Mp4LayoutError(`the file ends inside the header of "${printable(type)}"`);
      size = Number(head.readBigUInt64BE(8));
      headerSize = 16;
    }
    if (size < headerSize || offset + size > fileSize) {
      throw new Mp4LayoutError(`"${printable(type)}" has an impossible size`);
    }
    boxes.push({ type, start: offset, end: offset + size, headerSize });
    offset += size;
  }
  return boxes;
}

/** The one `moov` of a file this can rewrite, read into memory. */
async function loadMoov(handle: FileHandle): Promise<{ boxes: TopBox[]; moovBox: TopBox; moov: Buffer }> {
  const { size } = await handle.stat();
  const boxes = await topBoxes(handle, size);
  if (boxes.some((box) => box.type === 'moof')) throw new Mp4LayoutError('it is a fragmented MP4 ("moof" boxes)');
  const moovs = boxes.filter((box) => box.type === 'moov');
  if (moovs.length !== 1) throw new Mp4LayoutError(`it has ${moovs.length} "moov" boxes, not one`);
  const [moovBox] = moovs as [TopBox];
  if (moovBox.headerSize !== 8) throw new Mp4LayoutError('its "moov" has a 64-bit size');
  if (moovBox.end - moovBox.start > MAX_MOOV_BYTES) throw new Mp4LayoutError('its "moov" is larger than 64 MiB');
  const moov = await readAt(handle, moovBox.start, moovBox.end - moovBox.start);
  return { boxes, moovBox, moov };
}

export interface EmbedResult {
  bytes: number;
  sha256: string;
}

/**
 * Writes `source` with `tags` embedded to `destination`, a new file (exclusive, never through a link), synced
 * before this returns; on any failure the destination is removed and the source is left as it was.
 */
export async function embedTags(source: string, destination: string, tags: ClipTags): Promise<EmbedResult> {
  const input = await open(source, READ_NO_LINK);
  try {
    const { boxes, moovBox, moov } = await loadMoov(input);
    const tagged = moovWithTags(moov, tags);
    const delta = tagged.length - moov.length;
    shiftChunkOffsets(tagged, delta, moovBox.end, moovBox);
    const output = await open(destination, NEW_FILE, 0o644);
    const hash = createHash('sha256');
    let bytes = 0;
    const write = async (data: Buffer): Promise<void> => {
      hash.update(data);
      bytes += data.length;
      await output.write(data, 0, data.length);
    };
    try {
      for (const box of boxes) {
        if (box === moovBox) {
          await write(tagged);
          continue;
        }
        let at = box.start;
        while (at < box.end) {
          const chunk = await readAt(input, at, Math.min(COPY_CHUNK, box.end - at));
          if (chunk.length === 0) throw new Mp4LayoutError('the file changed while it was being copied');
          await write(chunk);
          at += chunk.length;
        }
      }
      await output.sync();
    } catch (error) {
      await output.close().catch(() => undefined);
      await unlink(destination).catch(() => undefined);
      throw error;
    }
    await output.close();
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    await input.close();
  }
}

/** The tags of a file, as far as they can be read; a file whose layout cannot be read throws Mp4LayoutError. */
export async function readClipTags(path: string): Promise<{ tags: ClipTags; items: Map<string, string> }> {
  const input = await open(path, READ_NO_LINK_NO_WAIT);
  try {
    const { moov } = await loadMoov(input);
    const items = readTagItems(moov);
    return { tags: tagsOf(items), items };
  } finally {
    await input.close();
  }
}
