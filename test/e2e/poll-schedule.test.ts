import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useWorld } from '../helpers/cli.js';

// The schedule of status checks, seen from the simulator: with the real one-a-second floor, a task of a length
// veo has seen before is asked about around when it should be done, not every second until then.
describe('status checks follow how long earlier tasks took', () => {
  const world = useWorld({ taskMs: 2500 });
  const realFloor = { VEO_MIN_INTERVAL_MS: '1000' };
  const checksOf = (id: string) =>
    world.sim.requests.filter((r) => r.route === 'result' && JSON.parse(r.body || '{}').task_id === id);

  const createAndSave = async (name: string, extra: string[] = []) => {
    const run = await world.veo(['create', name, '-o', join(world.workDir, `${name}.mp4`), '--json', ...extra], {
      env: realFloor,
    });
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as { id: string; download: { path: string } };
  };

  it('a first task is checked about once a second; the next one of the same length once or twice', async () => {
    const first = await createAndSave('first');
    const firstChecks = checksOf(first.id).length;
    // No history: checks come at the floor's pace, so a 2.5 s task is asked about at least twice.
    assert.ok(firstChecks >= 2, `${firstChecks} checks`);

    const second = await createAndSave('second');
    const secondChecks = checksOf(second.id).length;
    assert.ok(secondChecks >= 1 && secondChecks <= 2, `${secondChecks} checks`);
    assert.ok(secondChecks < firstChecks, `${secondChecks} checks after ${firstChecks}`);
    // What it learned is in the journal, for the next veo to start from.
    const journal = await readFile(join(world.configDir, 'journal.jsonl'), 'utf8');
    const took = journal
      .split('\n')
      .filter((line) => line.includes(second.id) && line.includes('"tookMs"'))
      .map((line) => (JSON.parse(line) as { tookMs: number }).tookMs);
    assert.equal(took.length, 1, journal);
    assert.ok(took[0]! > 0);
  });

  it('never asks about one task twice within a second', async () => {
    await createAndSave('third', ['--interval', '1']);
    const byTask = new Map<string, number[]>();
    for (const request of world.sim.requests.filter((r) => r.route === 'result')) {
      const id = JSON.parse(request.body || '{}').task_id as string;
      byTask.set(id, [...(byTask.get(id) ?? []), request.at]);
    }
    for (const [id, times] of byTask) {
      for (let i = 1; i < times.length; i++) {
        assert.ok(times[i]! - times[i - 1]! >= 1000, `${id}: checks ${times[i]! - times[i - 1]!} ms apart`);
      }
    }
  });
});
