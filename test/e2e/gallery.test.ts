import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { jsonErrorOf, useWorld } from '../helpers/cli.js';
import { FAILING, HOSTILE_PROMPT, makeGalleryClips, type GalleryClips } from '../helpers/gallery-clips.js';

/** Each clip's card in the page, by task id. */
function cards(html: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of html.matchAll(/<article class="([^"]*)" id="task-([0-9a-f]{24})">([\s\S]*?)<\/article>/g)) {
    found.set(match[2] as string, `${match[1]}\n${match[3]}`);
  }
  return found;
}

function card(html: string, id: string): string {
  const found = cards(html).get(id);
  assert.ok(found, `a card for ${id}`);
  return found;
}

function sections(html: string): string[] {
  return [...html.matchAll(/<section class="group">([\s\S]*?)<\/section>/g)].map((m) => m[1] as string);
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function ffmpegWorks(): boolean {
  return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

/** Resolves once `path` exists: on the folder's change events, bounded. */
function untilFile(path: string, dir: string, ms = 10_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const watcher = watch(dir, () => {
      if (!existsSync(path)) return;
      clearTimeout(timer);
      watcher.close();
      resolvePromise();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`${path} did not appear within ${ms} ms`));
    }, ms);
    if (existsSync(path)) {
      clearTimeout(timer);
      watcher.close();
      resolvePromise();
    }
  });
}

