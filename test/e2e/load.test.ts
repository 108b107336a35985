import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startWorld, type World } from '../helpers/cli.js';

const linux = process.platform === 'linux';

/** The peak resident set of a process so far, in MiB; 0 once it has ended. */
function peakRssMiB(pid: number): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : 0;
  } catch {
    return 0;
  }
}

describe('load', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ taskMs: 1 });
  });
  after(() => world.close());

  it('50 concurrent veo result processes all succeed with valid JSON', { timeout: 120_000 }, async () => {
    const id = (await world.veo(['create', 'asked about by many'])).stdout.trim();
    world.sim.requests.length = 0;
    const runs = await Promise.all(Array.from({ length: 50 }, () => world.veo(['result', id, '--json'])));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      const task = JSON.parse(run.stdout);
      assert.equal(task.id, id);
      assert.equal(task.status, 'done');
    }
    assert.equal(world.sim.requests.filter((r) => r.route === 'result').length, 50);
  });

  it(
    'an hour-long wait, in short intervals, keeps memory flat and the request rate bounded',
    {
      skip: !linux,
      timeout: 60_000,
    },
    async () => {
      // 8 s at a 20 ms interval: as many polls as a 100-minute wait at the default 5 s.
      world.sim.configure({ taskMs: 8000 });
      const id = (await world.veo(['create', 'a long one'])).stdout.trim();
      world.sim.configure({ taskMs: 1 });
      world.sim.requests.length = 0;
      let peak = 0;
      let lines = 0;
      const started = Date.now();
      // The rate is bounded by the floor between checks (1 s in use, scaled down here like the interval): the
      // schedule may check sooner than --interval, which is the longest gap, never sooner than the floor.
      const run = await world.veo(['wait', id, '--interval', '0.02', '--timeout', '1m'], {
        env: { VEO_MIN_INTERVAL_MS: '20' },
        // A line per status change, the last (done) just before the process ends: the high-water mark read then
        // covers the whole wait.
        onStderr: (text, child) => {
          const now = text.split('\n').length;
          if (now === lines || !child.pid) return;
          lines = now;
          peak = Math.max(peak, peakRssMiB(child.pid));
        },
      });
      const elapsedMs = Date.now() - started;
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${world.sim.fileUrl(id)}\n`);
      const polls = world.sim.requests.filter((r) => r.route === 'result').length;
      assert.ok(polls > 50, `${polls} polls`);
      assert.ok(polls <= elapsedMs / 20 + 5, `${polls} polls in ${elapsedMs} ms`);
      assert.ok(peak > 0 && peak < 120, `peak RSS ${peak.toFixed(1)} MiB`);
    },
  );
});
