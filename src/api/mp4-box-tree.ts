/**
 * Box walking inside an in-memory `moov`, for the metadata writer and reader. Unlike the download check, which
 * only needs to know a file is whole, these callers rewrite boxes, so anything they could not rewrite exactly is
 * refused here: 64-bit sizes, size-0 ("to the end") boxes and sizes that overrun their parent.
 */
export interface Box {
  type: string;
  /** Offset of the box's first byte in the buffer. */
  start: number;
  size: number;
  /** Offset of the first byte after the 8-byte header. */
  body: number;
  end: number;
}

export class Mp4LayoutError extends Error {}

/** Real `moov` boxes hold a few hundred boxes; this bounds the walk through a hostile one. */
const MAX_CHILDREN = 100_000;

export function childBoxes(buffer: Buffer, from: number, to: number): Box[] {
  const boxes: Box[] = [];
  let offset = from;
  while (offset < to) {
    if (boxes.length >= MAX_CHILDREN) throw new Mp4LayoutError(`more than ${MAX_CHILDREN} boxes in one container`);
    if (to - offset < 8) throw new Mp4LayoutError(`a box header is cut short at byte ${offset}`);
    const size = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    if (size === 1) throw new Mp4LayoutError(`"${printable(type)}" inside moov has a 64-bit size`);
    if (size === 0) throw new Mp4LayoutError(`"${printable(type)}" inside moov has size 0 (to the end)`);
    if (size < 8 || offset + size > to) throw new Mp4LayoutError(`"${printable(type)}" has an impossible size`);
    boxes.push({ type, start: offset, size, body: offset + 8, end: offset + size });
    offset += size;
  }
  return boxes;
}

/** A box type as it can be quoted in a message: four letters, anything else as `?`. */
export function printable(type: string): string {
  return type.replace(/[^\x20-\x7e]/g, '?');
}

export function makeBox(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const size = body.length + 8;
  if (size > 0xffffffff) throw new Mp4LayoutError(`a "${printable(type)}" box would be too large`);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** The boxes on the way to the chunk offset tables. */
const TABLE_PATH = new Set(['trak', 'mdia', 'minf', 'stbl']);
/** trak > mdia > minf > stbl is four deep; a little room for boxes some writer nests once more. */
const MAX_TABLE_DEPTH = 8;

/**
 * Adds `delta` to every chunk offset (in `stco` and `co64`) at or past `from`: the media data that moved when
 * the `moov` before it changed size. An offset that would no longer fit a 32-bit table is refused, and so is one
 * pointing inside the old `moov` itself (no sample lives there in a file this can rewrite).
 */
export function shiftChunkOffsets(
  moov: Buffer,
  delta: number,
  from: number,
  moovSpan: { start: number; end: number },
): number {
  let fixed = 0;
  // A list, not recursion: a hostile `moov` of nested `trak` headers would otherwise exhaust the stack.
  const pending = [{ start: 8, end: moov.length, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    for (const box of childBoxes(moov, next.start, next.end)) {
      if (TABLE_PATH.has(box.type)) {
        if (next.depth >= MAX_TABLE_DEPTH) throw new Mp4LayoutError(`"${box.type}" boxes nest too deep`);
        pending.push({ start: box.body, end: box.end, depth: next.depth + 1 });
      } else if (box.type === 'stco' || box.type === 'co64') fixed += shiftTable(moov, box, delta, from, moovSpan);
    }
  }
  return fixed;
}

function shiftTable(
  moov: Buffer,
  box: Box,
  delta: number,
  from: number,
  moovSpan: { start: number; end: number },
): number {
  const wide = box.type === 'co64';
  const width = wide ? 8 : 4;
  if (box.size < 16) throw new Mp4LayoutError(`"${box.type}" is too short`);
  const count = moov.readUInt32BE(box.body + 4);
  if (box.body + 8 + count * width > box.end)
    throw new Mp4LayoutError(`"${box.type}" lists more entries than it holds`);
  for (let index = 0; index < count; index++) {
    const at = box.body + 8 + index * width;
    const offset = wide ? Number(moov.readBigUInt64BE(at)) : moov.readUInt32BE(at);
    if (offset >= moovSpan.start && offset < moovSpan.end) {
      throw new Mp4LayoutError(`a chunk offset (${offset}) points inside the "moov" box`);
    }
    if (offset < from) continue;
    const moved = offset + delta;
    if (wide) moov.writeBigUInt64BE(BigInt(moved), at);
    else if (moved > 0xffffffff) throw new Mp4LayoutError('a chunk offset would no longer fit its 32-bit table');
    else moov.writeUInt32BE(moved, at);
  }
  return count;
}
