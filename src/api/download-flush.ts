import type { FileHandle } from 'node:fs/promises';

/**
 * Flushes the part to the disk while the body is still arriving, so that the fsync before the rename finds little
 * left to write. One flush at a time; a failed one is not an error here: the final fsync, which is awaited and
 * reported, is what vouches for the bytes.
 */

/** Written since the last flush began before another one starts: large enough to be few, small enough to overlap. */
export const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

export class BackgroundFlush {
  private inFlight: Promise<void> | undefined;
  private flushedUpTo = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly everyBytes = FLUSH_EVERY_BYTES,
  ) {}

  /** Told how many bytes were handed to the file so far; starts a flush when enough are new and none is running. */
  written(total: number): void {
    if (this.inFlight || total - this.flushedUpTo < this.everyBytes) return;
    this.flushedUpTo = total;
    this.inFlight = this.handle.datasync().then(
      () => (this.inFlight = undefined),
      () => (this.inFlight = undefined),
    );
  }

  /** Resolves once no flush is running: the handle may then be closed. Never rejects. */
  async settled(): Promise<void> {
    await this.inFlight;
  }
}
