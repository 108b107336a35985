import type { DownloadProgress } from '../api/download.js';
import type { StatusLine } from '../ui/status-line.js';

// How a download looks on the status line: bytes, percent and speed, and "stalled" once nothing comes for a while.

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function progressText(progress: DownloadProgress): string {
  const seconds = Math.max(progress.elapsedMs / 1000, 0.001);
  const speed = `${formatBytes((progress.received - progress.resumedFrom) / seconds)}/s`;
  if (progress.total) {
    const percent = Math.floor((progress.received / progress.total) * 100);
    return `${formatBytes(progress.received)} / ${formatBytes(progress.total)} (${percent}%) ${speed}`;
  }
  return `${formatBytes(progress.received)} ${speed}`;
}

const STALLED_AFTER_MS = 3000;

/** The bytes so far, without a speed that is no longer true. */
function stalledText(progress: DownloadProgress): string {
  if (!progress.total) return formatBytes(progress.received);
  const percent = Math.floor((progress.received / progress.total) * 100);
  return `${formatBytes(progress.received)} / ${formatBytes(progress.total)} (${percent}%)`;
}

export /** A transfer that stops sending keeps its last figures on screen: after a few quiet seconds they say stalled. */
function watchForStall(status: StatusLine, label: string): { progressed(p: DownloadProgress): void; stop(): void } {
  let last: { progress: DownloadProgress; at: number } | undefined;
  const timer = setInterval(() => {
    const quietMs = last ? Date.now() - last.at : 0;
    if (last && quietMs >= STALLED_AFTER_MS) {
      status.update(label, `${stalledText(last.progress)}, stalled: nothing for ${Math.floor(quietMs / 1000)} s`);
    }
  }, 1000);
  timer.unref();
  return {
    progressed: (progress) => (last = { progress, at: Date.now() }),
    stop: () => clearInterval(timer),
  };
}
