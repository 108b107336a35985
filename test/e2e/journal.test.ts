import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Journal } from '../../src/store/journal.js';
import { KEY, useWorld } from '../helpers/cli.js';

describe('the task journal, veo list and veo sync', () => {
  const world = useWorld({ taskMs: 100 });

  const listJson = async (...args: string[]) => {
    const run = await world.veo(['list', '--json', ...args]);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as {
      id: string;
      status: string;
      savedPath?: string;
      prompt?: string;
      state: string;
    }[];
  };

  it('records every one of twelve concurrent creates', async () => {
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => world.veo(['create', `p ${i + 1}`, '--ar', '1:1'])),
    );
    const ids = runs.map((run) => {
      assert.equal(run.code, 0, run.stderr);
      return run.stdout.trim();
    });
    const listed = await listJson();
    for (const id of ids)
      assert.ok(
        listed.some((entry) => entry.id === id),
        `${id} is in the journal`,
      );
    const entry = listed.find((e) => e.id === ids[0]);
    assert.equal(entry?.prompt, 'p 1');
    assert.deepEqual((entry as unknown as { params: unknown }).params, { ar: '1:1' });
  });

  it('sync saves every finished video exactly once, and a second run saves nothing', async () => {
    const dir = join(world.workDir, 'synced');
    await world.veo(['wait', (await world.veo(['create', 'one more'])).stdout.trim(), '--interval', '0.05']);
    const first = await world.veo(['sync', '--dir', dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stdout.trim().split('\n').length >= 13, 'every saved path on stdout');
    const unsaved = await listJson('--unsaved');
    assert.deepEqual(unsaved, []);
    const saved = (await listJson()).filter((e) => e.state === 'saved');
    assert.ok(saved.length >= 13);
    const downloads = world.sim.requests.filter((r) => r.origin === 'file');
    assert.equal(new Set(downloads.map((r) => r.path)).size, downloads.length, 'no video fetched twice');
    for (const request of downloads) assert.equal(request.headers.authorization, undefined);
    const expected = await world.sim.video().sha256();
    const { createHash } = await import('node:crypto');
    for (const entry of saved) {
      assert.equal(
        createHash('sha256')
          .update(await readFile(entry.savedPath ?? ''))
          .digest('hex'),
        expected,
      );
    }
    world.sim.requests.length = 0;
    const second = await world.veo(['sync', '--dir', dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /^sync: 0 saved, \d+ already saved/m);
    assert.equal(second.stdout, '', 'nothing saved, nothing on stdout');
    assert.equal(world.sim.requests.filter((r) => r.origin === 'file').length, 0);
    const quiet = await world.veo(['sync', '--dir', dir, '--quiet']);
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], 'a quiet idle sync says nothing');
  });

  it('reports expired links without retrying them: the sync that finds one lost exits 8, later ones 0', async () => {
    const id = (await world.veo(['create', 'too late'])).stdout.trim();
    await world.veo(['wait', id, '--interval', '0.05']);
    world.sim.configure({ linkTtlMs: 0 });
    const run = await world.veo(['sync', '--dir', join(world.workDir, 'late')]);
    world.sim.configure({ linkTtlMs: null });
    assert.equal(run.code, 8, run.stderr);
    assert.match(run.stderr, /1 expired/);
    assert.match(run.stderr, new RegExp(`${id}: the link expired before the video was saved; it is lost\n`));
    assert.match(run.stderr, new RegExp(`1 video expired before being saved .*\\(${id}\\)`));
    world.sim.requests.length = 0;
    const again = await world.veo(['sync', '--dir', join(world.workDir, 'late'), '--json']);
    assert.equal(again.code, 0, again.stderr);
    const lost = (JSON.parse(again.stdout) as { videos: { id: string; state: string; newlyLost?: boolean }[] }).videos;
    assert.deepEqual(
      lost.find((video) => video.id === id),
      { id, state: 'expired', path: null, newlyLost: false },
      'still listed, as reported before',
    );
    assert.equal(world.sim.requests.filter((r) => r.origin === 'file').length, 0, 'an expired link is not retried');
  });

  it('exits non-zero when a video that could be saved was not', async () => {
    const id = (await world.veo(['create', 'flaky'])).stdout.trim();
    await world.veo(['wait', id, '--interval', '0.05']);
    world.sim.inject('file', { kind: 'drop', afterBytes: 0 }, Infinity);
    const run = await world.veo(['sync', '--dir', join(world.workDir, 'flaky')]);
    world.sim.clearFaults();
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /1 failed/);
    const retry = await world.veo(['sync', '--dir', join(world.workDir, 'flaky')]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stderr, /^sync: 1 saved/m);
    assert.match(retry.stdout, /^\/.*\.mp4\n$/);
  });

  it('lists in a table and filters pending, unsaved and the newest', async () => {
    world.sim.configure({ taskMs: 60_000 });
    const pending = (
      await world.veo(['create', 'a very long prompt about a lighthouse standing on a cliff at dusk'])
    ).stdout.trim();
    world.sim.configure({ taskMs: 100 });
    const table = await world.veo(['list']);
    assert.equal(table.code, 0);
    // In a pipe: tab-separated whole values, the creation time in ISO 8601, no header.
    const row = table.stdout.split('\n').find((line) => line.startsWith(pending));
    assert.deepEqual(row?.split('\t').slice(0, 4), [
      pending,
      'idle',
      new Date(parseInt(pending.slice(0, 8), 16) * 1000).toISOString(),
      'a very long prompt about a lighthouse standing on a cliff at dusk',
    ]);
    assert.doesNotMatch(table.stdout, /^ID/m, 'no header in a pipe');
    assert.match(table.stdout, /\.mp4$/m, 'saved paths are shown');
    const onlyPending = await listJson('--pending');
    assert.deepEqual(
      onlyPending.map((e) => e.id),
      [pending],
    );
    const newest = await listJson('--limit', '2');
    assert.equal(newest.length, 2);
    assert.equal((await world.veo(['list', '--limit', 'x'])).code, 2);
  });

  it('adds a task created elsewhere when it is first seen', async () => {
    const response = await fetch(`${world.sim.baseUrl}/v1/media/create`, {
      method: 'POST',
      headers: { authorization: KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'glabs-veo-3-1-fast', prompt: 'made by another tool' }),
    });
    const { id } = (await response.json()) as { id: string };
    assert.ok(!(await listJson()).some((e) => e.id === id));
    assert.equal((await world.veo(['result', id])).code, 0);
    assert.ok((await listJson()).some((e) => e.id === id));
  });

  it('reports a damaged journal line, skips it, and keeps it through later writes', async () => {
    const file = join(world.configDir, 'journal.jsonl');
    await appendFile(file, '{"id": "broken\n');
    const listed = await world.veo(['list']);
    assert.equal(listed.code, 0);
    assert.match(listed.stderr, /damaged/);
    assert.equal((await world.veo(['create', 'after the damage'])).code, 0);
    assert.ok((await readFile(file, 'utf8')).includes('{"id": "broken'));
  });

  it('reminds once on stderr of videos about to expire, never in --json or --quiet', async () => {
    const journal = new Journal(world.configDir);
    const id = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const doneAt = new Date(Date.now() - 40 * 3600 * 1000).toISOString();
    await journal.record({ id, status: 'done', url: `${world.sim.fileBaseUrl}/predication/${id}_result.mp4`, doneAt });
    const plain = await world.veo(['create', 'anything']);
    assert.equal(plain.code, 0);
    assert.equal(plain.stderr.match(/veo sync/g)?.length, 1, plain.stderr);
    assert.match(plain.stderr, new RegExp(id));
    // One video: "is … save it", never "save them".
    assert.match(
      plain.stderr,
      new RegExp(`1 finished video \\(${id}\\) is not saved .*\`veo sync\` to save it\\.$`, 'm'),
    );
    assert.match(plain.stdout, /^[0-9a-f]{24}\n$/, 'never on stdout');
    for (const flag of ['--json', '--quiet']) {
      const run = await world.veo(['create', 'anything', flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, '');
    }
    await journal.record({ id, status: 'expired' });
  });

  it('keeps the journal private', async () => {
    const { stat } = await import('node:fs/promises');
    assert.equal((await stat(join(world.configDir, 'journal.jsonl'))).mode & 0o777, 0o600);
    assert.ok(!(await readFile(join(world.configDir, 'journal.jsonl'), 'utf8')).includes(KEY));
  });
});
