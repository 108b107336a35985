import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A private folder for one test, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'veo-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Shaped like the API's ids: MongoDB ObjectIds, whose first 8 hex digits are the creation time. */
export function taskId(n: number): string {
  return `6650a1b2${n.toString(16).padStart(16, '0')}`;
}
