import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { useWorld } from '../helpers/cli.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;

/**
 * Every loop has a bound. Each test here would run for minutes, or for ever, without it; with a short
 * VEO_REQUEST_TIMEOUT (the stall window) the bound is reached in seconds.
 */
describe('downloads: every loop has a bound', () => {
  const world = useWorld({ taskMs: 1, videoBytes: 2 * MiB });
  let id: string;
  before(async () => {
    id = (await world.veo(['create', 'a clip'])).stdout.trim();
  });

  const fileRequests = () => world.sim.requests.filter((r) => r.origin === 'file');
  const expected = () => world.sim.video().sha256();
  const nothingLeft = (path: string) => !existsSync(path) && !existsSync(`${path}.part`);

  it('a body dripping slower than the minimum rate is stalled, and the download gives up: exit 7', async () => {
    world.sim.inject('file', { kind: 'drip', bytes: 100, everyMs: 50 }, Infinity);
    const path = join(world.workDir, 'drip.mp4');
    const run = await world.veo(['download', id, '-o', path], { env: { VEO_REQUEST_TIMEOUT: '0.5' } });
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /slower than the minimum/);
    assert.match(run.stderr, /gave up after 5 attempts/);
    assert.equal(fileRequests().length, 5);
    assert.ok(!existsSync(path));
  });

  it('wait --timeout aborts a result answer that drips: exit 5', async () => {
    world.sim.inject('result', { kind: 'drip', bytes: 1, everyMs: 200 }, Infinity);
    const run = await world.veo(['wait', id, '--timeout', '1', '--interval', '0.05']);
    // The answer takes a minute to drip in: without the deadline reaching into the request, this ends in exit 0.
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, new RegExp(`veo wait ${id}`));
  });

  it('an endless body is cut at the cap for a clip and reported: exit 7, nothing kept', async () => {
    world.sim.inject('file', { kind: 'endless' });
    const path = join(world.workDir, 'endless.mp4');
    const run = await world.veo(['download', id, '-o', path], { env: { VEO_MAX_VIDEO_BYTES: String(8 * MiB) } });
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /more than 8388608 bytes, far more than a video clip/);
    assert.ok(nothingLeft(path));
    assert.equal(fileRequests().length, 1);
  });

  it('a Content-Length over VEO_MAX_VIDEO_BYTES is refused before the body is read: exit 7, nothing kept', async () => {
    const path = join(world.workDir, 'small.mp4');
    const before = fileRequests().length;
    const run = await world.veo(['download', id, '-o', path], { env: { VEO_MAX_VIDEO_BYTES: '10' } });
    assert.equal(run.code, 7, run.stderr);
    assert.match(
      run.stderr,
      /announced a video of 2097152 bytes, more than the limit of 10 bytes; nothing was downloaded/,
    );
    assert.match(run.stderr, /VEO_MAX_VIDEO_BYTES/);
    assert.equal(fileRequests().length - before, 1, 'refused at once, not retried');
    assert.ok(nothingLeft(path));
    const piped = await world.veo(['download', id, '-o', '-'], { env: { VEO_MAX_VIDEO_BYTES: '10' } });
    assert.equal(piped.code, 7, piped.stderr);
    assert.equal(piped.stdoutBytes.length, 0);
    assert.match(piped.stderr, /more than the limit of 10 bytes/);
  });

  it('a body without Content-Length is cut at VEO_MAX_VIDEO_BYTES: exit 7, nothing kept', async () => {
    world.sim.inject('file', { kind: 'no-length' });
    const path = join(world.workDir, 'capped.mp4');
    const run = await world.veo(['download', id, '-o', path], { env: { VEO_MAX_VIDEO_BYTES: String(MiB) } });
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /more than 1048576 bytes, far more than a video clip/);
    assert.ok(nothingLeft(path));
  });

  it('a resumed body longer than the range it announced is cut: exit 7', async () => {
    const path = join(world.workDir, 'overlong.mp4');
    world.sim.inject('file', { kind: 'drop', afterBytes: 500_000 });
    world.sim.inject('file', { kind: 'endless' });
    const run = await world.veo(['download', id, '-o', path]);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /more than the \d+ bytes it announced/);
    assert.equal(fileRequests()[1]?.fault, 'endless');
    assert.ok(nothingLeft(path));
  });

  it('a 206 for a range nobody asked for does not loop: exit 7 after a few requests', async () => {
    world.sim.inject('file', { kind: 'wrong-range' }, Infinity);
    const path = join(world.workDir, 'wrong-range.mp4');
    const run = await world.veo(['download', id, '-o', path]);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /range that was not asked for/);
    assert.equal(fileRequests().length, 5);
    assert.ok(!existsSync(path));
  });

  it('a host that sends half, resets and ignores Range is given up on: attempts without progress are failures', async () => {
    world.sim.inject('file', { kind: 'drop-from-start', afterBytes: MiB }, Infinity);
    const path = join(world.workDir, 'half-again.mp4');
    const run = await world.veo(['download', id, '-o', path]);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /start over 3 times|gave up after \d attempts/);
    assert.ok(fileRequests().length <= 6, `${fileRequests().length} requests`);
    assert.ok(!existsSync(path));
  });

  it('a body without Content-Length that ends half way is never saved; the same command resumes it', async () => {
    world.sim.inject('file', { kind: 'no-length', afterBytes: MiB });
    const path = join(world.workDir, 'no-length.mp4');
    const cut = await world.veo(['download', id, '-o', path], { env: { VEO_RETRY_ATTEMPTS: '1' } });
    assert.equal(cut.code, 7, cut.stderr);
    assert.match(cut.stderr, /before the end of the video: the file ends inside "mdat"/);
    assert.ok(!existsSync(path));
    assert.equal((await stat(`${path}.part`)).size, MiB);
    world.sim.requests.length = 0;
    world.sim.inject('file', { kind: 'no-length' });
    const resumed = await world.veo(['download', id, '-o', path]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(
      fileRequests().map((r) => r.headers.range),
      [`bytes=${MiB}-`],
    );
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('-o - checks the structure too: a body without Content-Length cut half way is exit 7', async () => {
    world.sim.inject('file', { kind: 'no-length', afterBytes: MiB });
    const run = await world.veo(['download', id, '-o', '-']);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /not a complete MP4 video: the file ends inside "mdat"/);
    world.sim.inject('file', { kind: 'no-length' });
    const whole = await world.veo(['download', id, '-o', '-']);
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(sha256(whole.stdoutBytes), await expected());
  });
});
