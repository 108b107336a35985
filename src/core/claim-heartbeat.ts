import { lutimes } from 'node:fs/promises';

/**
 * Keeps a claim file's modification time fresh while its owner works, so that others can tell a live claim from
 * one left by a process that died (its time stops moving). The timer never keeps the process alive; a failed
 * touch is left to the next one. Returns the function that stops it.
 */
export function keepClaimFresh(path: string, everyMs: number): () => void {
  const heartbeat = setInterval(() => {
    const now = new Date();
    lutimes(path, now, now).catch(() => undefined);
  }, everyMs);
  heartbeat.unref();
  return () => clearInterval(heartbeat);
}
