import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { jsonErrorOf, useWorld } from '../helpers/cli.js';
import { whenPartHolds } from '../helpers/part-watch.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;
const ROOT = process.getuid?.() === 0;

describe('downloads: never through a link, never over a special file', () => {
  const world = useWorld({ taskMs: 1, videoBytes: 2 * MiB });
  let id: string;
  before(async () => {
    id = (await world.veo(['create', 'a clip'])).stdout.trim();
  });

  const expected = () => world.sim.video().sha256();

  it('a .part planted as a symlink in a shared folder is never written through', async () => {
    const dir = join(world.workDir, 'shared');
    await mkdir(dir);
    const victim = join(world.workDir, 'victim.txt');
    await writeFile(victim, 'precious');
    const path = join(dir, 'clip.mp4');
    await symlink(victim, `${path}.part`);
    await symlink(victim, `${path}.part.json`);
    const run = await world.veo(['download', id, '-o', path]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    assert.equal(sha256(await readFile(path)), await expected());
    assert.ok((await lstat(path)).isFile());
    assert.deepEqual(await readdir(dir), ['clip.mp4']);
  });

  it('--force replaces only a regular file: a FIFO or a folder is exit 2, left as it was', async () => {
    const fifo = join(world.workDir, 'pipe.mp4');
    execFileSync('mkfifo', [fifo]);
    const onFifo = await world.veo(['download', id, '-o', fifo, '--force']);
    assert.equal(onFifo.code, 2, onFifo.stderr);
    assert.match(onFifo.stderr, /is a named pipe \(FIFO\); --force replaces only a regular file/);
    assert.ok((await lstat(fifo)).isFIFO());
    // create -o: refused before a clip is paid for.
    world.sim.requests.length = 0;
    const create = await world.veo(['create', 'never paid', '-o', fifo, '--force']);
    assert.equal(create.code, 2, create.stderr);
    assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, 0);

    // A folder given as -o is a folder to save into; one in the way of the default name is not replaced.
    const folder = join(world.workDir, 'in-the-way');
    await mkdir(join(folder, `${id}.mp4`), { recursive: true });
    const onFolder = await world.veo(['download', id, '-o', `${folder}/`, '--force']);
    assert.equal(onFolder.code, 2, onFolder.stderr);
    assert.match(onFolder.stderr, /is a folder; --force replaces only a regular file/);
    assert.ok((await lstat(join(folder, `${id}.mp4`))).isDirectory());
  });

  it('--force over a device node is exit 2, the node left as it was', async (t) => {
    if (!ROOT) return t.skip('making a device node (mknod) needs root');
    const device = join(world.workDir, 'null-device.mp4');
    execFileSync('mknod', [device, 'c', '1', '3']);
    const run = await world.veo(['download', id, '-o', device, '--force']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /is a device/);
    assert.ok((await lstat(device)).isCharacterDevice());
  });

  it('an output folder that vanishes mid-download is exit 2, not a crash', async () => {
    const dir = join(world.workDir, 'vanishing');
    await mkdir(dir);
    const path = join(dir, 'clip.mp4');
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 500_000 });
    // Once half a MiB is on disk the folder goes; the stalled body is then retried into a folder that is gone.
    const stop = whenPartHolds(dir, 500_000, () => void rm(dir, { recursive: true, force: true }), 'clip.mp4');
    const run = await world.veo(['download', id, '-o', path, '--json'], { env: { VEO_REQUEST_TIMEOUT: '1' } });
    stop();
    assert.equal(run.code, 2, run.stderr);
    const error = jsonErrorOf(run.stderr);
    assert.equal(error.code, 'OUTPUT_NOT_WRITABLE');
    assert.match(error.message, /does not exist \(any more\)/);
    assert.ok(!existsSync(dir));
  });

  it('-o under /proc fails at once with exit 2; nothing is paid for', async () => {
    world.sim.requests.length = 0;
    for (const [output, said] of [
      [
        '/proc/veo-test/clip.mp4',
        /Cannot create the folder \/proc\/veo-test: \/proc does not accept new files or folders/,
      ],
      ['/proc/self/veo/clip.mp4', /Cannot create the folder \/proc\/self\/veo: \/proc\/self does not accept new/],
      [
        '/proc/clip.mp4',
        /Cannot create a file in \/proc: it does not accept new files or folders \(the system answered "no such file"/,
      ],
    ] as const) {
      const download = await world.veo(['download', id, '-o', output]);
      assert.equal(download.code, 2, download.stderr);
      assert.match(download.stderr, said);
      assert.doesNotMatch(download.stderr, /Cannot write to/);
      const create = await world.veo(['create', 'never paid', '-o', output]);
      assert.equal(create.code, 2, create.stderr);
    }
    assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, 0);
    assert.ok(!existsSync('/proc/veo-test'));
  });
});
