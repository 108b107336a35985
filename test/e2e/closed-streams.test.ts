import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, statSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useWorld } from '../helpers/cli.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The journal's merged view of one task, read the way a person would: the last value of each field wins. */
async function journaled(configDir: string, id: string): Promise<Record<string, unknown>> {
  const lines = (await readFile(join(configDir, 'journal.jsonl'), 'utf8')).trim().split('\n');
  return Object.assign({}, ...lines.map((line) => JSON.parse(line)).filter((patch) => patch.id === id));
}

describe('a reader that closes stdout or stderr early never changes the outcome', () => {
  const world = useWorld({ taskMs: 1, videoBytes: 2_000_000 });

  it('stderr closed by its reader during a download: the video is saved, journaled, exit 0', async () => {
    const id = (await world.veo(['create', 'stderr will close'])).stdout.trim();
    const path = join(world.workDir, 'clip.mp4');
    // The connection drops half way, so the download is still going (resuming after a pause of at least 0.5 s)
    // when the reader goes away; a warning and the final line are then written to a closed pipe.
    world.sim.inject('file', { kind: 'drop', afterBytes: 500_000 }, 1);
    let closedAt = -1;
    const run = await world.veo(['wait', id, '-o', path], {
      env: { VEO_RETRY_BASE_MS: '1000' },
      onStart: (child) => {
        const watcher = watch(world.workDir, () => {
          if (closedAt >= 0 || !existsSync(`${path}.part`)) return;
          closedAt = statSync(`${path}.part`).size;
          child.stderr?.destroy();
          watcher.close();
        });
        child.on('exit', () => watcher.close());
      },
    });
    assert.ok(closedAt >= 0, 'stderr was closed while the .part file existed');
    assert.equal(run.code, 0, `exit ${run.code}; stderr before the close: ${run.stderr}`);
    assert.equal(run.stdout, `${path}\n`);
    assert.equal(sha256(await readFile(path)), await world.sim.video().sha256());
    const entry = await journaled(world.configDir, id);
    assert.equal(entry.savedPath, path);
    assert.equal(entry.bytes, 2_000_000);
    assert.ok(!existsSync(`${path}.part`));
  });

  it('stdout closed before the first result: veo sync still saves every video and exits 0', async () => {
    const ids: string[] = [];
    for (const prompt of ['first', 'second']) {
      const id = (await world.veo(['create', prompt])).stdout.trim();
      assert.equal((await world.veo(['result', id])).code, 0);
      ids.push(id);
    }
    const run = await world.veo(['sync'], { onStart: (child) => child.stdout?.destroy() });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /sync: \d+ saved/);
    for (const id of ids) {
      const path = join(world.workDir, `${id}.mp4`);
      assert.equal(sha256(await readFile(path)), await world.sim.video().sha256(), id);
      assert.equal((await journaled(world.configDir, id)).savedPath, path);
    }
  });
});
