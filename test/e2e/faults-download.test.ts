import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmdirSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { useWorld } from '../helpers/cli.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function mount(dir: string, options: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
}

/** A tiny or read-only file system needs a tmpfs mount: root (or CAP_SYS_ADMIN) on Linux. */
function canMount(): boolean {
  if (process.platform !== 'linux') return false;
  const dir = mkdtempSync(join(tmpdir(), 'veo-mount-'));
  try {
    mount(dir, 'size=64k');
    execFileSync('umount', [dir]);
    return true;
  } catch {
    return false;
  } finally {
    rmdirSync(dir);
  }
}
const MOUNT = canMount();

/** A 3 MiB file system at `dir`, half filled: too small for the 2 MiB video until `filler` is removed. */
async function smallDisk(dir: string): Promise<{ dir: string; filler: string }> {
  await mkdir(dir);
  mount(dir, 'size=3m');
  const filler = join(dir, 'filler');
  await writeFile(filler, Buffer.alloc(1536 * 1024));
  return { dir, filler };
}
const NO_MOUNT = MOUNT ? false : 'mounting a tmpfs needs root or CAP_SYS_ADMIN';
const ROOT = process.getuid?.() === 0;

describe('download faults against veo-sim', () => {
  const world = useWorld({ taskMs: 1, videoBytes: 2 * 1024 * 1024 });
  let id: string;
  before(async () => {
    id = (await world.veo(['create', 'a clip'])).stdout.trim();
  });

  const ranges = () => world.sim.requests.filter((r) => r.origin === 'file').map((r) => r.headers.range);
  const expected = () => world.sim.video().sha256();

  it('a file host failing with 5xx is retried', async () => {
    world.sim.inject('file', { kind: 'http', status: 503, body: '<Error><Code>SlowDown</Code></Error>' }, 2);
    const path = join(world.workDir, 'retried.mp4');
    const run = await world.veo(['download', id, '-o', path]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(ranges().length, 3);
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('a download that keeps breaking off: exit 7, the .part kept, and the next run resumes from it', async () => {
    world.sim.inject('file', { kind: 'drop', afterBytes: 300_000 }, 1);
    world.sim.inject('file', { kind: 'drop', afterBytes: 0 }, Infinity);
    const path = join(world.workDir, 'truncated.mp4');
    const failed = await world.veo(['download', id, '-o', path]);
    assert.equal(failed.code, 7, failed.stderr);
    assert.match(failed.stderr, /broke off|ended after/);
    assert.ok(!existsSync(path));
    // Whatever arrived before the drop is kept (bytes still in flight when the socket closed may be lost).
    const kept = (await stat(`${path}.part`)).size;
    assert.ok(kept > 0 && kept <= 300_000, `${kept} bytes kept`);
    world.sim.clearFaults();
    world.sim.requests.length = 0;
    const resumed = await world.veo(['download', id, '-o', path]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(ranges(), [`bytes=${kept}-`]);
    assert.equal(sha256(await readFile(path)), await expected());
    assert.ok(!existsSync(`${path}.part`));
  });

  it(
    'disk full: exit 2 saying so, the .part kept, and once there is room the same command resumes',
    {
      skip: NO_MOUNT,
    },
    async () => {
      const { dir, filler } = await smallDisk(join(world.workDir, 'small'));
      try {
        const path = join(dir, 'clip.mp4');
        const full = await world.veo(['download', id, '-o', path, '--json']);
        assert.equal(full.code, 2, full.stderr);
        const { error } = JSON.parse(full.stderr);
        assert.equal(error.code, 'DISK_FULL');
        assert.match(error.message, /No space left/);
        assert.match(error.hint, /resumes from the \.part/);
        assert.ok(!existsSync(path));
        const kept = (await stat(`${path}.part`)).size;
        assert.ok(kept > 0, 'what was written is kept for the resume');
        await rm(filler);
        world.sim.requests.length = 0;
        const resumed = await world.veo(['download', id, '-o', path]);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.deepEqual(ranges(), [`bytes=${kept}-`]);
        assert.equal(sha256(await readFile(path)), await expected());
      } finally {
        execFileSync('umount', [dir]);
      }
    },
  );

  it(
    'disk full after a paid create: the hint continues that task, and following it creates nothing more',
    { skip: NO_MOUNT },
    async () => {
      const { dir, filler } = await smallDisk(join(world.workDir, 'small-create'));
      try {
        const path = join(dir, 'clip.mp4');
        world.sim.requests.length = 0;
        const full = await world.veo(['create', 'fills the disk', '-o', path, '--interval', '0.05', '--json']);
        assert.equal(full.code, 2, full.stderr);
        const { error } = JSON.parse(full.stderr.trim().split('\n').at(-1) ?? '');
        assert.equal(error.code, 'DISK_FULL');
        const task = world.sim.tasks().find((t) => t.prompt === 'fills the disk');
        assert.ok(task);
        assert.ok(error.hint.includes(`veo download ${task.id} -o ${path}`), error.hint);
        assert.match(error.hint, /running the same create again would pay for another/);
        await rm(filler);
        const resumed = await world.veo(['download', task.id, '-o', path]);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.equal(sha256(await readFile(path)), await expected());
        assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, 1);
      } finally {
        execFileSync('umount', [dir]);
      }
    },
  );

  it('an output folder that cannot be written: exit 2 naming it, nothing left behind', async () => {
    const blocker = join(world.workDir, 'a-file');
    await writeFile(blocker, 'not a folder');
    // The output-dir setting (no -o): found out by the download itself.
    const env = { VEO_CONFIG_DIR: join(world.workDir, 'other-config') };
    assert.equal((await world.veo(['config', 'set', 'output-dir', join(blocker, 'sub')], { env })).code, 0);
    const underFile = await world.veo(['download', id, '--json'], { env });
    assert.equal(underFile.code, 2, underFile.stderr);
    const { error } = JSON.parse(underFile.stderr);
    assert.equal(error.code, 'OUTPUT_NOT_WRITABLE');
    assert.match(error.message, /a part of that path is a file, not a folder/);
    assert.equal(await readFile(blocker, 'utf8'), 'not a folder');

    // Read-only: a read-only mount, or (without root, where modes bite) a folder of mode 0500.
    const locked = join(world.workDir, 'locked');
    await mkdir(locked);
    if (MOUNT) mount(locked, 'ro,size=64k');
    else if (!ROOT) await chmod(locked, 0o500);
    else return;
    try {
      // -o: checked before anything is asked for.
      const run = await world.veo(['download', id, '-o', join(locked, 'clip.mp4')]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /Cannot create a file in .*locked: (read-only file system|permission denied)\./);
      assert.doesNotMatch(run.stderr, /EROFS|EACCES/);
      const json = await world.veo(['download', id, '-o', join(locked, 'clip.mp4'), '--json']);
      assert.match((JSON.parse(json.stderr) as { error: { errno: string } }).error.errno, /^(EROFS|EACCES)$/);
      assert.match(run.stderr, /Choose a folder you can write to/);
      assert.deepEqual(await readdir(locked), []);
    } finally {
      if (MOUNT) execFileSync('umount', [locked]);
      else await chmod(locked, 0o700);
    }
  });
});
