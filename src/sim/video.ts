import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { VideoInfo } from './types.js';

/*
 * assets/sample.mp4 is committed so that nothing at test time needs ffmpeg. To regenerate it (3 s, 320x180,
 * H.264 High + mono AAC sine, moov up front; about 80 KB):
 *
 *   ffmpeg -y -f lavfi -i testsrc2=size=320x180:rate=24:duration=3 \
 *     -f lavfi -i sine=frequency=440:sample_rate=44100:duration=3 -map 0:v -map 1:a \
 *     -c:v libx264 -profile:v high -pix_fmt yuv420p -preset medium -crf 28 -c:a aac -b:a 64k -ac 1 \
 *     -shortest -map_metadata -1 -fflags +bitexact -movflags +faststart assets/sample.mp4
 */
export const SAMPLE_PATH = fileURLToPath(new URL('../../assets/sample.mp4', import.meta.url));

const BLOCK = 64 * 1024;
const MAX_BYTES_AT_ONCE = 256 * 1024 * 1024;

/** Something the file host can serve a byte range of, without holding all of it in memory. */
export interface ByteSource {
  readonly kind: 'sample' | 'synthetic' | 'html' | 'image';
  readonly size: number;
  readonly etag: string;
  readonly path: string | null;
  /** Chunks covering [start, end), each at most 64 KiB, produced on demand. */
  chunks(start: number, end: number): Iterable<Buffer>;
}

class BufferSource implements ByteSource {
  readonly kind = 'sample';
  readonly size: number;
  readonly etag: string;

  constructor(
    private readonly data: Buffer,
    readonly path: string,
  ) {
    this.size = data.length;
    // S3 ETags of single-part uploads are the quoted MD5 of the content.
    this.etag = `"${createHash('md5').update(data).digest('hex')}"`;
  }

  *chunks(start: number, end: number): Iterable<Buffer> {
    for (let at = start; at < end; at += BLOCK) yield this.data.subarray(at, Math.min(end, at + BLOCK));
  }
}

/**
 * Bytes computed from their offset, block by 64 KiB-aligned block, so any range of any size can be produced
 * in constant memory and two requests for the same offset always agree (which is what makes resumed
 * downloads checkable).
 */
class GeneratedSource implements ByteSource {
  readonly path = null;
  readonly etag: string;

  constructor(
    readonly kind: 'synthetic' | 'html' | 'image',
    readonly size: number,
    private readonly fillBlock: (blockStart: number, block: Buffer) => void,
    private readonly overlays: readonly { offset: number; bytes: Buffer }[],
  ) {
    this.etag = `"${createHash('md5').update(`${kind}:${size}`).digest('hex')}"`;
  }

  *chunks(start: number, end: number): Iterable<Buffer> {
    for (let blockStart = start - (start % BLOCK); blockStart < end; blockStart += BLOCK) {
      const blockEnd = Math.min(blockStart + BLOCK, this.size);
      const block = Buffer.allocUnsafe(blockEnd - blockStart);
      this.fillBlock(blockStart, block);
      for (const { offset, bytes } of this.overlays) {
        const from = Math.max(offset, blockStart);
        const to = Math.min(offset + bytes.length, blockEnd);
        if (from < to) bytes.copy(block, from - blockStart, from - offset, to - offset);
      }
      yield block.subarray(Math.max(start, blockStart) - blockStart, Math.min(end, blockEnd) - blockStart);
    }
  }
}

/** A prime period, so that an offset error in a resumed download is never a multiple of it by accident... */
const PATTERN_PERIOD = 65521;
const PATTERN = (() => {
  const pattern = Buffer.alloc(PATTERN_PERIOD + BLOCK);
  let state = 0x2545f491;
  for (let i = 0; i < PATTERN_PERIOD; i += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pattern[i] = state >>> 24;
  }
  pattern.copy(pattern, PATTERN_PERIOD, 0, BLOCK);
  return pattern;
})();
/** ...and, to be sure, every 4 KiB carries its own offset. */
const STAMP_EVERY = 4096;

function fillSynthetic(blockStart: number, block: Buffer): void {
  const from = blockStart % PATTERN_PERIOD;
  PATTERN.copy(block, 0, from, from + block.length);
  for (let at = 0; at + 8 <= block.length; at += STAMP_EVERY) {
    const offset = blockStart + at;
    block.writeUInt32BE(Math.floor(offset / 2 ** 32), at);
    block.writeUInt32BE(offset >>> 0, at + 4);
  }
}

/** A movie header as a real `moov` opens with: 1000 units a second, 8 s long, identity matrix, next track 2. */
function mvhdBox(): Buffer {
  const box = Buffer.alloc(108);
  box.writeUInt32BE(108, 0);
  box.write('mvhd', 4, 'latin1');
  box.writeUInt32BE(1000, 20);
  box.writeUInt32BE(8000, 24);
  box.writeUInt32BE(0x00010000, 28);
  box.writeUInt16BE(0x0100, 32);
  for (const [at, value] of [
    [44, 0x00010000],
    [60, 0x00010000],
    [76, 0x40000000],
  ] as const) {
    box.writeUInt32BE(value, at);
  }
  box.writeUInt32BE(2, 104);
  return box;
}

