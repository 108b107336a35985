// Poster frames: one small JPEG per saved clip, made by ffmpeg when it is installed and put into the page as a
// data: URI, so that the page stays one file. Without ffmpeg (or when a clip will not give a frame) the page
// has no poster and the browser shows the clip's first frame once it has loaded; nothing is said about it.
import { spawn } from 'node:child_process';

/** A frame of a clip of 320 pixels across is a few kilobytes; anything much larger is not a poster. */
const MAX_POSTER_BYTES = 512 * 1024;
/** One frame of a short clip takes ffmpeg well under a second; a clip that takes this long is skipped. */
const FRAME_TIMEOUT_MS = 20_000;
/** ffmpeg runs at most this many at once. */
const CONCURRENCY = 2;

type Frame = { jpeg: Buffer } | { missing: true } | { failed: true };

function grabFrame(file: string, atSeconds: number, signal: AbortSignal): Promise<Frame> {
  return new Promise((resolve) => {
    const args = ['-nostdin', '-v', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1'];
    args.push('-vf', 'scale=320:-2', '-q:v', '6', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1');
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'], signal, timeout: FRAME_TIMEOUT_MS });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_POSTER_BYTES) child.kill();
      else chunks.push(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? { missing: true } : { failed: true }),
    );
    child.on('close', (code) => {
      const jpeg = Buffer.concat(chunks);
      resolve(code === 0 && size <= MAX_POSTER_BYTES && jpeg.length > 0 ? { jpeg } : { failed: true });
    });
  });
}

/**
 * A poster for each file that gives one, as data: URIs by file. A frame a second in (past a fade from black),
 * else the first frame for a clip shorter than that. Stops at once when ffmpeg is not on the PATH.
 */
export async function makePosters(files: string[], signal: AbortSignal): Promise<Map<string, string>> {
  const posters = new Map<string, string>();
  const queue = [...new Set(files)];
  let missing = false;
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined && !missing && !signal.aborted; file = queue.shift()) {
      let frame = await grabFrame(file, 1, signal);
      if ('failed' in frame) frame = await grabFrame(file, 0, signal);
      if ('missing' in frame) missing = true;
      else if ('jpeg' in frame) posters.set(file, `data:image/jpeg;base64,${frame.jpeg.toString('base64')}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return posters;
}
