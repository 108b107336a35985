import { open } from 'node:fs/promises';

/**
 * The structure check of a finished download. An MP4 is a sequence of top-level boxes, each starting with its
 * size (32 bits; 1 means a 64-bit "largesize" follows the type; 0 means "to the end of the file") and a
 * four-letter type. A complete file is tiled by them exactly and holds `ftyp`, `moov` and `mdat`; a file cut
 * short ends inside a box or lacks one of them. Only box headers are read, so the check costs a few reads.
 */
export type Mp4Verdict =
  | { ok: true; boxes: string[] }
  /** `truncated`: what is there is a sound beginning, the rest is missing (worth resuming); else it is no MP4. */
  | { ok: false; truncated: boolean; problem: string };

const REQUIRED = ['ftyp', 'moov', 'mdat'];
/** Real files have a handful of top-level boxes; this bounds the walk through a hostile one. */
const MAX_BOXES = 10_000;
const HEADER_READ = 16;

export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

function isBoxType(bytes: Buffer): boolean {
  return bytes.length === 4 && [...bytes].every((byte) => byte >= 0x20 && byte <= 0x7e);
}

export async function checkMp4(readAt: ReadAt, fileSize: number): Promise<Mp4Verdict> {
  const boxes: string[] = [];
  let offset = 0;
  while (offset < fileSize) {
    if (boxes.length >= MAX_BOXES) return { ok: false, truncated: false, problem: `more than ${MAX_BOXES} boxes` };
    const head = await readAt(offset, Math.min(HEADER_READ, fileSize - offset));
    if (head.length < 8) {
      return { ok: false, truncated: true, problem: `the file ends inside a box header at byte ${offset}` };
    }
    const type = head.subarray(4, 8);
    if (!isBoxType(type)) return { ok: false, truncated: false, problem: `no box at byte ${offset}` };
    const name = type.toString('latin1');
    if (boxes.length === 0 && name !== 'ftyp') {
      return { ok: false, truncated: false, problem: `it starts with "${name}", not "ftyp"` };
    }
    const small = head.readUInt32BE(0);
    let size: number;
    if (small === 0) size = fileSize - offset;
    else if (small === 1) {
      if (head.length < 16) {
        return { ok: false, truncated: true, problem: `the file ends inside the header of "${name}"` };
      }
      size = Number(head.readBigUInt64BE(8));
      if (size < 16) return { ok: false, truncated: false, problem: `"${name}" has an impossible size` };
    } else if (small < 8) return { ok: false, truncated: false, problem: `"${name}" has an impossible size` };
    else size = small;
    if (offset + size > fileSize) {
      const missing = offset + size - fileSize;
      return { ok: false, truncated: true, problem: `the file ends inside "${name}" (${missing} bytes missing)` };
    }
    boxes.push(name);
    offset += size;
  }
  const absent = REQUIRED.filter((type) => !boxes.includes(type));
  if (absent.length > 0) {
    // A sound start whose later boxes never came: what a body cut at a box boundary looks like.
    return {
      ok: false,
      truncated: boxes[0] === 'ftyp',
      problem: `it has no ${absent.map((type) => `"${type}"`).join(', ')} box`,
    };
  }
  return { ok: true, boxes };
}

export async function checkMp4File(path: string): Promise<Mp4Verdict> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await checkMp4(async (offset, length) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    }, size);
  } finally {
    await handle.close();
  }
}

/**
 * The same walk over a stream, for `-o -` where nothing can be read back: fed every chunk in order, it keeps
 * only the header bytes of the box it is in.
 */
export class Mp4StreamCheck {
  private position = 0;
  private nextBox = 0;
  private header = Buffer.alloc(0);
  private readonly seen = new Map<number, Buffer>();

  feed(chunk: Buffer): void {
    const end = this.position + chunk.length;
    while (this.nextBox < end && this.seen.size <= MAX_BOXES) {
      // Never more than the box's own header: 8 bytes, or 16 when a largesize follows the type.
      const need = this.header.length >= 8 && this.header.readUInt32BE(0) === 1 ? 16 : 8;
      if (this.header.length < need) {
        const from = this.nextBox + this.header.length - this.position;
        this.header = Buffer.concat([this.header, chunk.subarray(from, from + need - this.header.length)]);
        if (this.header.length < need) break;
        continue;
      }
      this.seen.set(this.nextBox, this.header);
      const small = this.header.readUInt32BE(0);
      const size = small === 1 ? Number(this.header.readBigUInt64BE(8)) : small;
      this.header = Buffer.alloc(0);
      // A size of 0 (to the end) or an impossible one ends the walk; the verdict tells them apart.
      if (size < 8) {
        this.nextBox = Infinity;
        break;
      }
      this.nextBox += size;
    }
    this.position = end;
  }

  verdict(): Promise<Mp4Verdict> {
    const total = this.position;
    if (this.header.length > 0 && this.nextBox < total) this.seen.set(this.nextBox, this.header);
    return checkMp4(async (offset, length) => (this.seen.get(offset) ?? Buffer.alloc(0)).subarray(0, length), total);
  }
}
