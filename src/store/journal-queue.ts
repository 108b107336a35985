/**
 * Group commit: lines asked for while an append is under way are written together by the next one, under one
 * lock and one sync. Each caller still resolves only once its own line is on disk, and in the order asked; a
 * failed append rejects every line it carried. Many items of one process finishing at once (a batch) then wait
 * for one sync instead of queueing for the lock one by one.
 */
export class AppendQueue {
  #waiting: { serialize: () => string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #draining = false;

  /** `write` takes the lock, then calls `lines()` and appends what it gives (each without its newline) at once. */
  constructor(private readonly write: (lines: () => string[]) => Promise<void>) {}

  /** `serialize` runs under the lock, just before the write: it may stamp the time of the line. */
  add(serialize: () => string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ serialize, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      // Bounded: each turn takes every line waiting; a turn only starts for lines added during the last one.
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0);
        // Those whose line could not be made were told so; the rest learn the outcome of the write.
        const refused = new Set<(typeof group)[number]>();
        try {
          await this.write(() =>
            group.flatMap((entry) => {
              try {
                return [entry.serialize()];
              } catch (error) {
                refused.add(entry);
                entry.reject(error);
                return [];
              }
            }),
          );
          for (const entry of group) if (!refused.has(entry)) entry.resolve();
        } catch (error) {
          for (const entry of group) if (!refused.has(entry)) entry.reject(error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }
}
