// The clips the gallery tests show: two takes of a prompt full of markup, quotes, Cyrillic and a bidi override,
// a batch of two prompts, a finished clip not saved, a failed one and one whose link expired unsaved.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.js';
import type { World } from './cli.js';

export const HOSTILE_PROMPT = 'a "quoted" <script>alert(1)</script> лиса в снегу \u202eevil\'s';
export const FAILING = 'FAILME: a clip the service refuses';

export interface GalleryClips {
  takes: string[];
  batchIds: string[];
  unsaved: string;
  failed: string;
  expired: string;
  batchFile: string;
}

function idOf(run: { code: number | null; stdout: string; stderr: string }): string {
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.trim();
}

export async function makeGalleryClips(world: World): Promise<GalleryClips> {
  const [takeA, takeB] = await Promise.all([
    world.veo(['create', HOSTILE_PROMPT, '-o', 'out/a.mp4', '--interval', '0.05']),
    world.veo(['create', HOSTILE_PROMPT, '-o', 'out/b.mp4', '--interval', '0.05']),
  ]);
  assert.equal(takeA.code, 0, takeA.stderr);
  assert.equal(takeB.code, 0, takeB.stderr);
  const batchFile = join(world.workDir, 'prompts.txt');
  await writeFile(batchFile, 'a cat on a skateboard\na dog on a surfboard\n');
  const batch = await world.veo(['batch', batchFile, '--dir', 'out/batch', '--interval', '0.05', '--json']);
  assert.equal(batch.code, 0, batch.stderr);
  const unsaved = idOf(await world.veo(['create', 'a lighthouse at dusk']));
  assert.equal((await world.veo(['wait', unsaved, '--interval', '0.05'])).code, 0);
  const failed = idOf(await world.veo(['create', FAILING]));
  await world.veo(['wait', failed, '--interval', '0.05']);
  // A clip finished three days ago and never saved: its link has died.
  const expired = '5f0c90822fdf47f89f00aa01';
  const doneAt = new Date(Date.now() - 3 * 86_400_000);
  await new Journal(world.configDir).record({
    id: expired,
    prompt: 'a clip nobody saved in time',
    model: 'glabs-veo-3-1-fast',
    status: 'done',
    url: 'http://127.0.0.1:9/gone.mp4',
    createdAt: new Date(doneAt.getTime() - 60_000).toISOString(),
    doneAt: doneAt.toISOString(),
  });
  const listed = JSON.parse((await world.veo(['list', '--json'])).stdout) as {
    id: string;
    prompt?: string;
    batch?: unknown;
    savedPath?: string;
  }[];
  // The two takes ran at once, so the journal's order says nothing of which is which: their files do.
  const takeSavedAs = (name: string) =>
    listed.find((entry) => entry.prompt === HOSTILE_PROMPT && entry.savedPath?.endsWith(name))?.id ?? '';
  const takes = [takeSavedAs('a.mp4'), takeSavedAs('b.mp4')];
  assert.ok(takes.every(Boolean), 'both takes journaled with their files');
  return {
    takes,
    batchIds: listed.filter((entry) => entry.batch).map((entry) => entry.id),
    unsaved,
    failed,
    expired,
    batchFile,
  };
}
