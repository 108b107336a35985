import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Journal } from '../../src/store/journal.js';
import { useWorld } from '../helpers/cli.js';

// A `.part` can only be completed while the video's link lives: once it is dead, veo removes the parts it made for
// that task (their sidecar names it), and nothing else.

describe('the .part of a video whose link expired', () => {
  const world = useWorld({ taskMs: 100 });
  const fileRequests = () => world.sim.requests.filter((r) => r.origin === 'file');

  const finishedTask = async (prompt: string) => {
    const id = (await world.veo(['create', prompt])).stdout.trim();
    assert.equal((await world.veo(['wait', id, '--interval', '0.05'])).code, 0);
    return id;
  };
  /** A download that stops after a few bytes and leaves its part behind, as a dropped connection does. */
  const cutShort = async (id: string, path: string) => {
    world.sim.inject('file', { kind: 'drop', afterBytes: 1000 }, Infinity);
    const run = await world.veo(['download', id, '-o', path], { env: { VEO_RETRY_ATTEMPTS: '1' } });
    world.sim.clearFaults();
    assert.equal(run.code, 7, run.stderr);
    assert.ok(existsSync(`${path}.part`) && existsSync(`${path}.part.json`), 'the part is left for a resume');
  };
  const folder = async (name: string) => {
    const dir = join(world.workDir, name);
    await mkdir(dir, { recursive: true });
    return dir;
  };

  it('sync and download remove the parts veo made for the task, never a foreign file or a link', async () => {
    const [id, linked, later] = [
      await finishedTask('cut short'),
      await finishedTask('its part is a link'),
      await finishedTask('downloaded later'),
    ];
    const custom = join(await folder('custom'), 'fox.mp4');
    await cutShort(id, custom);
    const linkedPath = join(await folder('linked'), 'cat.mp4');
    await cutShort(linked, linkedPath);
    const victim = join(world.workDir, 'precious.txt');
    await writeFile(victim, 'precious');
    await unlink(`${linkedPath}.part`);
    await symlink(victim, `${linkedPath}.part`);
    const laterPath = join(await folder('later'), 'owl.mp4');
    await cutShort(later, laterPath);
    const syncDir = await folder('synced');

    world.sim.configure({ linkTtlMs: 0 });
    try {
      // veo download of a task whose part sits elsewhere finds it through the journal.
      const download = await world.veo(['download', later, '-o', join(world.workDir, 'elsewhere.mp4')]);
      assert.equal(download.code, 8, download.stderr);
      assert.match(download.stderr, new RegExp(`Removed ${laterPath}\\.part`));
      assert.ok(!existsSync(`${laterPath}.part`) && !existsSync(`${laterPath}.part.json`));
      const sync = await world.veo(['sync', '--dir', syncDir]);
      assert.ok(sync.code === 0 || sync.code === 8, sync.stderr);
      assert.match(sync.stderr, new RegExp(`Removed ${custom}\\.part: the unfinished download of ${id}`));
      assert.ok(!existsSync(`${custom}.part`) && !existsSync(`${custom}.part.json`));
      assert.ok((await lstat(`${linkedPath}.part`)).isSymbolicLink(), 'the link is left where it is');
      assert.equal(await readFile(victim, 'utf8'), 'precious');
      assert.doesNotMatch(sync.stderr, /cat\.mp4/);
    } finally {
      world.sim.configure({ linkTtlMs: null });
    }
  });

  it('sync removes the part of a task the journal knows expired, without asking the file host', async () => {
    const [id, other] = [await finishedTask('expired while away'), await finishedTask('also expired')];
    const syncDir = await folder('away');
    const path = join(syncDir, `${id}.mp4`);
    await cutShort(id, path);
    // Where sync would have saved the other one: a part whose sidecar names another task is not veo's for it.
    const foreign = join(syncDir, `${other}.mp4`);
    await writeFile(`${foreign}.part`, 'not mine');
    await writeFile(`${foreign}.part.json`, JSON.stringify({ version: 1, taskId: id, resource: 'elsewhere' }));
    // As an earlier command recorded on meeting the dead link.
    const journal = new Journal(world.configDir);
    for (const task of [id, other]) await journal.record({ id: task, status: 'expired' });
    world.sim.requests.length = 0;
    const sync = await world.veo(['sync', '--dir', syncDir]);
    assert.match(sync.stderr, new RegExp(`Removed ${path}\\.part: the unfinished download of ${id}`));
    assert.ok(!existsSync(`${path}.part`) && !existsSync(`${path}.part.json`));
    assert.equal(await readFile(`${foreign}.part`, 'utf8'), 'not mine');
    assert.ok(existsSync(`${foreign}.part.json`));
    assert.doesNotMatch(sync.stderr, new RegExp(`Removed ${foreign}`));
    assert.equal(fileRequests().length, 0);
  });
});
