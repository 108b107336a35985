import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notificationText, RunTally } from '../../src/task/notify.js';

function tally(events: { saved?: string[]; failed?: number }): RunTally {
  const counted = new RunTally();
  for (const path of events.saved ?? []) {
    counted.hear({ type: 'saved', path, url: 'u', bytes: 1, sha256: 's', alreadySaved: false });
  }
  for (let i = 0; i < (events.failed ?? 0); i++) {
    counted.hear({ type: 'failed', code: 'GENERATION_FAILED', message: 'm', exitCode: 6 });
  }
  return counted;
}

describe('notificationText', () => {
  it('names the one clip saved, or counts them', () => {
    assert.deepEqual(notificationText('wait', 0, tally({ saved: ['/x/clip.mp4'] })), {
      title: 'veo wait',
      body: 'saved clip.mp4',
    });
    assert.equal(notificationText('batch', 0, tally({ saved: ['a', 'b', 'c'] })).body, '3 saved');
    assert.equal(notificationText('wait', 0, tally({})).body, 'done');
  });

  it('says how a run failed or was stopped, with its exit code', () => {
    assert.equal(
      notificationText('batch', 6, tally({ saved: ['a', 'b', 'c'], failed: 1 })).body,
      '3 saved, 1 failed (exit 6)',
    );
    assert.equal(notificationText('batch', 6, tally({ saved: ['a', 'b'] })).body, '2 saved, failed (exit 6)');
    assert.equal(notificationText('wait', 5, tally({})).body, 'failed (exit 5)');
    assert.equal(notificationText('batch', 130, tally({ saved: ['a'] })).body, 'saved a, stopped (exit 130)');
    assert.equal(
      notificationText('create', 10, tally({ saved: ['k.mp4'] })).body,
      'saved k.mp4, a hook failed (exit 10)',
    );
  });

  it('escapes control characters from outside and keeps the text short', () => {
    const body = notificationText('wait', 0, tally({ saved: ['/x/a\u001b]0;pwned\u0007.mp4'] })).body;
    assert.equal(body, 'saved a\\x1b]0;pwned\\x07.mp4');
    const long = notificationText('wait', 0, tally({ saved: [`${'x'.repeat(500)}.mp4`] })).body;
    assert.equal(long.length, 200);
    assert.ok(long.endsWith('…'));
  });
});
