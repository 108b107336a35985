import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSim, type Sim } from '../../src/sim/index.js';
import { doneTask, KEY, sha256Hex, until } from './helpers.js';

const get = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(url, { method, headers, signal: AbortSignal.timeout(10_000) });

async function body(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

describe('veo-sim file host', () => {
  let sim: Sim;
  let url: string;
  let id: string;
  before(async () => {
    sim = await startSim({ taskMs: 50 });
    ({ id, url } = await doneTask(sim));
  });
  afterEach(() => sim.clearFaults());
  after(() => sim.close());

  it('serves the sample clip as video/mp4 from a second origin, without any key', async () => {
    assert.ok(url.startsWith(`${sim.fileBaseUrl}/predication/`));
    assert.notEqual(new URL(url).origin, new URL(sim.baseUrl).origin);
    const res = await get(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{32}"$/);
    const video = sim.video();
    assert.equal(video.kind, 'sample');
    assert.equal(Number(res.headers.get('content-length')), video.size);
    const bytes = await body(res);
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
    assert.deepEqual(bytes, await video.bytes());
    assert.deepEqual(bytes, await readFile(video.path ?? ''));
    assert.equal(sha256Hex(bytes), await video.sha256());
    const recorded = sim.requests.filter((r) => r.origin === 'file').at(-1);
    assert.equal(recorded?.path, `/predication/${id}_result.mp4`);
    assert.equal(recorded?.route, 'file');
  });

  it('answers HEAD with the headers only', async () => {
    const res = await get(url, {}, 'HEAD');
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers.get('content-length')), sim.video().size);
    assert.equal((await body(res)).length, 0);
  });

  it('honours Range: N-, N-M and -SUFFIX with 206, and answers 416 past the end', async () => {
    const video = sim.video();
    const whole = await video.bytes();
    const open = await get(url, { range: 'bytes=1000-' });
    assert.equal(open.status, 206);
    assert.equal(open.headers.get('content-range'), `bytes 1000-${video.size - 1}/${video.size}`);
    assert.deepEqual(await body(open), whole.subarray(1000));

    const closed = await get(url, { range: 'bytes=10-19' });
    assert.equal(closed.status, 206);
    assert.equal(closed.headers.get('content-length'), '10');
    assert.deepEqual(await body(closed), whole.subarray(10, 20));

    const suffix = await get(url, { range: 'bytes=-16' });
    assert.equal(suffix.status, 206);
    assert.deepEqual(await body(suffix), whole.subarray(whole.length - 16));

    const beyond = await get(url, { range: `bytes=${video.size}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${video.size}`);
    assert.match(await beyond.text(), /<Code>InvalidRange<\/Code>/);

    const stale = await get(url, { range: 'bytes=10-', 'if-range': '"another-etag"' });
    assert.equal(stale.status, 200, 'If-Range with another ETag gets the whole body');
    await stale.arrayBuffer();
  });

  it('answers 404 NoSuchKey for unknown files and tasks not done yet, 400 when a key is sent', async () => {
    const unknown = await get(`${sim.fileBaseUrl}/predication/0123456789abcdef01234567_result.mp4`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /xml/);
    assert.match(await unknown.text(), /<Code>NoSuchKey<\/Code>/);

    sim.configure({ taskMs: 60_000 });
    try {
      const pending = await fetch(`${sim.baseUrl}/v1/media/create`, {
        method: 'POST',
        headers: { authorization: KEY },
        body: JSON.stringify({ model: 'glabs-veo-3-1-fast', prompt: 'slow one' }),
      }).then((res) => res.json() as Promise<{ id: string }>);
      assert.equal((await get(sim.fileUrl(pending.id))).status, 404);
    } finally {
      sim.configure({ taskMs: 50 });
    }

    const withKey = await get(url, { authorization: KEY });
    assert.equal(withKey.status, 400);
    assert.match(await withKey.text(), /Unsupported Authorization Type/);
  });

  it('answers 403 with the S3 expiry XML once linkTtlMs has passed', async () => {
    sim.configure({ linkTtlMs: 0 });
    try {
      const res = await get(url);
      assert.equal(res.status, 403);
      assert.match(res.headers.get('content-type') ?? '', /application\/xml/);
      const text = await res.text();
      assert.match(text, /^<\?xml/);
      assert.match(text, /<Error><Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
      assert.ok(sim.task(id)?.linkExpiresAtMs !== null && (sim.task(id)?.linkExpiresAtMs ?? 0) <= Date.now());
    } finally {
      sim.configure({ linkTtlMs: null });
    }
    assert.equal((await get(url, { range: 'bytes=0-0' })).status, 206);
  });

  describe('faults', () => {
    it('drop: full Content-Length, then the connection closes early', async () => {
      sim.inject('file', { kind: 'drop', afterBytes: 1000 });
      const res = await get(url);
      assert.equal(res.status, 200);
      assert.equal(Number(res.headers.get('content-length')), sim.video().size);
      let received = 0;
      await assert.rejects(async () => {
        for await (const chunk of res.body ?? []) received += (chunk as Uint8Array).length;
      });
      assert.equal(received, 1000);
    });

    it('stall-body: some bytes, then silence', async () => {
      sim.inject('file', { kind: 'stall-body', afterBytes: 500 });
      const controller = new AbortController();
      const res = await fetch(url, { signal: controller.signal });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let received = 0;
      while (received < 500) received += (await reader.read()).value?.length ?? 0;
      assert.equal(received, 500);
      const next = reader.read();
      const silence = await Promise.race([next.then(() => 'data'), new Promise((r) => setTimeout(r, 200, 'silence'))]);
      assert.equal(silence, 'silence');
      controller.abort();
      await assert.rejects(next);
    });

    it('ignore-range: 200 and the whole body despite Range', async () => {
      sim.inject('file', { kind: 'ignore-range' });
      const res = await get(url, { range: 'bytes=100-' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-range'), null);
      assert.equal((await body(res)).length, sim.video().size);
    });

    it('expired: 403 XML even for a fresh link', async () => {
      sim.inject('file', { kind: 'expired' });
      const res = await get(url);
      assert.equal(res.status, 403);
      assert.match(await res.text(), /Request has expired/);
    });

    it('wrong-type: the video as text/html', async () => {
      sim.inject('file', { kind: 'wrong-type' });
      const res = await get(url);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal((await body(res)).length, sim.video().size);
    });

    it('not-mp4: the right length, no ftyp box, an HTML page', async () => {
      sim.inject('file', { kind: 'not-mp4' });
      const res = await get(url);
      assert.equal(res.status, 200);
      const bytes = await body(res);
      assert.equal(bytes.length, sim.video().size);
      assert.notEqual(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
      assert.match(bytes.subarray(0, 64).toString('utf8'), /^<!DOCTYPE html>/);
      assert.match(bytes.toString('utf8'), /<\/html>\n$/);
    });

    it('generic faults work on the file route too', async () => {
      sim.inject('file', { kind: 'http', status: 503, body: 'busy' });
      sim.inject('file', { kind: 'reset-before' });
      assert.equal((await get(url)).status, 503);
      await assert.rejects(get(url));
      assert.equal((await get(url)).status, 200);
    });
  });
});

describe('veo-sim synthetic video', () => {
  it('streams exactly videoBytes with an ftyp box, consistent with video() and with ranges', async () => {
    const size = 64 * 1024 * 1024 + 123;
    const sim = await startSim({ taskMs: 0, videoBytes: size });
    try {
      const { url } = await doneTask(sim);
      const video = sim.video();
      assert.equal(video.kind, 'synthetic');
      assert.equal(video.size, size);
      assert.equal(video.path, null);

      const res = await get(url);
      assert.equal(Number(res.headers.get('content-length')), size);
      const hash = createHash('sha256');
      let count = 0;
      let head = Buffer.alloc(0);
      for await (const chunk of res.body ?? []) {
        const bytes = chunk as Uint8Array;
        if (head.length < 16) head = Buffer.concat([head, bytes.subarray(0, 16)]);
        hash.update(bytes);
        count += bytes.length;
      }
      assert.equal(count, size);
      assert.equal(head.subarray(4, 8).toString('latin1'), 'ftyp');
      assert.equal(head.readUInt32BE(0), 32);
      assert.equal(hash.digest('hex'), await video.sha256());

      // A resumed download must get exactly the bytes it missed.
      const start = 40 * 1024 * 1024 + 7;
      const part = await get(url, { range: `bytes=${start}-${start + 99_999}` });
      assert.equal(part.status, 206);
      assert.deepEqual(await body(part), await video.bytes(start, start + 100_000));
      assert.notDeepEqual(await video.bytes(start, start + 4096), await video.bytes(start + 4096, start + 8192));

      sim.configure({ videoBytes: null });
      assert.equal(sim.video().kind, 'sample');
      const small = await get(url);
      assert.equal(Number(small.headers.get('content-length')), sim.video().size);
      await small.arrayBuffer();
    } finally {
      await sim.close();
    }
  });

  it('keeps working for tiny sizes', async () => {
    const sim = await startSim({ taskMs: 0, videoBytes: 10 });
    try {
      const { url } = await doneTask(sim);
      const bytes = await body(await get(url));
      assert.equal(bytes.length, 10);
      assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
      assert.ok(await until(() => sim.video().sha256()));
    } finally {
      await sim.close();
    }
  });
});
