// The gallery page in a real browser: Debian's chromium, headless, driven over the DevTools protocol.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { findChromium, launchChromium, type Browser, type Page } from '../helpers/chromium.js';
import { startWorld, type World } from '../helpers/cli.js';
import { HOSTILE_PROMPT, makeGalleryClips } from '../helpers/gallery-clips.js';

const chromium = findChromium();

interface VideoState {
  src: string;
  readyState: number;
  error: number | null;
  width: number;
  duration: number;
}

interface PageFacts {
  h264: string;
  videos: VideoState[];
  headings: string[];
  scripts: number;
}

// Waits in the page for every video to load its metadata or fail, then reports. The page itself runs no script;
// this runs in the DevTools' own context, which the page's policy does not govern.
const INSPECT = `(async () => {
  const videos = [...document.querySelectorAll('video')];
  await Promise.all(videos.map((v) => v.readyState >= 1 || v.error ? null : new Promise((done) => {
    v.addEventListener('loadedmetadata', done, { once: true });
    v.addEventListener('error', done, { once: true });
  })));
  return {
    h264: document.createElement('video').canPlayType('video/mp4; codecs="avc1.42E01E, mp4a.40.2"'),
    videos: videos.map((v) => ({ src: v.currentSrc, readyState: v.readyState, error: v.error && v.error.code,
      width: v.videoWidth, duration: v.duration })),
    headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
    scripts: document.querySelectorAll('script').length,
  };
})()`;

function problemsIn(page: Page): string[] {
  return page.events.flatMap(({ method, params }) => {
    if (method === 'Runtime.exceptionThrown') return [`exception: ${JSON.stringify(params)}`];
    if (method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'warning'))
      return [`console: ${JSON.stringify(params.args)}`];
    const entry = params.entry as { level?: string; text?: string; url?: string } | undefined;
    if (method === 'Log.entryAdded' && (entry?.level === 'error' || entry?.level === 'warning'))
      return [`log: ${entry.text ?? ''} ${entry.url ?? ''}`];
    return [];
  });
}

describe(
  'the gallery page in a headless browser',
  { skip: chromium ? false : 'chromium is not installed (Debian package chromium)' },
  () => {
    let world: World;
    let browser: Browser;

    before(async () => {
      world = await startWorld({ taskMs: 50, failPattern: '^FAILME' });
      await makeGalleryClips(world);
      browser = await launchChromium(chromium as string);
    });
    after(async () => {
      await browser?.close();
      await world?.close();
    });

    it('loads without errors, plays every clip, shows the hostile prompt as text, and gives a screenshot', async () => {
      const run = await world.veo(['gallery', '-o', 'gallery.html']);
      assert.equal(run.code, 0, run.stderr);
      const page = await browser.open();
      await page.send('Runtime.enable');
      await page.send('Log.enable');
      await page.send('Network.enable');
      await page.send('Page.enable');
      await page.send('Emulation.setDeviceMetricsOverride', {
        width: 1000,
        height: 760,
        deviceScaleFactor: 1,
        mobile: false,
      });
      const loaded = page.next('Page.loadEventFired');
      await page.send('Page.navigate', { url: pathToFileURL(run.stdout.trim()).href });
      await loaded;
      const answer = await page.send('Runtime.evaluate', {
        expression: INSPECT,
        awaitPromise: true,
        returnByValue: true,
      });
      const facts = (answer.result as { value: PageFacts }).value;
      assert.equal(facts.videos.length, 4);
      assert.deepEqual(problemsIn(page), []);
      if (facts.h264 === '') {
        // A build without the H.264 decoder still reaches each file: the error is "format not supported" (4), never
        // "network" (2) nor a source refused by the page's policy (which would also be logged as a problem).
        for (const video of facts.videos) assert.equal(video.error, 4, JSON.stringify(video));
      } else {
        for (const video of facts.videos) {
          assert.equal(video.error, null, JSON.stringify(video));
          assert.ok(video.readyState >= 1, `HAVE_METADATA or more: ${JSON.stringify(video)}`);
          assert.equal(video.width, 320);
          assert.ok(Math.abs(video.duration - 3) < 0.2, `the sample lasts 3 s: ${video.duration}`);
        }
      }
      const requests = page.events.filter((event) => event.method === 'Network.requestWillBeSent');
      for (const { params } of requests) {
        const url = (params.request as { url: string }).url;
        assert.match(url, /^(file|data):/, `only local files are loaded: ${url}`);
      }
      assert.equal(facts.scripts, 0);
      assert.ok(facts.headings.includes(HOSTILE_PROMPT.replace('\u202e', '[U+202E]')), JSON.stringify(facts.headings));
      const shot = await page.send('Page.captureScreenshot', { format: 'png' });
      const png = Buffer.from(shot.data as string, 'base64');
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.length > 10_000, `a screenshot of a page with pictures: ${png.length} bytes`);
      await writeFile(join(world.workDir, 'gallery.png'), png);
    });
  },
);