describe('veo gallery', () => {
  const world = useWorld({ taskMs: 50, failPattern: '^FAILME' });
  let clips: GalleryClips;
  let emptyPath: string;

  before(async () => {
    clips = await makeGalleryClips(world);
    emptyPath = await mkdtemp(join(tmpdir(), 'veo-no-tools-'));
  });

  it('writes one self-contained page: players for saved clips, the others shown for what they are', async () => {
    const run = await world.veo(['gallery', '-o', 'page.html']);
    assert.equal(run.code, 0, run.stderr);
    const page = join(world.workDir, 'page.html');
    assert.equal(run.stdout, `${page}\n`);
    assert.match(run.stderr, /gallery: 7 clips of 6 prompts \(4 saved, 1 unsaved, 1 expired, 1 failed\)/);
    const html = await readFile(page, 'utf8');
    // Nothing to load from anywhere, nothing to run.
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; media-src/);
    assert.doesNotMatch(html, /<script|<link|<iframe|@import|https?:\/\/|\son[a-z]+=/i);
    const sample = sha256(await readFile(world.sim.video().path ?? ''));
    const videos = [
      ...html.matchAll(/<video controls preload="metadata"(?: poster="[^"]*")? src="([^"]+)"><\/video>/g),
    ];
    assert.equal(videos.length, 4);
    for (const [, src] of videos) {
      assert.ok(!src?.startsWith('/') && !src?.startsWith('file:'), `${src} is relative to the page`);
      assert.equal(sha256(await readFile(resolve(world.workDir, decodeURIComponent(src ?? '')))), sample);
    }
    for (const id of [...clips.takes, ...clips.batchIds]) assert.match(card(html, id), /state-saved[\s\S]*<video/);
    for (const id of [...clips.takes, ...clips.batchIds, clips.unsaved, clips.failed, clips.expired])
      assert.ok(
        card(html, id).includes(
          `<code class="cmd" title="rerun: the same prompt and settings, a new paid task">veo rerun ${id}</code>`,
        ),
      );
    const unsaved = card(html, clips.unsaved);
    assert.match(unsaved, /^clip state-unsaved/);
    assert.match(unsaved, /Not saved yet; its link expires in 4[78]h/);
    assert.doesNotMatch(unsaved, /<video/);
    assert.match(card(html, clips.failed), /^clip state-failed[\s\S]*Failed: /);
    assert.doesNotMatch(card(html, clips.failed), /<video/);
    assert.match(card(html, clips.expired), /^clip state-expired[\s\S]*the link died before the video was saved/);
    assert.doesNotMatch(card(html, clips.expired), /<video/);
    assert.ok(html.includes(FAILING));
  });

  it('shows a prompt with quotes, markup, Cyrillic and a bidi override as text, its takes side by side', async () => {
    const run = await world.veo(['gallery', '-o', 'page.html']);
    assert.equal(run.code, 0, run.stderr);
    const html = await readFile(join(world.workDir, 'page.html'), 'utf8');
    const shown =
      'a &quot;quoted&quot; &lt;script&gt;alert(1)&lt;/script&gt; лиса в снегу ' +
      '<span class="hidden-char" title="a hidden character">[U+202E]</span>evil&#39;s';
    const group = sections(html).filter((section) => section.includes(shown));
    assert.equal(group.length, 1, 'one group for the prompt');
    assert.ok(group[0]?.startsWith(`\n<h2 class="prompt">${shown}</h2>`));
    assert.equal(group[0]?.match(/<video/g)?.length, 2, 'both takes in it');
    assert.ok(!html.includes('\u202e'), 'no bidi override reaches the page');
    assert.ok(!html.includes(HOSTILE_PROMPT));
  });

  it('--json says what was written', async () => {
    const run = await world.veo(['gallery', '--json', '-o', 'page.html']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      path: join(world.workDir, 'page.html'),
      clips: 7,
      groups: 6,
      saved: 4,
      missing: 0,
      unsaved: 1,
      expired: 1,
      running: 0,
      failed: 1,
      posters: ffmpegWorks() ? 4 : 0,
    });
  });

  it('--batch, --dir and --since choose the clips', async () => {
    const byBatch = await world.veo(['gallery', '--json', '--batch', clips.batchFile, '-o', 'b.html']);
    assert.equal(byBatch.code, 0, byBatch.stderr);
    assert.equal(JSON.parse(byBatch.stdout).clips, 2);
    assert.deepEqual(
      [...cards(await readFile(join(world.workDir, 'b.html'), 'utf8')).keys()].sort(),
      clips.batchIds.toSorted(),
    );
    const byDir = await world.veo(['gallery', '--dir', 'out/batch']);
    assert.equal(byDir.code, 0, byDir.stderr);
    assert.equal(byDir.stdout.trim(), join(world.workDir, 'out', 'batch', 'gallery.html'), 'the page goes into --dir');
    const html = await readFile(byDir.stdout.trim(), 'utf8');
    assert.deepEqual([...cards(html).keys()].sort(), clips.batchIds.toSorted());
    assert.ok(html.includes(' src="6'), 'clips beside the page are linked by their name');
    const recent = await world.veo(['gallery', '--json', '--since', '1d', '-o', 'page.html']);
    assert.equal(JSON.parse(recent.stdout).clips, 6, 'not the clip of three days ago');
    const future = await world.veo(['gallery', '--since', '2999-01-01', '-o', 'page.html']);
    assert.equal(future.code, 0, future.stderr);
    assert.match(await readFile(join(world.workDir, 'page.html'), 'utf8'), /No clips match\./);
    const bad = await world.veo(['gallery', '--since', 'yesterday-ish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since "yesterday-ish" is not a time/);
  });

  it('replaces only a page it wrote; a file or a link of the user is kept without --force', async () => {
    const mine = join(world.workDir, 'notes.html');
    await writeFile(mine, '<p>my notes</p>');
    const refused = await world.veo(['gallery', '-o', 'notes.html', '--json']);
    assert.equal(refused.code, 2);
    assert.equal(jsonErrorOf(refused.stderr).code, 'FILE_EXISTS');
    assert.equal(await readFile(mine, 'utf8'), '<p>my notes</p>');
    const target = join(world.workDir, 'elsewhere.txt');
    await writeFile(target, 'keep me');
    await symlink(target, join(world.workDir, 'linked.html'));
    assert.equal((await world.veo(['gallery', '-o', 'linked.html'])).code, 2);
    const forced = await world.veo(['gallery', '-o', 'linked.html', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await readFile(target, 'utf8'), 'keep me', 'the link is replaced, never written through');
    assert.equal((await world.veo(['gallery', '-o', 'notes.html', '--force'])).code, 0);
    assert.equal((await world.veo(['gallery', '-o', 'notes.html'])).code, 0, 'now a gallery: rewritten freely');
  });

  it('adds poster frames when ffmpeg is on the PATH and none, silently, when it is not', async (t) => {
    const without = await world.veo(['gallery', '-o', 'page.html'], { env: { PATH: emptyPath } });
    assert.equal(without.code, 0, without.stderr);
    assert.doesNotMatch(without.stderr, /ffmpeg|poster/i);
    assert.doesNotMatch(await readFile(join(world.workDir, 'page.html'), 'utf8'), /poster=/);
    if (!ffmpegWorks()) return t.skip('ffmpeg is not installed (Debian package ffmpeg)');
    const run = await world.veo(['gallery', '-o', 'page.html']);
    assert.equal(run.code, 0, run.stderr);
    const posters = [
      ...(await readFile(join(world.workDir, 'page.html'), 'utf8')).matchAll(
        / poster="data:image\/jpeg;base64,([^"]+)"/g,
      ),
    ];
    assert.equal(posters.length, 4);
    for (const [, data] of posters)
      assert.deepEqual([...Buffer.from(data ?? '', 'base64').subarray(0, 3)], [0xff, 0xd8, 0xff]);
  });

  it('--open hands the page to the opener, and goes on without one', async (t) => {
    if (process.platform !== 'linux') return t.skip('the fake opener stands in for xdg-open');
    const bin = await mkdtemp(join(tmpdir(), 'veo-opener-'));
    const record = join(bin, 'opened');
    await writeFile(
      join(bin, 'xdg-open'),
      `#!/bin/sh\nprintf '%s' "$1" > "${record}.tmp" && mv "${record}.tmp" "${record}"\n`,
    );
    await chmod(join(bin, 'xdg-open'), 0o755);
    const appeared = untilFile(record, bin);
    const run = await world.veo(['gallery', '-o', 'page.html', '--open', '--json'], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).opened, true);
    await appeared;
    assert.equal(await readFile(record, 'utf8'), join(world.workDir, 'page.html'));
    const none = await world.veo(['gallery', '-o', 'page.html', '--open'], { env: { PATH: emptyPath } });
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, `${join(world.workDir, 'page.html')}\n`);
    assert.match(none.stderr, /Could not open the page \(xdg-open was not found\); open .*page\.html in a browser/);
    await rm(bin, { recursive: true, force: true });
  });

  it('reads a sidecar beside a clip for its price and choices, and says when a saved file is gone', async () => {
    const [takeA, takeB] = clips.takes as [string, string];
    const template = 'a {red|blue} fox';
    await writeFile(
      join(world.workDir, 'out', 'a.info.json'),
      JSON.stringify({ id: takeA, price: 55.5, template, choices: ['red'], extra: {} }),
    );
    await writeFile(
      join(world.workDir, 'out', 'b.mp4.info.json'),
      JSON.stringify({ id: takeB, template, choices: ['blue'] }),
    );
    await mkdir(join(world.workDir, 'aside'), { recursive: true });
    await rename(
      join(world.workDir, 'out', 'batch', `${clips.batchIds[0]}.mp4`),
      join(world.workDir, 'aside', 'x.mp4'),
    );
    try {
      const run = await world.veo(['gallery', '-o', 'page.html']);
      assert.equal(run.code, 0, run.stderr);
      const html = await readFile(join(world.workDir, 'page.html'), 'utf8');
      assert.match(card(html, takeA), /<dt>price<\/dt><dd>55\.50 RUB<\/dd>/);
      assert.match(card(html, takeA), /<span class="choice differs">red<\/span>/);
      assert.match(card(html, takeB), /<span class="choice differs">blue<\/span>/);
      assert.ok(sections(html).some((s) => s.startsWith('\n<h2 class="prompt">a {red|blue} fox</h2>')));
      const gone = card(html, clips.batchIds[0] as string);
      assert.match(gone, /^clip state-missing[\s\S]*The saved file is no longer at /);
      assert.doesNotMatch(gone, /<video/);
    } finally {
      await rename(
        join(world.workDir, 'aside', 'x.mp4'),
        join(world.workDir, 'out', 'batch', `${clips.batchIds[0]}.mp4`),
      );
      await rm(join(world.workDir, 'out', 'a.info.json'));
      await rm(join(world.workDir, 'out', 'b.mp4.info.json'));
    }
  });
});
