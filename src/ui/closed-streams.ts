/**
 * A reader may close its end of stdout or stderr at any time (`veo wait <id> -o f.mp4 2>&1 >/dev/null | head -1`).
 * That is the reader's choice, not a failure of the work: the write error (EPIPE) is absorbed, the stream is not
 * written to again, and the command ends as its work earned. Other stdout errors (a full disk behind a redirect)
 * are left to the listener in main.ts, which reports them.
 */
const closed = new WeakSet<NodeJS.WritableStream>();
const guarded = new WeakSet<NodeJS.WritableStream>();

export function isClosed(stream: NodeJS.WritableStream): boolean {
  return closed.has(stream);
}

function guard(stream: NodeJS.WritableStream, absorbAll: boolean): void {
  // A stand-in stream (a test's recorder) that emits no events has nothing to absorb.
  if (guarded.has(stream) || typeof stream.on !== 'function') return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // Nothing can be reported on a stderr that fails; a later write to it would only fail again.
    // EIO: the terminal itself went away (a hang-up).
    if (absorbAll || ['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED'].includes(error.code ?? '')) closed.add(stream);
  });
}

export function absorbClosedStreams(streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  guard(streams.stdout, false);
  guard(streams.stderr, true);
}
