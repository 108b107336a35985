import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { signalWhenPartHolds, useWorld, type RunResult } from '../helpers/cli.js';
import { whenPartHolds } from '../helpers/part-watch.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;

describe('downloads: a part belongs to one video, one writer per target', () => {
  const world = useWorld({ taskMs: 1, videoBytes: 2 * MiB });
  let id: string;
  before(async () => {
    id = (await world.veo(['create', 'a clip'])).stdout.trim();
  });

  const fileRequests = () => world.sim.requests.filter((r) => r.origin === 'file');
  const expected = () => world.sim.video().sha256();

  it('a .part left by task A is never resumed into the download of task B to the same path', async () => {
    world.sim.configure({ videoBytes: 2 * MiB });
    const a = (await world.veo(['create', 'task A'])).stdout.trim();
    const path = join(world.workDir, 'shared-name.mp4');
    world.sim.inject('file', { kind: 'drop', afterBytes: 300_000 }, Infinity);
    const broken = await world.veo(['download', a, '-o', path], { env: { VEO_RETRY_ATTEMPTS: '1' } });
    assert.equal(broken.code, 7, broken.stderr);
    assert.ok((await stat(`${path}.part`)).size > 0);
    world.sim.clearFaults();
    // Another video entirely: were A's head resumed into it, the file would not hash to B's bytes.
    world.sim.configure({ videoBytes: 3 * MiB });
    const b = (await world.veo(['create', 'task B'])).stdout.trim();
    world.sim.requests.length = 0;
    const run = await world.veo(['download', b, '-o', path]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      fileRequests().map((r) => r.headers.range),
      [undefined],
    );
    assert.match(run.stderr, /leftover .*\.part of another video/);
    const onDisk = sha256(await readFile(path));
    assert.equal(onDisk, await expected());
    const list = await world.veo(['list', '--json']);
    const entry = (JSON.parse(list.stdout) as { id: string; sha256?: string }[]).find((e) => e.id === b);
    assert.equal(entry?.sha256, onDisk, 'what is journaled is what is on disk');
    world.sim.configure({ videoBytes: 2 * MiB });
  });

  it('resumes with If-Range carrying the ETag the host gave', async () => {
    world.sim.inject('file', { kind: 'drop', afterBytes: 500_000 });
    const path = join(world.workDir, 'if-range.mp4');
    const run = await world.veo(['download', id, '-o', path]);
    assert.equal(run.code, 0, run.stderr);
    const [first, second] = fileRequests();
    assert.equal(first?.headers['if-range'], undefined);
    assert.match(second?.headers.range ?? '', /^bytes=[1-9]\d*-$/);
    assert.equal(second?.headers['if-range'], world.sim.video().etag);
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('two veo download of one video to one path at once: one saves it, the other waits and reports it saved', async () => {
    const path = join(world.workDir, 'together.mp4');
    // The first body stalls half way for a stall window (3 s), time enough for the second to start and wait.
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 500_000 });
    const env = { VEO_REQUEST_TIMEOUT: '3' };
    let second: Promise<RunResult> | undefined;
    let firstChild: ChildProcess | undefined;
    const first = world.veo(['download', id, '-o', path], {
      env,
      onStart: (child) => {
        firstChild = child;
        const stop = whenPartHolds(
          dirname(path),
          500_000,
          () => (second = world.veo(['download', id, '-o', path], { env })),
          basename(path),
        );
        child.on('exit', stop);
      },
    });
    const one = await first;
    assert.ok(second, 'the second veo was started while the first held the target');
    const two = await second;
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stderr, new RegExp(`another veo \\(pid ${firstChild?.pid}\\) is saving`));
    assert.match(two.stderr, /already saved/);
    assert.equal(one.stdout, `${path}\n`);
    assert.equal(two.stdout, `${path}\n`);
    assert.equal(sha256(await readFile(path)), await expected());
    assert.equal(fileRequests().filter((r) => r.headers.range === undefined).length, 1, 'fetched once');
    assert.deepEqual(
      (await readdir(world.workDir)).filter((name) => name.startsWith('together')),
      ['together.mp4'],
    );
  });

  it('a claim left by a killed veo is taken over at once, and its part resumed', async () => {
    const path = join(world.workDir, 'killed.mp4');
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 600_000 });
    const killed = await world.veo(['download', id, '-o', path], {
      onStart: signalWhenPartHolds(path, 600_000, 'SIGKILL'),
    });
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(existsSync(`${path}.claim`), 'the killed process left its claim');
    world.sim.requests.length = 0;
    const run = await world.veo(['download', id, '-o', path]);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /another veo/);
    assert.match(fileRequests()[0]?.headers.range ?? '', /^bytes=[1-9]\d*-$/);
    assert.equal(sha256(await readFile(path)), await expected());
    assert.ok(!existsSync(`${path}.claim`));
  });

  it('a target another live veo holds past the deadline: exit 2 naming its pid, nothing touched', async () => {
    const path = join(world.workDir, 'held.mp4');
    // A claim of a live process on this host (this test runner), fresh: what a veo busy saving there leaves.
    const owner = { pid: process.pid, host: hostname(), at: Date.now(), nonce: 'held', resource: 'elsewhere' };
    await writeFile(`${path}.claim`, JSON.stringify(owner));
    const run = await world.veo(['download', world.sim.fileUrl(id), '-o', path, '--json'], {
      env: { VEO_REQUEST_TIMEOUT: '0.05' },
    });
    assert.equal(run.code, 2, run.stderr);
    const { error } = JSON.parse(run.stderr.trim().split('\n').at(-1) ?? '');
    assert.equal(error.code, 'OUTPUT_BUSY');
    assert.match(error.message, new RegExp(`another veo \\(pid ${process.pid}\\) is saving`));
    assert.equal(fileRequests().length, 0);
    assert.ok(!existsSync(path) && !existsSync(`${path}.part`));
    assert.equal(JSON.parse(await readFile(`${path}.claim`, 'utf8')).nonce, 'held', 'the claim of the other is left');
  });

  it('two overlapping veo sync (cron) save every video once, both exiting 0', async () => {
    const env = { VEO_CONFIG_DIR: join(world.workDir, 'sync-config'), VEO_REQUEST_TIMEOUT: '1' };
    const dir = join(world.workDir, 'synced');
    await mkdir(dir);
    const ids: string[] = [];
    for (const prompt of ['one', 'two', 'three']) {
      const created = await world.veo(['create', prompt], { env });
      assert.equal(created.code, 0, created.stderr);
      ids.push(created.stdout.trim());
    }
    world.sim.requests.length = 0;
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 500_000 });
    let second: Promise<RunResult> | undefined;
    const first = world.veo(['sync', '--dir', dir], {
      env,
      onStart: (child) => {
        const stop = whenPartHolds(dir, 500_000, () => (second = world.veo(['sync', '--dir', dir], { env })));
        child.on('exit', stop);
      },
    });
    const one = await first;
    assert.ok(second);
    const two = await second;
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    for (const taskId of ids) assert.equal(sha256(await readFile(join(dir, `${taskId}.mp4`))), await expected());
    assert.deepEqual((await readdir(dir)).sort(), ids.map((taskId) => `${taskId}.mp4`).sort());
    const fetched = fileRequests()
      .filter((r) => r.headers.range === undefined)
      .map((r) => r.path);
    assert.equal(fetched.length, 3, `each video fetched from its start once: ${fetched.join(', ')}`);
    const saved = (one.stdout + two.stdout).trim().split('\n').filter(Boolean);
    assert.equal(saved.length, 3, 'every path printed once, by whichever sync saved it');
    assert.match(two.stderr, /sync: \d+ saved, [1-9]\d* already saved/);
  });
});
