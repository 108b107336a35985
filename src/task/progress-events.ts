import type { DownloadProgress } from '../api/download.js';
import type { Context } from '../context.js';

/** At most one progress event a second per download: a stream reader wants a pulse, not every chunk. */
const EVERY_MS = 1000;

/**
 * Download progress for listeners, at a bounded rate, and the final figure once the download is complete (so a
 * reader sees 100% even when the last second had already been told).
 */
export function progressEvents(
  ctx: Context,
  id: string | undefined,
): { progressed(progress: DownloadProgress): void; finished(bytes: number): Promise<void> } {
  let toldAt = -Infinity;
  let toldBytes: number | undefined;
  let total: number | undefined;
  const tell = (bytes: number) => {
    toldBytes = bytes;
    return ctx.events
      .emit({ type: 'progress', ...(id ? { id } : {}), bytes, ...(total === undefined ? {} : { total }) })
      .catch(() => undefined);
  };
  return {
    progressed(progress) {
      if (!ctx.events.listening) return;
      total = progress.total ?? total;
      const now = Date.now();
      if (now - toldAt < EVERY_MS) return;
      toldAt = now;
      void tell(progress.received);
    },
    async finished(bytes) {
      if (!ctx.events.listening) return;
      total ??= bytes;
      if (bytes !== toldBytes) await tell(bytes);
    },
  };
}