function boxHeader(type: string, size: number): Buffer {
  if (size < 2 ** 32) {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(size, 0);
    header.write(type, 4, 'latin1');
    return header;
  }
  // Past 4 GiB the 32-bit size is 1 and a 64-bit "largesize" follows the type.
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1, 0);
  header.write(type, 4, 'latin1');
  header.writeUInt32BE(Math.floor(size / 2 ** 32), 8);
  header.writeUInt32BE(size >>> 0, 12);
  return header;
}

/**
 * `ftyp` as ffmpeg writes it, a small `moov`, then one `mdat` spanning the rest: top-level boxes that tile the
 * file exactly, as a client checking the structure of a finished download expects. Sizes too small to hold
 * all three get the `ftyp` alone (cut short), which no such check accepts.
 */
function mp4Header(size: number): Buffer {
  const ftyp = Buffer.alloc(32);
  ftyp.writeUInt32BE(32, 0);
  ftyp.write('ftypisom', 4, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isomiso2avc1mp41', 16, 'latin1');
  const mvhd = mvhdBox();
  const moov = Buffer.concat([boxHeader('moov', 8 + mvhd.length), mvhd]);
  const rest = size - ftyp.length - moov.length;
  if (rest < 16) return ftyp;
  return Buffer.concat([ftyp, moov, boxHeader('mdat', rest)]);
}

export function syntheticSource(size: number): ByteSource {
  return new GeneratedSource('synthetic', size, fillSynthetic, [{ offset: 0, bytes: mp4Header(size) }]);
}

const HTML_HEAD =
  '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Sign in</title></head>\n' +
  '<body><h1>Your session has expired</h1><p>Please sign in again to continue.</p>\n';
const HTML_TAIL = '\n</body></html>\n';

function fillSpaces(blockStart: number, block: Buffer): void {
  block.fill(0x20);
  // A newline every 80 columns keeps the page looking like a page when someone opens the "video".
  for (let at = 79 - (blockStart % 80); at < block.length; at += 80) block[at] = 0x0a;
}

/** An HTML page exactly `size` bytes long: what a captive portal or a misconfigured CDN hands out instead. */
export function htmlSource(size: number): ByteSource {
  const head = Buffer.from(HTML_HEAD, 'utf8');
  const tail = Buffer.from(HTML_TAIL, 'utf8');
  const overlays = [{ offset: 0, bytes: head.subarray(0, size) }];
  if (size >= head.length + tail.length) overlays.push({ offset: size - tail.length, bytes: tail });
  return new GeneratedSource('html', size, fillSpaces, overlays);
}

/** The signature and header chunk of an 8-bit RGB PNG, 1024 x 1024: what an image model's task leaves behind. */
function pngHeader(): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(1024, 8);
  ihdr.writeUInt32BE(1024, 12);
  ihdr[16] = 8;
  ihdr[17] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

/** A picture `size` bytes long, for a task of a model that makes images: no client should take it for a video. */
export function imageSource(size: number): ByteSource {
  return new GeneratedSource('image', size, (_, block) => block.fill(0), [{ offset: 0, bytes: pngHeader() }]);
}

export async function loadSample(path = SAMPLE_PATH): Promise<ByteSource> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw new Error(`veo-sim: cannot read the sample video ${path}: ${(error as Error).message}`);
  }
  return new BufferSource(data, path);
}

function clampRange(source: ByteSource, start = 0, end = source.size): [number, number] {
  const from = Math.max(0, Math.min(start, source.size));
  return [from, Math.max(from, Math.min(end, source.size))];
}

const digests = new WeakMap<ByteSource, Promise<string>>();

export function sha256Of(source: ByteSource): Promise<string> {
  let digest = digests.get(source);
  if (!digest) {
    digest = (async () => {
      const hash = createHash('sha256');
      let sinceYield = 0;
      for (const chunk of source.chunks(0, source.size)) {
        hash.update(chunk);
        // Let the servers breathe while hashing hundreds of MiB in the same process.
        sinceYield += chunk.length;
        if (sinceYield >= 16 * 1024 * 1024) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      return hash.digest('hex');
    })();
    digests.set(source, digest);
  }
  return digest;
}

export function describeSource(source: ByteSource): VideoInfo {
  return {
    kind: source.kind === 'sample' ? 'sample' : 'synthetic',
    size: source.size,
    path: source.path,
    etag: source.etag,
    sha256: () => sha256Of(source),
    bytes: async (start?: number, end?: number) => {
      const [from, to] = clampRange(source, start, end);
      if (to - from > MAX_BYTES_AT_ONCE) {
        throw new RangeError(`veo-sim: ${to - from} bytes is too many to hold at once; use stream() or sha256()`);
      }
      return Buffer.concat([...source.chunks(from, to)]);
    },
    stream: (start?: number, end?: number) => {
      const [from, to] = clampRange(source, start, end);
      return Readable.from(source.chunks(from, to), { objectMode: false });
    },
  };
}

/** Holds the sample and reuses one synthetic source per size, so the sha256 cache keeps its worth. */
export class VideoLibrary {
  private synthetic: ByteSource | null = null;

  constructor(private readonly sample: ByteSource) {}

  current(videoBytes: number | null): ByteSource {
    if (videoBytes === null) return this.sample;
    if (this.synthetic?.size !== videoBytes) this.synthetic = syntheticSource(videoBytes);
    return this.synthetic;
  }
}
