import { readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';

/**
 * Calls `then` once a `.part` in `dir` (the part of the file `name`, or any part) holds at least `bytes` bytes:
 * an event to act on instead of a sleep. Returns a function that stops watching.
 */
export function whenPartHolds(dir: string, bytes: number, then: () => void, name?: string): () => void {
  let fired = false;
  const watcher = watch(dir, () => {
    if (fired) return;
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((entry) => (name ? entry === `${name}.part` : entry.endsWith('.part')));
    } catch {
      return;
    }
    for (const entry of names) {
      let size = 0;
      try {
        size = statSync(join(dir, entry)).size;
      } catch {
        continue;
      }
      if (size < bytes) continue;
      fired = true;
      watcher.close();
      then();
      return;
    }
  });
  watcher.on('error', () => watcher.close());
  return () => watcher.close();
}
