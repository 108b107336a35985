import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { groupClips } from '../../src/commands/gallery/groups.js';
import { htmlAttribute, htmlText } from '../../src/commands/gallery/html-text.js';
import { mediaUrl } from '../../src/commands/gallery/media-url.js';
import { contentSecurityPolicy } from '../../src/commands/gallery/page.js';
import { infoFromJson, sidecarPaths } from '../../src/task/clip-sidecar.js';
import { sinceStart } from '../../src/commands/shared/since.js';

describe('gallery page parts', () => {
  it('escapes markup and names hidden characters, in text and in attributes', () => {
    assert.equal(htmlText(`<b a="1">'&'</b>`), '&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;');
    assert.equal(
      htmlText('a\u202eb\u0007c\nd\te\u2066'),
      'a<span class="hidden-char" title="a hidden character">[U+202E]</span>b' +
        '<span class="hidden-char" title="a hidden character">[U+0007]</span>c\nd\te' +
        '<span class="hidden-char" title="a hidden character">[U+2066]</span>',
    );
    assert.equal(htmlAttribute('x"\u200fy'), 'x&quot;[U+200F]y');
    assert.equal(htmlText('лиса'), 'лиса');
  });

  it('links a clip relative to the page, its name escaped', () => {
    assert.equal(mediaUrl('/v', '/v/out/a b#1?.mp4'), 'out/a%20b%231%3F.mp4');
    assert.equal(mediaUrl('/v/page', '/v/clip.mp4'), '../clip.mp4');
    assert.equal(mediaUrl('/v', join('/v', 'c:x.mp4')), 'c%3Ax.mp4');
  });

  it('allows the style sheet by its hash and nothing remote', () => {
    const policy = contentSecurityPolicy('body{}');
    assert.match(
      policy,
      /^default-src 'none'; media-src 'self' file:; img-src data:; style-src 'sha256-[A-Za-z0-9+/]+=*'/,
    );
    assert.doesNotMatch(policy, /https?:|\*|unsafe/);
  });

  it('reads a sidecar tolerantly', () => {
    assert.deepEqual(
      infoFromJson({
        taskId: 'abc',
        price: { amount: 49, currency: 'RUB' },
        params: { ar: '9:16' },
        bytes: -1,
        choices: [1],
      }),
      { id: 'abc', price: 49, ar: '9:16' },
    );
    assert.equal(infoFromJson([1]), undefined);
    assert.deepEqual(sidecarPaths('/v/clip.mp4'), ['/v/clip.info.json', '/v/clip.mp4.info.json']);
  });

  it('groups takes of a prompt per batch and marks the choices that differ', () => {
    const groups = groupClips([
      {
        id: '6b0c90822fdf47f89f00f7c6',
        prompt: 'a red fox',
        template: 'a {red|blue} fox',
        choices: ['red', 'day'],
        state: 'saved',
      },
      {
        id: '6b0c90832fdf47f89f00f7c6',
        prompt: 'a blue fox',
        template: 'a {red|blue} fox',
        choices: ['blue', 'day'],
        state: 'saved',
      },
      { id: '6b0c90842fdf47f89f00f7c6', prompt: 'a red fox', state: 'saved', batch: '/v' },
    ]);
    assert.equal(groups.length, 2);
    assert.equal(groups[0]?.text, 'a red fox');
    assert.deepEqual(groups[1]?.differing, [true, false]);
    assert.deepEqual(
      groups[1]?.clips.map((c) => c.prompt),
      ['a red fox', 'a blue fox'],
    );
  });

  it('takes --since as spend does: whole local days or weeks, hours or minutes back from now, a date, or all', () => {
    const now = new Date(2026, 10, 29, 12, 0, 0);
    assert.equal(sinceStart('1d', now), new Date(2026, 10, 29).getTime(), 'today, from local midnight');
    assert.equal(sinceStart('2w', now), new Date(2026, 10, 16).getTime(), '14 days, today included');
    assert.equal(sinceStart('30D', now), new Date(2026, 9, 31).getTime());
    assert.equal(sinceStart('12h', now), now.getTime() - 12 * 3_600_000);
    assert.equal(sinceStart('90m', now), now.getTime() - 90 * 60_000);
    assert.equal(sinceStart('1h30m', now), now.getTime() - 90 * 60_000);
    assert.equal(sinceStart('2026-11-01', now), new Date(2026, 10, 1).getTime());
    assert.equal(sinceStart('2026-11-01T09:30', now), new Date(2026, 10, 1, 9, 30).getTime());
    assert.equal(sinceStart('all', now), undefined);
    // The gallery's days count back from now: "the last day" at half past midnight is not half an hour.
    assert.equal(sinceStart('1d', now, 'rolling'), now.getTime() - 86_400_000);
    assert.equal(sinceStart('2w', now, 'rolling'), now.getTime() - 14 * 86_400_000);
    assert.equal(sinceStart('12h', now, 'rolling'), now.getTime() - 12 * 3_600_000);
    for (const bad of ['soon', '', '0d', '0h', '30', '1.5d', '2026-02-30', 'yesterday'])
      assert.throws(() => sinceStart(bad, now), /--since ".*" is not a time/, bad);
  });
});
