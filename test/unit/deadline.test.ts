import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { deadlineAt, MAX_TIMER_MS } from '../../src/api/deadline.js';

/** The deadline's own timer never holds the process open, so the test holds it while it waits. */
async function held<T>(wait: Promise<T>): Promise<T> {
  const keep = setTimeout(() => undefined, 60_000);
  try {
    return await wait;
  } finally {
    clearTimeout(keep);
  }
}

describe('deadlines', () => {
  it('aborts at the time given', async () => {
    const deadline = deadlineAt(Date.now() + 30);
    assert.equal(deadline.signal.aborted, false);
    await held(once(deadline.signal, 'abort'));
    assert.equal(deadline.signal.aborted, true);
  });

  it('aborts at once for a time already past', () => {
    assert.equal(deadlineAt(Date.now() - 1).signal.aborted, true);
  });

  it('does not fire early for a time past what one Node timer can hold (a --timeout of weeks)', async () => {
    const far = deadlineAt(Date.now() + MAX_TIMER_MS * 2);
    const near = deadlineAt(Date.now() + 50);
    await held(once(near.signal, 'abort'));
    assert.equal(far.signal.aborted, false);
    far.dispose();
  });
});
