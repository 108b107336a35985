import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { closedPort, runInPty, useWorld, VEO } from '../helpers/cli.js';

/** A port nothing listens on: bound once, then released. */

const linesMatching = (text: string, pattern: RegExp) => text.split('\n').filter((line) => pattern.test(line));

describe('waiting: failures visible as they happen, polling bounded', () => {
  const world = useWorld({ taskMs: 1 });
  let id: string;
  before(async () => {
    id = (await world.veo(['create', 'the task polls ask about'])).stdout.trim();
  });
  const polls = () => world.sim.requests.filter((r) => r.route === 'result').length;

  it('the first failed poll and each change of failure are warned about once, with when it is tried again', async () => {
    world.sim.inject('result', { kind: 'http', status: 500 }, 3);
    world.sim.inject('result', { kind: 'code', code: 6 }, 3);
    const run = await world.veo(['wait', id, '--interval', '0.01'], { env: { VEO_RETRY_ATTEMPTS: '1' } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(polls(), 7, 'six failed polls, then the answer');
    const warned = linesMatching(run.stderr, new RegExp(`^warning: checking ${id} failed: `));
    assert.equal(warned.length, 2, run.stderr);
    assert.match(
      warned[0] ?? '',
      /HTTP 500[^;]*; the request failed once\. Polling goes on until the timeout at \d\d:\d\d \(in \d+ (min|h)\); next check in 10ms\.$/,
    );
    assert.match(warned[1] ?? '', /heavy load \(code 6\)[^;]*; the request failed 4 times in a row\. Polling goes on/);
  });

  it('an unreachable API: the retried request and the failed poll are each shown once; --verbose traces them all', async () => {
    const env = { GPTUNNEL_BASE_URL: `http://127.0.0.1:${await closedPort()}`, VEO_RETRY_ATTEMPTS: '2' };
    const args = ['wait', id, '--interval', '0.05', '--timeout', '1'];
    const run = await world.veo(args, { env });
    assert.equal(run.code, 7, run.stderr);
    const retried = linesMatching(run.stderr, /^warning: the request for the result of .* failed: /);
    assert.equal(retried.length, 1, run.stderr);
    // Within a wait the last try of one check is not the end, so no "attempt 2 of 2" and no "gave up".
    assert.match(retried[0] ?? '', /connection refused; trying again in \d+ms\.$/);
    const failed = linesMatching(run.stderr, new RegExp(`^warning: checking ${id} failed: .*connection refused`));
    assert.equal(failed.length, 1, run.stderr);
    assert.match(
      failed[0] ?? '',
      /connection refused; the request failed 2 times in a row\. Polling goes on until the timeout at \d\d:\d\d \(in 1 min\); next check in 50ms\.$/,
    );
    assert.doesNotMatch(run.stderr, /gave up after \d attempts; |attempt \d of \d/);

    const verbose = await world.veo([...args, '--verbose'], { env });
    assert.equal(verbose.code, 7);
    assert.ok(linesMatching(verbose.stderr, /^poll failed, will try again: /).length >= 2, verbose.stderr);
    assert.ok(linesMatching(verbose.stderr, /^retrying the result of /).length >= 2, verbose.stderr);
  });

  it('a request retried before it succeeds is shown once, without --verbose', async () => {
    world.sim.inject('result', { kind: 'html' }, 2);
    const run = await world.veo(['result', id], { env: { VEO_RETRY_ATTEMPTS: '3' } });
    assert.equal(run.code, 0, run.stderr);
    const retried = linesMatching(run.stderr, /^warning: the request for the result of .* failed: .*trying again in/);
    assert.equal(retried.length, 1, run.stderr);
  });

  it('--interval below 1 s is raised to 1 s with a warning', async () => {
    world.sim.configure({ taskMs: 60_000 });
    const slow = (await world.veo(['create', 'slow'])).stdout.trim();
    world.sim.configure({ taskMs: 1 });
    world.sim.requests.length = 0;
    const run = await world.veo(['wait', slow, '--interval', '0.001', '--timeout', '2.5'], {
      env: { VEO_MIN_INTERVAL_MS: undefined },
    });
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /^warning: --interval 0\.001 is below the minimum of 1s: checking every 1s instead/m);
    // At one poll a second, a 2.5 s wait asks at most 4 times (not the thousands --interval 0.001 would).
    assert.ok(polls() >= 1 && polls() <= 4, `${polls()} polls`);
  });

  it('on a terminal the spinner says what failed and when it is tried again', async (t) => {
    if (process.platform !== 'linux') return t.skip('script(1) as used here is the util-linux one');
    if (!(await readdir('/usr/bin')).includes('script')) return t.skip('script(1) is missing (Debian bsdutils)');
    world.sim.inject('result', { kind: 'http', status: 503 }, 3);
    const env = { ...world.env, VEO_MIN_INTERVAL_MS: '1', VEO_RETRY_ATTEMPTS: '1', HOME: world.workDir };
    const screen = await runInPty(`${process.execPath} ${VEO} wait ${id} --interval 0.4`, env);
    assert.match(screen, new RegExp(`waiting for ${id}( \\d+s)? · retrying in 0\\.4 s: 503 Service Unavailable`));
  });
});
