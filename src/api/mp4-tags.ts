import { childBoxes, makeBox, Mp4LayoutError, printable, type Box } from './mp4-box-tree.js';

/**
 * The tags veo writes, as iTunes-style items in `moov/udta/meta/ilst` (handler `mdir`): the layout ffmpeg itself
 * writes and reads, where `©nam` shows as title, `desc` as description and `©cmt` as comment.
 */
export interface ClipTags {
  title?: string;
  description?: string;
  comment?: string;
}

export const TAG_ITEMS: Record<keyof ClipTags, string> = {
  title: '\u00a9nam',
  description: 'desc',
  comment: '\u00a9cmt',
};
const OUR_ITEMS = new Set(Object.values(TAG_ITEMS));
/** The `data` box's type indicator for UTF-8 text. */
const UTF8 = 1;

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value, 0);
  return buffer;
}

function handlerBox(): Buffer {
  return makeBox('hdlr', u32(0), u32(0), Buffer.from('mdirappl', 'latin1'), Buffer.alloc(8), Buffer.alloc(1));
}

function textItem(type: string, text: string): Buffer {
  return makeBox(type, makeBox('data', u32(UTF8), u32(0), Buffer.from(text, 'utf8')));
}

function handlerOf(buffer: Buffer, box: Box): string {
  if (box.size < 8 + 12) throw new Mp4LayoutError('a "hdlr" box is too short');
  return buffer.toString('latin1', box.body + 8, box.body + 12);
}

function only(boxes: Box[], type: string, where: string): Box | undefined {
  const found = boxes.filter((box) => box.type === type);
  if (found.length > 1) throw new Mp4LayoutError(`${where} holds more than one "${type}" box`);
  return found[0];
}

/** The children of a `meta` box, which (in `udta`) is a full box: four bytes of version and flags first. */
function metaChildren(buffer: Buffer, meta: Box): Box[] {
  if (meta.size < 12 || buffer.readUInt32BE(meta.body) !== 0) {
    throw new Mp4LayoutError('"udta/meta" is not laid out as a version-0 full box');
  }
  return childBoxes(buffer, meta.body + 4, meta.end);
}

/** A new `meta`: the items of an existing one kept, except those veo writes, which are replaced. */
function rebuildMeta(buffer: Buffer, meta: Box | undefined, tags: ClipTags): Buffer {
  const kept: Buffer[] = [];
  const others: Buffer[] = [];
  if (meta) {
    const children = metaChildren(buffer, meta);
    const hdlr = only(children, 'hdlr', '"udta/meta"');
    if (hdlr && handlerOf(buffer, hdlr) !== 'mdir') {
      throw new Mp4LayoutError(`"udta/meta" has handler "${printable(handlerOf(buffer, hdlr))}", not "mdir"`);
    }
    const ilst = only(children, 'ilst', '"udta/meta"');
    if (ilst) {
      for (const item of childBoxes(buffer, ilst.body, ilst.end)) {
        if (!OUR_ITEMS.has(item.type)) kept.push(buffer.subarray(item.start, item.end));
      }
    }
    for (const child of children) {
      if (child.type !== 'hdlr' && child.type !== 'ilst') others.push(buffer.subarray(child.start, child.end));
    }
  }
  const ours = (Object.keys(TAG_ITEMS) as (keyof ClipTags)[])
    .filter((key) => tags[key] !== undefined)
    .map((key) => textItem(TAG_ITEMS[key], tags[key] ?? ''));
  return makeBox('meta', u32(0), handlerBox(), ...others, makeBox('ilst', ...kept, ...ours));
}

function rebuildUdta(buffer: Buffer, udta: Box | undefined, tags: ClipTags): Buffer {
  if (!udta) return makeBox('udta', rebuildMeta(buffer, undefined, tags));
  const children = childBoxes(buffer, udta.body, udta.end);
  const meta = only(children, 'meta', '"moov/udta"');
  const parts = children.map((child) =>
    child === meta ? rebuildMeta(buffer, meta, tags) : buffer.subarray(child.start, child.end),
  );
  if (!meta) parts.push(rebuildMeta(buffer, undefined, tags));
  return makeBox('udta', ...parts);
}

/**
 * The `moov` box with veo's tags in place: every other box is copied byte for byte, so only the size of `moov`
 * (and of `udta`, `meta`, `ilst`) changes. Chunk offsets are not touched here; the caller shifts them.
 */
export function moovWithTags(moov: Buffer, tags: ClipTags): Buffer {
  const children = childBoxes(moov, 8, moov.length);
  if (children.some((box) => box.type === 'mvex')) {
    throw new Mp4LayoutError('it is a fragmented MP4 ("mvex" in "moov")');
  }
  const udta = only(children, 'udta', '"moov"');
  const parts = children.map((child) =>
    child === udta ? rebuildUdta(moov, udta, tags) : moov.subarray(child.start, child.end),
  );
  if (!udta) parts.push(rebuildUdta(moov, undefined, tags));
  return makeBox('moov', ...parts);
}

/** The text items of `moov/udta/meta/ilst`, by item type; whatever cannot be read is left out, never thrown. */
export function readTagItems(moov: Buffer): Map<string, string> {
  const items = new Map<string, string>();
  try {
    const udta = childBoxes(moov, 8, moov.length).find((box) => box.type === 'udta');
    if (!udta) return items;
    const meta = childBoxes(moov, udta.body, udta.end).find((box) => box.type === 'meta');
    if (!meta) return items;
    const ilst = metaChildren(moov, meta).find((box) => box.type === 'ilst');
    if (!ilst) return items;
    for (const item of childBoxes(moov, ilst.body, ilst.end)) {
      const data = childBoxes(moov, item.body, item.end).find((box) => box.type === 'data');
      if (!data || data.size < 16 || moov.readUInt32BE(data.body) !== UTF8) continue;
      items.set(item.type, moov.toString('utf8', data.body + 8, data.end));
    }
  } catch {
    // A damaged or unusual tag layout: what was read so far is all there is.
  }
  return items;
}

export function tagsOf(items: Map<string, string>): ClipTags {
  const tags: ClipTags = {};
  for (const key of Object.keys(TAG_ITEMS) as (keyof ClipTags)[]) {
    const value = items.get(TAG_ITEMS[key]);
    if (value !== undefined) tags[key] = value;
  }
  return tags;
}
