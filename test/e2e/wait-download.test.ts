import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { ANSI, KEY, VEO, runInPty, signalWhenPartHolds, useWorld } from '../helpers/cli.js';

const ESC = '\u001b';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('wait, download and create -o against veo-sim', () => {
  const world = useWorld({ taskMs: 200 });
  beforeEach(() => {
    world.sim.configure({ taskMs: 200, failPattern: null, videoBytes: null });
  });

  const fileRequests = () => world.sim.requests.filter((r) => r.origin === 'file');
  const create = async (prompt = 'a clip') => {
    const run = await world.veo(['create', prompt]);
    assert.equal(run.code, 0, run.stderr);
    return run.stdout.trim();
  };
  const expected = async () => world.sim.video().sha256();

  it('create -o saves exactly the bytes the file host served, and prints the path', async () => {
    const path = join(world.workDir, 'one-shot.mp4');
    const run = await world.veo(['create', 'a red fox', '-o', path, '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${path}\n`);
    assert.equal(sha256(await readFile(path)), await expected());
    assert.ok(!existsSync(`${path}.part`));
    assert.ok(fileRequests().length >= 1);
    for (const request of fileRequests()) assert.equal(request.headers.authorization, undefined);
    assert.doesNotMatch(run.stderr, ANSI, 'no escape codes or carriage returns without a terminal');
  });

  it('create --wait and wait print the video url', async () => {
    const created = await world.veo(['create', 'x', '--wait', '--interval', '0.05']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^http:\/\/127\.0\.0\.1:\d+\/predication\/[0-9a-f]{24}_result\.mp4\n$/);
    const id = await create();
    const waited = await world.veo(['wait', id, '--interval', '0.05']);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, `${world.sim.fileUrl(id)}\n`);
    const json = await world.veo(['wait', id, '--json', '--interval', '0.05']);
    assert.equal(JSON.parse(json.stdout).url, world.sim.fileUrl(id));
    assert.equal(json.stderr, '');
  });

  it('prints one plain line per status change when stderr is not a terminal', async () => {
    world.sim.configure({ taskMs: 1 });
    const id = await create();
    // Two polls see 'processing', then the real answer says 'done': no dependence on timing.
    world.sim.inject('result', { kind: 'status', status: 'processing' }, 2);
    const run = await world.veo(['wait', id, '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.ok(
      lines.some((line) => line.endsWith(': processing')),
      run.stderr,
    );
    assert.ok(
      lines.some((line) => line.endsWith(': done')),
      run.stderr,
    );
    assert.equal(new Set(lines).size, lines.length, 'no repeated lines');
    assert.doesNotMatch(run.stderr, ANSI);
  });

  it('downloads a task to <output-dir>/<id>.mp4 and reports id, url, path, bytes and sha256', async () => {
    const id = await create();
    const run = await world.veo(['download', id, '--json', '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(summary).sort(), ['bytes', 'id', 'path', 'sha256', 'url']);
    assert.equal(summary.path, join(world.workDir, `${id}.mp4`));
    assert.equal(summary.sha256, await expected());
    assert.equal(summary.bytes, world.sim.video().size);
    assert.equal(sha256(await readFile(summary.path)), summary.sha256);
  });

  it('downloads a video url, and writes to stdout with -o -', async () => {
    const id = await create();
    await world.veo(['wait', id, '--interval', '0.05']);
    const toStdout = await world.veo(['download', world.sim.fileUrl(id), '-o', '-']);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(sha256(toStdout.stdoutBytes), await expected());
    const byUrl = await world.veo(['download', world.sim.fileUrl(id)]);
    assert.equal(byUrl.code, 0, byUrl.stderr);
    assert.equal(byUrl.stdout, `${join(world.workDir, `${id}.mp4`)}\n`);
  });

  it('--verbose traces the video request and its redirect, hiding the signature of the link, never the key', async () => {
    const id = await create();
    await world.veo(['wait', id, '--interval', '0.05']);
    const signed = `${world.sim.fileUrl(id)}?X-Amz-Expires=172800&X-Amz-Signature=deadbeefcafe1234`;
    world.sim.inject('file', { kind: 'redirect', location: `${signed}&hop=1` }, 1);
    const run = await world.veo(['download', signed, '-o', join(world.workDir, 'traced.mp4'), '--verbose']);
    assert.equal(run.code, 0, run.stderr);
    const shown = `${world.sim.fileUrl(id)}?X-Amz-Expires=172800&X-Amz-Signature=REDACTED`;
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('GET '));
    assert.equal(lines.length, 2, run.stderr);
    assert.ok(lines[0]?.startsWith(`GET ${shown} 302 redirect to ${shown}&hop=1 `), lines[0]);
    const bytes = (await readFile(join(world.workDir, 'traced.mp4'))).length;
    assert.match(lines[1] ?? '', new RegExp(`^GET \\S+&hop=1 200 ${bytes} bytes \\d+ms$`));
    assert.ok(!run.stderr.includes('deadbeefcafe1234'));
    assert.ok(!run.stderr.includes(KEY));
  });

  it('keeps stdout pure video with -o - --json, the document going to stderr', async () => {
    const run = await world.veo(['create', 'to stdout', '-o', '-', '--json', '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256(run.stdoutBytes), await expected());
    const document = JSON.parse(run.stderr.trim().split('\n').at(-1) ?? '');
    assert.equal(document.download.path, '-');
    assert.equal(document.download.sha256, await expected());
  });

  it('quotes a path with spaces in the command that resumes', async () => {
    world.sim.configure({ taskMs: 60_000 });
    const path = join(world.workDir, "my clip's.mp4");
    const run = await world.veo(['create', 'slow', '-o', path, '--timeout', '0.2', '--interval', '0.05']);
    assert.equal(run.code, 5, run.stderr);
    assert.ok(run.stderr.includes(`-o '${path.replace(/'/g, "'\\''")}'`), run.stderr);
  });

  it('resumes a dropped download with a Range request and ends with the whole file', async () => {
    world.sim.configure({ videoBytes: 4 * 1024 * 1024 });
    const id = await create();
    world.sim.inject('file', { kind: 'drop', afterBytes: 1024 * 1024 }, 1);
    const path = join(world.workDir, 'resumed.mp4');
    const run = await world.veo(['download', id, '-o', path, '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await stat(path)).size, 4 * 1024 * 1024);
    assert.equal(sha256(await readFile(path)), await expected());
    const ranges = fileRequests().map((r) => r.headers.range);
    assert.equal(ranges[0], undefined);
    assert.match(ranges[1] ?? '', /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(ranges[1] ?? '')?.[0]) > 0);
  });

  it('starts over cleanly when the server ignores the Range request', async () => {
    world.sim.configure({ videoBytes: 2 * 1024 * 1024 });
    const id = await create();
    world.sim.inject('file', { kind: 'drop', afterBytes: 512 * 1024 }, 1);
    world.sim.inject('file', { kind: 'ignore-range' }, 1);
    const path = join(world.workDir, 'restarted.mp4');
    const run = await world.veo(['download', id, '-o', path, '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('resumes after a stalled body', async () => {
    world.sim.configure({ videoBytes: 1024 * 1024 });
    const id = await create();
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 100_000 }, 1);
    const path = join(world.workDir, 'stalled.mp4');
    const run = await world.veo(['download', id, '-o', path, '--interval', '0.05'], {
      env: { VEO_REQUEST_TIMEOUT: '0.5' },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('fails a download that keeps breaking off, leaving no file under the final name', async () => {
    world.sim.configure({ videoBytes: 1024 * 1024 });
    const id = await create();
    world.sim.inject('file', { kind: 'drop', afterBytes: 0 }, Infinity);
    const path = join(world.workDir, 'truncated.mp4');
    const run = await world.veo(['download', id, '-o', path, '--interval', '0.05']);
    assert.equal(run.code, 7, run.stderr);
    assert.ok(!existsSync(path));
    assert.match(run.stderr, new RegExp(id));
  });

  it('refuses a body that is not a video', async () => {
    const id = await create();
    world.sim.inject('file', { kind: 'not-mp4' }, 1);
    const path = join(world.workDir, 'page.mp4');
    const run = await world.veo(['download', id, '-o', path, '--interval', '0.05']);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /not send a video/);
    assert.ok(!existsSync(path) && !existsSync(`${path}.part`));
  });

  it('keeps a real video served with a wrong content type, with a warning', async () => {
    const id = await create();
    world.sim.inject('file', { kind: 'wrong-type' }, 1);
    const path = join(world.workDir, 'labelled.mp4');
    const run = await world.veo(['download', id, '-o', path, '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /text\/html/);
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('exits 8 when the link expired, saying a new task is needed', async () => {
    const id = await create();
    for (const fault of [
      { kind: 'expired' as const },
      { kind: 'http' as const, status: 404 },
      { kind: 'http' as const, status: 410 },
    ]) {
      world.sim.inject('file', fault, 1);
      const path = join(world.workDir, 'expired.mp4');
      const run = await world.veo(['download', id, '-o', path, '--interval', '0.05']);
      assert.equal(run.code, 8, run.stderr);
      assert.match(run.stderr, /48 hours/);
      assert.match(run.stderr, /new task/);
      assert.ok(!existsSync(path) && !existsSync(`${path}.part`));
    }
  });

  it('leaves an existing file untouched without --force and replaces it with --force', async () => {
    const id = await create();
    const path = join(world.workDir, 'existing.mp4');
    await writeFile(path, 'precious');
    const refused = await world.veo(['download', id, '-o', path, '--interval', '0.05']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--force/);
    assert.equal(await readFile(path, 'utf8'), 'precious');
    const createRefused = await world.veo(['create', 'x', '-o', path]);
    assert.equal(createRefused.code, 2);
    assert.equal(
      world.sim.requests.filter((r) => r.route === 'create' && r.body.includes('"x"')).length,
      0,
      'no clip is paid for',
    );
    const forced = await world.veo(['download', id, '-o', path, '--force', '--interval', '0.05']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('names the command that resumes with the same -o after a timeout', async () => {
    world.sim.configure({ taskMs: 60_000 });
    const path = join(world.workDir, 'later.mp4');
    const created = await world.veo(['create', 'slow', '-o', path, '--timeout', '0.3', '--interval', '0.05']);
    assert.equal(created.code, 5, created.stderr);
    const id = /task ([0-9a-f]{24})/.exec(created.stderr)?.[1];
    assert.ok(id, created.stderr);
    assert.ok(created.stderr.includes(`veo download ${id} -o ${path}`), created.stderr);
    const waited = await world.veo(['wait', id, '-o', path, '--timeout', '0.2', '--interval', '0.05']);
    assert.equal(waited.code, 5);
    assert.ok(waited.stderr.includes(`veo wait ${id} -o ${path}`), waited.stderr);
  });

  it('checks that the output can be written before paying for a clip', async () => {
    const blocker = join(world.workDir, 'a-file');
    await writeFile(blocker, 'x');
    const run = await world.veo(['create', 'never paid', '-o', join(blocker, 'clip.mp4')]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Cannot write/);
    assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, 0);
  });

  it('saves into a folder given as -o under the task id', async () => {
    const dir = join(world.workDir, 'into-folder/');
    const run = await world.veo(['create', 'x', '-o', dir, '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`into-folder/[0-9a-f]{24}\\.mp4\n$`));
    assert.equal(sha256(await readFile(run.stdout.trim())), await expected());
  });

  it('answers a repeated download of a saved video from the journal', async () => {
    const id = await create();
    const first = await world.veo(['download', id, '--interval', '0.05']);
    assert.equal(first.code, 0, first.stderr);
    world.sim.requests.length = 0;
    const again = await world.veo(['download', id]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, first.stdout);
    assert.match(again.stderr, /already saved/);
    assert.equal(world.sim.requests.length, 0);
  });

  it('exits 5 on timeout, naming the id and the command that resumes', async () => {
    world.sim.configure({ taskMs: 60_000 });
    const id = await create();
    const run = await world.veo(['wait', id, '--timeout', '0.3', '--interval', '0.05']);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, new RegExp(`veo wait ${id}`));
    // The limit as given, not rounded to whole seconds.
    assert.match(run.stderr, new RegExp(`waiting for task ${id} after 0\\.3s;`));
    const json = await world.veo(['wait', id, '--timeout', '0.2', '--interval', '0.05', '--json']);
    assert.equal(JSON.parse(json.stderr).error.taskId, id);
    assert.match(JSON.parse(json.stderr).error.message, / after 0\.2s;/);
  });

  it('exits 6 with the reason when the generation fails', async () => {
    world.sim.configure({ failPattern: 'forbidden' });
    const id = await create('something forbidden');
    const run = await world.veo(['wait', id, '--interval', '0.05']);
    assert.equal(run.code, 6, run.stderr);
    assert.match(run.stderr, /moderation|rejected/i);
    const oneShot = await world.veo([
      'create',
      'forbidden again',
      '-o',
      join(world.workDir, 'never.mp4'),
      '--interval',
      '0.05',
    ]);
    assert.equal(oneShot.code, 6);
    assert.ok(!existsSync(join(world.workDir, 'never.mp4')));
  });

  it('keeps polling through done-without-url, unknown statuses and transient errors', async () => {
    world.sim.configure({ taskMs: 1 });
    const id = await create();
    world.sim.inject('result', { kind: 'done-without-url' }, 2);
    world.sim.inject('result', { kind: 'status', status: 'rendering' }, 1);
    world.sim.inject('result', { kind: 'html' }, 1);
    const run = await world.veo(['wait', id, '--interval', '0.02'], { env: { VEO_RETRY_ATTEMPTS: '1' } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${world.sim.fileUrl(id)}\n`);
    assert.ok(world.sim.requests.filter((r) => r.route === 'result').length >= 5);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`exits ${code} on ${signal} while waiting and prints the command that resumes`, async () => {
      world.sim.configure({ taskMs: 60_000 });
      const id = await create();
      // One signal: stderr keeps holding the status once the error follows it, and a second signal quits at once.
      let sent = false;
      const run = await world.veo(['wait', id, '--interval', '0.05'], {
        onStderr: (text, child) => {
          if (sent || !(text.includes(': processing') || text.includes(': idle'))) return;
          sent = true;
          child.kill(signal);
        },
      });
      assert.equal(run.code, code, run.stderr);
      assert.match(run.stderr, new RegExp(`veo wait ${id}`));
      assert.equal(world.sim.task(id)?.status === 'failed', false, 'the task goes on');
    });
  }

  it('keeps the .part of an interrupted download and resumes from it', async () => {
    world.sim.configure({ videoBytes: 2 * 1024 * 1024 });
    const id = await create();
    await world.veo(['wait', id, '--interval', '0.05']);
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 700_000 }, 1);
    const path = join(world.workDir, 'interrupted.mp4');
    const first = await world.veo(['download', id, '-o', path], {
      // The body stalls after 700000 bytes: interrupt once they are on disk.
      onStart: signalWhenPartHolds(path, 700_000, 'SIGINT'),
    });
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, new RegExp(`veo download ${id}`));
    assert.ok(!existsSync(path));
    assert.ok((await stat(`${path}.part`)).size > 0);
    world.sim.requests.length = 0;
    const second = await world.veo(['download', id, '-o', path]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(fileRequests()[0]?.headers.range ?? '', /^bytes=[1-9]\d*-$/);
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('shows a spinner inside a real pseudo-terminal', async () => {
    world.sim.configure({ taskMs: 60_000 });
    const id = await create();
    const output = await runInPty(`${process.execPath} ${VEO} wait ${id} --interval 0.1 --timeout 2`, world.env);
    assert.match(output, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'spinner frames');
    assert.ok(output.includes('\u001b['), 'terminal control codes');
    assert.match(output, new RegExp(`${id}: (idle|processing)`));
    assert.ok(output.includes(`veo wait ${id}`), 'the resume hint after the timeout');
    assert.ok(output.includes('\u001b[31m'), 'the error is red on a terminal');
    assert.ok(!output.includes(KEY));
  });

  it('shows bytes, percent and speed while downloading on a terminal', async () => {
    world.sim.configure({ videoBytes: 8 * 1024 * 1024 });
    const id = await create();
    await world.veo(['wait', id, '--interval', '0.05']);
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 1024 * 1024 }, 1);
    const path = join(world.workDir, 'progress.mp4');
    const output = await runInPty(`${process.execPath} ${VEO} download ${id} -o ${path}`, {
      ...world.env,
      VEO_REQUEST_TIMEOUT: '1',
    });
    assert.match(output, /downloading [0-9a-f]{24} 1\.0 MiB \/ 8\.0 MiB \(12%\) [\d.]+ \S+\/s/);
    assert.ok(output.includes(path));
    assert.equal(sha256(await readFile(path)), await expected());
  });

  it('falls back to plain lines on a terminal that reports 0 columns, instead of hanging', async () => {
    world.sim.configure({ taskMs: 1 });
    const id = await create();
    world.sim.inject('result', { kind: 'status', status: 'processing' }, 1);
    const output = await runInPty(`${process.execPath} ${VEO} wait ${id} --interval 0.05`, world.env, 'cols 0 rows 0');
    assert.doesNotMatch(output, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'no spinner without a width');
    assert.match(output, new RegExp(`${id}: processing`));
    assert.ok(output.includes(world.sim.fileUrl(id)), 'it finished');
  });

  it('uses no colour on a terminal when NO_COLOR is set', async () => {
    world.sim.configure({ taskMs: 60_000 });
    const id = await create();
    const output = await runInPty(`${process.execPath} ${VEO} wait ${id} --interval 0.1 --timeout 1`, {
      ...world.env,
      NO_COLOR: '1',
    });
    assert.match(output, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'the spinner still turns');
    assert.doesNotMatch(output, new RegExp(`${ESC}\\[(3\\d|9\\d)m`), 'no foreground colour codes');
    assert.ok(output.includes(`veo wait ${id}`));
  });
});
