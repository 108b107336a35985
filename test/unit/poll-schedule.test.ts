import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  creationTimeOf,
  expectedDuration,
  MAX_DURATION_MS,
  nextPollDelay,
  observedDuration,
} from '../../src/task/poll-schedule.js';

const created = 1_800_000_000_000;
const bounds = { minMs: 1000, maxMs: 5000 };

/** The times of the checks the schedule makes from `from` until `until`, each one after the delay it asked for. */
function checks(expectedMs: number | undefined, from: number, until: number, limits = bounds): number[] {
  const times: number[] = [];
  for (let now = from; now < until;) {
    now += nextPollDelay({ createdAtMs: created, nowMs: now, expectedMs, ...limits });
    times.push(now - created);
  }
  return times;
}

describe('the schedule of status checks', () => {
  it('lands a check on the expected time, spacing the ones before it evenly within --interval', () => {
    assert.deepEqual(checks(12_000, created, created + 12_000), [4000, 8000, 12_000]);
    assert.deepEqual(checks(3500, created, created + 3500), [3500]);
  });

  it('past the expected time checks once a second, then backs off towards --interval as the task runs late', () => {
    const late = checks(3000, created + 3000, created + 40_000);
    assert.deepEqual(late.slice(0, 4), [4000, 5000, 6000, 7000]);
    const gaps = late.slice(1).map((t, i) => t - late[i]!);
    assert.ok(
      gaps.every((gap, i) => i === 0 || gap >= gaps[i - 1]!),
      `gaps grow: ${gaps.join(',')}`,
    );
    assert.equal(Math.max(...gaps), 5000);
  });

  it('without history the gap is a fraction of the task age, within the bounds', () => {
    assert.equal(nextPollDelay({ createdAtMs: created, nowMs: created, expectedMs: undefined, ...bounds }), 1000);
    assert.equal(
      nextPollDelay({ createdAtMs: created, nowMs: created + 16_000, expectedMs: undefined, ...bounds }),
      2000,
    );
    assert.equal(
      nextPollDelay({ createdAtMs: created, nowMs: created + 600_000, expectedMs: undefined, ...bounds }),
      5000,
    );
  });

  it('never asks sooner than the minimum nor later than --interval, whatever the inputs', () => {
    for (const expectedMs of [undefined, 0, 1, 999, 3500, 60_000, 10 * 60_000]) {
      for (const age of [-5000, 0, 1, 500, 3400, 3600, 30_000, 3_600_000]) {
        for (const limits of [bounds, { minMs: 1000, maxMs: 1000 }, { minMs: 1000, maxMs: 60_000 }]) {
          const delay = nextPollDelay({ createdAtMs: created, nowMs: created + age, expectedMs, ...limits });
          assert.ok(delay >= limits.minMs && delay <= limits.maxMs, `${delay} for ${expectedMs}, ${age}`);
        }
      }
    }
    // An --interval below the minimum (only where the test suite lowers the minimum) still wins over nothing.
    assert.equal(nextPollDelay({ createdAtMs: created, nowMs: created, expectedMs: 9000, minMs: 10, maxMs: 50 }), 50);
  });

  it('reads the creation second from the id and stands in its middle', () => {
    assert.equal(creationTimeOf('6b0c839f75761206b5a23a9a'), 0x6b0c839f * 1000 + 500);
  });
});

describe('what earlier tasks teach', () => {
  it('aims at a high quantile of the latest durations, leaving out absurd ones', () => {
    assert.equal(expectedDuration([]), undefined);
    assert.equal(expectedDuration([4000]), 4000);
    assert.equal(expectedDuration([1000, 2000, 3000, 4000, 5000]), 4000);
    assert.equal(expectedDuration([3000, 3000, 3000, MAX_DURATION_MS + 1, -1, Number.NaN]), 3000);
    // Only the latest count: an old slow spell is forgotten.
    assert.equal(expectedDuration([...Array(20).fill(90_000), ...Array(15).fill(30_000)]), 30_000);
  });

  it('takes the middle between a check that found the task running and a close one that found it done', () => {
    assert.equal(observedDuration(created, created + 4000, created + 3000, 1000), 3500);
    // Far apart, or no check before: the check that found it done stands for the time.
    assert.equal(observedDuration(created, created + 4000, created + 1000, 1000), 4000);
    assert.equal(observedDuration(created, created + 4000, undefined, 1000), 4000);
  });
});
