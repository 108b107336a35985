import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readSync } from 'node:fs';
import { readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { Journal } from '../../src/store/journal.js';
import { KEY, ROOT, signalOnCreate, useWorld, VEO, type World } from '../helpers/cli.js';
import { validate, type Schema } from '../helpers/json-schema.js';

const schema = JSON.parse(await readFile(join(ROOT, 'docs', 'events-v1.schema.json'), 'utf8')) as Schema;

interface Event {
  v: number;
  type: string;
  time: string;
  id: string | null;
  [field: string]: unknown;
}

/**
 * Every line of a stream: whole (the text ends with a newline and no line is empty), JSON, and valid against the
 * published schema, with no field the schema does not declare.
 */
function eventsOf(text: string): Event[] {
  assert.ok(text.endsWith('\n'), `the stream ends with a whole line: ${JSON.stringify(text.slice(-80))}`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const event = JSON.parse(line) as Event;
      assert.deepEqual(validate(event, schema, schema, { strict: true }), [], line);
      return event;
    });
}

/** A prompt within veo's limits whose `created` line is larger than what a pipe holds (64 KiB on Linux). */
const LONG_LINE_PROMPT = `a lake at dawn, ${'slowly '.repeat(14_000)}still`;

const typesOf = (events: Event[]) => events.map((event) => event.type);

/** The types in order, each run of one type counted once: created, status, progress, saved, end. */
function phases(events: Event[]): string[] {
  return typesOf(events).filter((type, i, all) => type !== all[i - 1]);
}

/** The environment runVeo gives veo, for a child spawned here with an extra descriptor. */
function childEnv(world: World): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_OPTIONS: `--import ${pathToFileURL(join(ROOT, 'test', 'helpers', 'offline-dns.mjs')).href}`,
    VEO_MIN_INTERVAL_MS: '1',
    XDG_CACHE_HOME: join(tmpdir(), 'veo-test-cache'),
    ...world.env,
  };
}

/** Runs veo with a pipe as descriptor 3: what it wrote there, and how it ended. */
function runWithPipe3(
  world: World,
  args: string[],
  options: { closeEarly?: boolean; closeAfterFirstLine?: boolean } = {},
): Promise<{ code: number | null; fd3: string; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [VEO, ...args], {
      env: childEnv(world),
      cwd: world.workDir,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const extra = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    let fd3 = '';
    let stdout = '';
    let stderr = '';
    // A reader gone before veo starts: nothing can be written there.
    if (options.closeEarly) extra.destroy();
    else {
      extra.on('data', (chunk: Buffer) => {
        fd3 += chunk.toString('utf8');
        // A reader gone after the first line: veo must warn once and go on.
        if (options.closeAfterFirstLine && fd3.includes('\n')) extra.destroy();
      });
    }
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, fd3, stdout, stderr }));
  });
}

type StdioEntry = 'ignore' | 'pipe' | number;

/** Runs veo with descriptors from 3 on as given: a number is handed over as it is, 'ignore' leaves one closed. */
function runWithStdio(
  world: World,
  args: string[],
  extra: StdioEntry[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [VEO, ...args], {
      env: childEnv(world),
      cwd: world.workDir,
      stdio: ['ignore', 'pipe', 'pipe', ...extra],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

let pipes = 0;

/**
 * Runs veo with its events going into an operating system pipe (64 KiB of room on Linux), as descriptor 3 or as
 * stdout, whose reader never reads, or reads 2 KiB every 100 ms: what it read, and how veo ended. Undefined
 * without mkfifo.
 */
async function runIntoPipe(
  world: World,
  args: string[],
  options: {
    reader: 'never' | 'slowly';
    fd: 1 | 3;
    env?: Record<string, string>;
    onStart?: (child: ChildProcess) => void;
  },
): Promise<{ code: number | null; events: string; stderr: string } | undefined> {
  const fifo = join(world.workDir, `pipe-${++pipes}.fifo`);
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    return undefined;
  }
  const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeEnd = openSync(fifo, constants.O_WRONLY);
  const child = spawn(process.execPath, [VEO, ...args], {
    env: { ...childEnv(world), ...options.env },
    cwd: world.workDir,
    stdio: options.fd === 3 ? ['ignore', 'ignore', 'pipe', writeEnd] : ['ignore', writeEnd, 'pipe'],
  });
  closeSync(writeEnd);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let events = '';
  const piece = Buffer.alloc(2048);
  const slowly =
    options.reader === 'slowly'
      ? setInterval(() => {
          try {
            const read = readSync(readEnd, piece);
            events += piece.subarray(0, read).toString('latin1');
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          }
        }, 100)
      : undefined;
  // The test's own bound: a veo stuck for good is killed, and fails the test with no exit code.
  const stuck = setTimeout(() => child.kill('SIGKILL'), 60_000);
  options.onStart?.(child);
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', resolvePromise);
  });
  clearTimeout(stuck);
  clearInterval(slowly);
  // What was left in the pipe: a slow reader takes it all, to see every line veo wrote.
  if (options.reader === 'slowly') {
    for (let read = 1; read > 0;) {
      read = readSync(readEnd, piece);
      events += piece.subarray(0, read).toString('latin1');
    }
  }
  closeSync(readEnd);
  return { code, events: Buffer.from(events, 'latin1').toString('utf8'), stderr };
}

describe('--events: the event stream', () => {
  const world = useWorld({ taskMs: 300, failPattern: 'FAIL' });
  const creates = () => world.sim.requests.filter((r) => r.route === 'create');
  const eventsFile = (name: string) => join(world.workDir, name);

  it('create -o: created, each status, bounded progress, saved and end, in order and valid; the file is 0600', async () => {
    // 8000 bytes every 250 ms: eleven pieces over about 2.5 s, above the minimum rate.
    world.sim.inject('file', { kind: 'drip', bytes: 8000, everyMs: 250 }, 1);
    const path = eventsFile('create.jsonl');
    const run = await world.veo([
      'create',
      'a slow "quoted" boat',
      '-o',
      'boat.mp4',
      '--events',
      path,
      '--interval',
      '0.05',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const events = eventsOf(await readFile(path, 'utf8'));
    assert.deepEqual(phases(events), ['created', 'status', 'progress', 'saved', 'end']);
    const [task] = world.sim.tasks().slice(-1);
    assert.ok(task);
    const created = events[0];
    assert.equal(created?.id, task.id);
    assert.equal(created?.prompt, 'a slow "quoted" boat');
    assert.equal(created?.line, null);
    for (const event of events.slice(0, -1)) assert.equal(event.id, task.id, JSON.stringify(event));
    const statuses = events.filter((e) => e.type === 'status');
    assert.equal(statuses[0]?.previous, null);
    assert.equal(statuses.at(-1)?.status, 'done');
    for (let i = 1; i < statuses.length; i++) {
      assert.equal(statuses[i]?.previous, statuses[i - 1]?.status);
      assert.notEqual(statuses[i]?.status, statuses[i - 1]?.status);
    }
    const progress = events.filter((e) => e.type === 'progress');
    const saved = events.find((e) => e.type === 'saved');
    const size = world.sim.video().size;
    assert.equal(progress.at(-1)?.bytes, size, 'the final figure is told');
    assert.equal(saved?.bytes, size);
    assert.equal(saved?.sha256, await world.sim.video().sha256());
    assert.equal(saved?.path, join(world.workDir, 'boat.mp4'));
    // At most one a second, plus the final one: over the download's own span of time.
    const seconds = (Date.parse(saved?.time ?? '') - Date.parse(progress[0]?.time ?? '')) / 1000;
    assert.ok(seconds >= 1, `the download took ${seconds} s`);
    assert.ok(progress.length <= Math.ceil(seconds) + 2, `${progress.length} progress events in ${seconds} s`);
    assert.ok(progress.length < Math.ceil(size / 8000), 'fewer events than pieces received');
    assert.deepEqual(events.at(-1), { ...events.at(-1), type: 'end', command: 'create', exitCode: 0, id: null });
    const times = events.map((e) => Date.parse(e.time));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    // Appended to, never truncated: a second run adds its own lines after the first's.
    const again = await world.veo(['create', 'another boat', '--events', path]);
    assert.equal(again.code, 0, again.stderr);
    const both = eventsOf(await readFile(path, 'utf8'));
    assert.deepEqual(both.slice(0, events.length), events);
    assert.deepEqual(typesOf(both.slice(events.length)), ['created', 'end']);
  });

  it('a batch with concurrency 3 and a failing item: whole valid lines, one item event per line, ids as created', async () => {
    const file = join(world.workDir, 'shots.txt');
    const prompts = ['a red kite', 'a blue kite', 'this one will FAIL', 'a green kite', 'a white kite'];
    await writeFile(file, `${prompts.join('\n')}\n`);
    const path = eventsFile('batch.jsonl');
    const run = await world.veo([
      'batch',
      file,
      '--dir',
      'kites',
      '--concurrency',
      '3',
      '--interval',
      '0.05',
      '--events',
      path,
    ]);
    assert.equal(run.code, 6, run.stderr);
    const events = eventsOf(await readFile(path, 'utf8'));
    const tasks = new Map(world.sim.tasks().map((task) => [task.id, task]));
    const created = events.filter((e) => e.type === 'created');
    assert.equal(created.length, prompts.length);
    for (const event of created) {
      assert.equal(tasks.get(event.id ?? '')?.prompt, event.prompt, 'the id the simulator gave this prompt');
      assert.equal(event.line, prompts.indexOf(String(event.prompt)) + 1);
    }
    const items = events.filter((e) => e.type === 'item');
    assert.deepEqual(items.map((e) => e.line).sort(), [1, 2, 3, 4, 5]);
    for (const item of items) {
      const prompt = prompts[Number(item.line) - 1];
      assert.equal(item.prompt, prompt);
      assert.equal(item.id, created.find((c) => c.prompt === prompt)?.id);
      if (prompt?.includes('FAIL')) {
        assert.equal(item.outcome, 'failed');
        assert.equal(item.code, 'GENERATION_FAILED');
        assert.equal(item.path, null);
      } else {
        assert.equal(item.outcome, 'saved');
        assert.ok(existsSync(String(item.path)), String(item.path));
        assert.equal(item.code, null);
      }
    }
    const failing = created.find((c) => String(c.prompt).includes('FAIL'));
    const failed = events.filter((e) => e.type === 'failed');
    assert.equal(failed.length, 1, 'one failure, told once');
    assert.equal(failed[0]?.id, failing?.id);
    assert.equal(failed[0]?.exitCode, 6);
    assert.equal(events.filter((e) => e.type === 'saved').length, 4);
    assert.deepEqual(events.at(-1), { ...events.at(-1), type: 'end', command: 'batch', exitCode: 6 });
    // Each item's own events come in its own order, whatever the others do meanwhile.
    for (const { id } of created) {
      const own = phases(events.filter((e) => e.id === id && e.type !== 'progress'));
      assert.ok(own[0] === 'created' && own.at(-1) === 'item', `${id}: ${own.join(' ')}`);
    }
  });

  it('a batch item whose create was sent and never answered is told as failed (it may be billed), not as not created', async () => {
    const path = join(world.workDir, 'unanswered.jsonl');
    const file = join(world.workDir, 'unanswered.txt');
    await writeFile(file, 'a create whose answer is lost\n');
    world.sim.inject('create', { kind: 'reset-after' }, 1);
    const run = await world.veo(['batch', file, '--dir', 'unanswered', '--events', path]);
    assert.notEqual(run.code, 0, run.stderr);
    const items = eventsOf(await readFile(path, 'utf8')).filter((event) => event.type === 'item');
    assert.equal(items.length, 1);
    assert.equal(items[0]?.outcome, 'failed');
    assert.equal(items[0]?.code, 'CREATE_UNCONFIRMED');
    assert.match(run.stderr, /1 failed, 0 pending, 0 not created/);
  });

  it('a batch stopped by Ctrl-C still tells every item once, then end with 130', async () => {
    world.sim.configure({ taskMs: 5000 });
    try {
      const file = join(world.workDir, 'stopped.txt');
      await writeFile(file, 'one stop\ntwo stop\nthree stop\nfour stop\n');
      const path = eventsFile('stopped.jsonl');
      const run = await world.veo(['batch', file, '--dir', 'stopped', '--concurrency', '2', '--events', path], {
        onStart: signalOnCreate(world.sim, 'SIGINT'),
      });
      assert.equal(run.code, 130, run.stderr);
      const events = eventsOf(await readFile(path, 'utf8'));
      const items = events.filter((e) => e.type === 'item');
      assert.deepEqual(items.map((e) => e.line).sort(), [1, 2, 3, 4]);
      for (const item of items)
        assert.ok(['pending', 'not-created'].includes(String(item.outcome)), JSON.stringify(item));
      for (const event of events.filter((e) => e.type === 'created')) {
        assert.equal(items.find((item) => item.id === event.id)?.outcome, 'pending', 'a created task is left pending');
      }
      assert.equal(events.filter((e) => e.type === 'failed').length, 0, 'a stop is not a failure');
      assert.deepEqual(events.at(-1), { ...events.at(-1), type: 'end', command: 'batch', exitCode: 130 });
    } finally {
      world.sim.configure({ taskMs: 300 });
    }
  });

  it('retries are told: API requests, the download, and a wait whose checks fail; the key never reaches the file', async () => {
    world.sim.inject('result', { kind: 'http', status: 500, body: `{"error":"bad key ${KEY}"}` }, 2);
    world.sim.inject('file', { kind: 'drop', afterBytes: 1000 }, 1);
    const path = eventsFile('retries.jsonl');
    const run = await world.veo(['create', `a cat ${KEY}`, '-o', 'cat.mp4', '--events', path, '--interval', '0.05'], {
      env: { VEO_RETRY_ATTEMPTS: '3' },
    });
    const text = await readFile(path, 'utf8');
    const events = eventsOf(text);
    assert.ok(!text.includes(KEY), 'the key is redacted everywhere');
    assert.ok(!text.includes(KEY.slice(5)), 'even its token');
    const retries = events.filter((e) => e.type === 'retry');
    const id = events[0]?.id;
    const api = retries.filter((e) => e.what === 'result');
    assert.ok(api.length >= 1, text);
    assert.deepEqual(
      api.slice(0, 2).map((e) => [e.id, e.attempt, e.attempts]),
      [
        [id, 1, 3],
        [id, 2, 3],
      ].slice(0, api.length),
    );
    assert.match(String(api[0]?.error), /HTTP 500/);
    assert.match(String(api[0]?.error), /shds-…/);
    const download = retries.filter((e) => e.what === 'download');
    assert.equal(download.length, 1, text);
    assert.equal(download[0]?.attempt, 1);
    assert.ok(Number(download[0]?.delayMs) >= 0);
    assert.equal(run.code, 0, run.stderr);
    // A wait's failed checks: each is a retry of the poll, with no number of attempts (it goes on until --timeout).
    world.sim.inject('result', { kind: 'http', status: 500 }, 3);
    const polled = eventsFile('poll.jsonl');
    const wait = await world.veo(['wait', String(id), '--interval', '0.05', '--events', polled], {
      env: { VEO_RETRY_ATTEMPTS: '1' },
    });
    assert.equal(wait.code, 0, wait.stderr);
    const polls = eventsOf(await readFile(polled, 'utf8')).filter((e) => e.type === 'retry' && e.what === 'poll');
    assert.deepEqual(
      polls.map((e) => [e.attempt, e.attempts]),
      [
        [1, null],
        [2, null],
        [3, null],
      ],
    );
  });

  it('--events - without --json: stdout holds event lines only, the printed URL or path as the result event', async () => {
    const run = await world.veo(['create', 'a kite', '--wait', '--interval', '0.05', '--events', '-']);
    assert.equal(run.code, 0, run.stderr);
    const events = eventsOf(run.stdout);
    const [task] = world.sim.tasks().slice(-1);
    assert.deepEqual(phases(events).slice(-2), ['result', 'end']);
    assert.equal(events.at(-2)?.text, task?.url);
    assert.equal(events.at(-2)?.data, null);
    const saved = await world.veo(['create', 'a kite', '-o', 'kite.mp4', '--interval', '0.05', '--events', '-']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(eventsOf(saved.stdout).at(-2)?.text, join(world.workDir, 'kite.mp4'));
    // Without a task: `veo result` prints its line, carried the same way.
    const result = await world.veo(['result', String(task?.id), '--events', '-']);
    assert.equal(result.code, 0, result.stderr);
    const told = eventsOf(result.stdout);
    assert.deepEqual(typesOf(told), ['result', 'end']);
    assert.match(String(told[0]?.text), new RegExp(String(task?.id)));
  });

  it('--events - with --json: the document travels as the result event`s data; stderr stays JSON', async () => {
    const run = await world.veo(['--json', 'create', 'a kite', '--wait', '--interval', '0.05', '--events', '-']);
    assert.equal(run.code, 0, run.stderr);
    const events = eventsOf(run.stdout);
    const [task] = world.sim.tasks().slice(-1);
    const result = events.at(-2);
    assert.equal(result?.type, 'result');
    assert.equal(result?.text, null);
    assert.deepEqual(
      { id: (result?.data as { id?: string }).id, url: (result?.data as { url?: string }).url },
      { id: task?.id, url: task?.url },
    );
    for (const line of run.stderr.split('\n').filter(Boolean)) JSON.parse(line);
    // A failure: the error document on stderr, the events on stdout with a failed event and the exit code.
    const failed = await world.veo(['--json', 'create', 'FAIL now', '--wait', '--interval', '0.05', '--events', '-']);
    assert.equal(failed.code, 6, failed.stderr);
    const told = eventsOf(failed.stdout);
    assert.deepEqual(phases(told).slice(-2), ['failed', 'end']);
    assert.equal(told.at(-2)?.code, 'GENERATION_FAILED');
    assert.equal(told.at(-1)?.exitCode, 6);
    assert.equal(
      (JSON.parse(failed.stderr.trim().split('\n').at(-1) ?? '') as { error: { code: string } }).error.code,
      'GENERATION_FAILED',
    );
  });

  it('refuses a symbolic link, a missing folder, a FIFO without reader and -o - with --events -: exit 2, nothing created', async () => {
    const target = join(world.workDir, 'elsewhere.jsonl');
    const link = join(world.workDir, 'link.jsonl');
    await symlink(target, link);
    const cases: [string[], RegExp][] = [
      [['--events', link], /symbolic link/],
      [['--events', join(world.workDir, 'no', 'such', 'dir', 'e.jsonl')], /Cannot write the event stream/],
      [['--events', '-', '-o', '-'], /both want stdout/],
    ];
    try {
      const fifo = join(world.workDir, 'lonely.fifo');
      execFileSync('mkfifo', [fifo]);
      cases.push([['--events', fifo], /FIFO that nothing reads/]);
    } catch {
      // Without mkfifo the FIFO case is left out; the others still run.
    }
    for (const [flags, message] of cases) {
      const run = await world.veo(['create', 'a paid clip', '--wait', ...flags]);
      assert.equal(run.code, 2, `${flags.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
    assert.equal(creates().length, 0, 'nothing was paid for');
    assert.ok(!existsSync(target), 'nothing was written through the link');
  });

  it('a descriptor left closed or handed over read-only is refused before anything is paid: exit 2', async () => {
    const readOnly = openSync(join(ROOT, 'package.json'), 'r');
    try {
      // 'ignore' past the first three leaves the descriptor closed in veo, where Node may reuse its number.
      const cases: [string, StdioEntry[], RegExp][] = [
        ['/dev/fd/3', ['ignore'], /descriptor 3 (is not open|was not handed to veo)/],
        ['/dev/fd/9', [], /descriptor 9 (is not open|was not handed to veo)/],
        ['/dev/fd/3', [readOnly], /descriptor 3 is (open for reading only|not open for writing)/],
        ['/dev/fd/4', ['pipe', readOnly], /descriptor 4 is (open for reading only|not open for writing)/],
      ];
      for (const [target, extra, message] of cases) {
        const run = await runWithStdio(world, ['create', 'a paid clip', '--wait', '--events', target], extra);
        assert.equal(run.code, 2, `${target}: ${run.stderr}`);
        assert.match(run.stderr, message);
        assert.equal(run.stdout, '');
      }
    } finally {
      closeSync(readOnly);
    }
    // A pipe whose reader is gone before the run starts cannot be written either.
    const gone = await runWithPipe3(world, ['create', 'a paid clip', '--wait', '--events', '/dev/fd/3'], {
      closeEarly: true,
    });
    assert.equal(gone.code, 2, gone.stderr);
    assert.match(gone.stderr, /descriptor 3 cannot be written \(broken pipe/);
    assert.equal(creates().length, 0, 'nothing was paid for');
    // The descriptors a shell hands over work: stderr, here a pipe.
    const viaStderr = await world.veo(['create', 'a fox', '--events', '/dev/stderr']);
    assert.equal(viaStderr.code, 0, viaStderr.stderr);
    assert.deepEqual(
      viaStderr.stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as Event).type),
      ['created', 'end'],
    );
  });

  it('/dev/fd/N is written as given (a pipe from the caller), and a FIFO with its reader works', async () => {
    const run = await runWithPipe3(world, ['create', 'a fox', '--wait', '--interval', '0.05', '--events', '/dev/fd/3']);
    assert.equal(run.code, 0, run.stderr);
    const events = eventsOf(run.fd3);
    assert.deepEqual(phases(events), ['created', 'status', 'end']);
    assert.match(run.stdout, /^https?:\/\//, 'stdout keeps its own result');
    let fifo: string;
    try {
      fifo = join(world.workDir, 'events.fifo');
      execFileSync('mkfifo', [fifo]);
    } catch {
      return;
    }
    // The reader is there before veo starts; the few lines fit in the FIFO's buffer and are read once it ends.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const viaFifo = await world.veo(['create', 'a fox', '--events', fifo]);
      assert.equal(viaFifo.code, 0, viaFifo.stderr);
      const buffer = Buffer.alloc(65536);
      const read = readSync(reader, buffer);
      assert.deepEqual(typesOf(eventsOf(buffer.subarray(0, read).toString('utf8'))), ['created', 'end']);
    } finally {
      closeSync(reader);
    }
  });

  it('a stream that cannot be written any more (disk full, reader gone) is warned about once; the run goes on', async (t) => {
    // The download drips for about 2 s, so lines are still to come once the reader has gone.
    world.sim.inject('file', { kind: 'drip', bytes: 8000, everyMs: 250 }, 1);
    const gone = await runWithPipe3(
      world,
      ['create', 'an owl', '-o', 'owl.mp4', '--interval', '0.05', '--events', '/dev/fd/3'],
      { closeAfterFirstLine: true },
    );
    assert.equal(gone.code, 0, gone.stderr);
    assert.equal((JSON.parse(gone.fd3.split('\n')[0] ?? '') as Event).type, 'created');
    assert.equal(gone.stderr.match(/Cannot write the event stream/g)?.length, 1, gone.stderr);
    assert.ok(existsSync(join(world.workDir, 'owl.mp4')));
    if (!existsSync('/dev/full')) return t.skip('no /dev/full on this system');
    const full = await world.veo(['create', 'an owl', '--wait', '--interval', '0.05', '--events', '/dev/full']);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(full.stderr.match(/Cannot write the event stream to \/dev\/full any more \(no space/g)?.length, 1);
  });

  it('--events - whose reader stops after the first line (| head -1): one warning, the clip saved, exit 0', async () => {
    // The download drips for about 2 s, so lines are still to come once the reader has gone.
    world.sim.inject('file', { kind: 'drip', bytes: 8000, everyMs: 250 }, 1);
    const run = await new Promise<{ code: number | null; first: string; stderr: string }>((resolvePromise, reject) => {
      const child = spawn(
        process.execPath,
        [VEO, 'create', 'a heron', '-o', 'heron.mp4', '--interval', '0.05', '--events', '-'],
        { env: childEnv(world), cwd: world.workDir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let first = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        first += chunk.toString('utf8');
        // As `head -1` does: the first line read, the reader goes.
        if (first.includes('\n')) child.stdout.destroy();
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ code, first, stderr }));
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.first.split('\n')[0] ?? '') as Event).type, 'created');
    assert.equal(
      run.stderr.match(
        /Cannot write the event stream to stdout any more \(broken pipe: the reader went away\); the run goes on/g,
      )?.length,
      1,
      run.stderr,
    );
    assert.ok(existsSync(join(world.workDir, 'heron.mp4')), 'the clip is saved all the same');
  });

  it('a pipe whose reader never reads: SIGTERM still ends veo (143), the task is journaled, the stream given up once', async (t) => {
    world.sim.configure({ taskMs: 60_000 });
    try {
      const run = await runIntoPipe(
        world,
        ['create', LONG_LINE_PROMPT, '--wait', '--interval', '0.05', '--events', '/dev/fd/3'],
        {
          fd: 3,
          reader: 'never',
          env: { VEO_EVENTS_STUCK_TIMEOUT: '2' },
          onStart: signalOnCreate(world.sim, 'SIGTERM'),
        },
      );
      if (!run) return t.skip('no mkfifo on this system');
      assert.equal(run.code, 143, run.stderr);
      assert.match(run.stderr, /Terminated \(SIGTERM\)/);
      assert.equal(run.stderr.match(/Cannot write the event stream/g)?.length, 1, run.stderr);
      const [task] = world.sim.tasks().slice(-1);
      assert.ok(task);
      assert.ok(await new Journal(world.configDir).get(task.id), 'the paid task is in the journal');
    } finally {
      world.sim.configure({ taskMs: 300 });
    }
  });

  it('--events - into a reader that never reads: the run ends once the bound passes, with its own exit code', async (t) => {
    const run = await runIntoPipe(world, ['create', LONG_LINE_PROMPT, '--events', '-'], {
      fd: 1,
      reader: 'never',
      env: { VEO_EVENTS_STUCK_TIMEOUT: '1' },
    });
    if (!run) return t.skip('no mkfifo on this system');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr.match(/Cannot write the event stream to stdout any more \(its reader left lines waiting/g)?.length,
      1,
      run.stderr,
    );
    const [task] = world.sim.tasks().slice(-1);
    assert.ok(task && (await new Journal(world.configDir).get(task.id)), 'the task is in the journal');
  });

  it('a reader that reads slowly gets every line whole, the result and end included, before veo exits', async (t) => {
    const run = await runIntoPipe(world, ['create', LONG_LINE_PROMPT, '--events', '-'], { fd: 1, reader: 'slowly' });
    if (!run) return t.skip('no mkfifo on this system');
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /Cannot write the event stream/);
    const events = eventsOf(run.events);
    assert.deepEqual(typesOf(events), ['created', 'result', 'end']);
    assert.ok(events[0]?.prompt === LONG_LINE_PROMPT, 'the long line came whole');
    assert.equal(events[1]?.text, events[0]?.id);
    // Through descriptor 3 too, with the lines of a wait after the long one.
    const fd3 = await runIntoPipe(
      world,
      ['create', LONG_LINE_PROMPT, '--wait', '--interval', '0.05', '--events', '/dev/fd/3'],
      { fd: 3, reader: 'slowly' },
    );
    assert.equal(fd3?.code, 0, fd3?.stderr);
    assert.deepEqual(phases(eventsOf(fd3?.events ?? '')), ['created', 'status', 'end']);
  });

  it('sync tells each video it looked at as an item, with its outcome and path', async () => {
    const made = await world.veo(['create', 'a sync fox', '--wait', '--interval', '0.05']);
    assert.equal(made.code, 0, made.stderr);
    const [task] = world.sim.tasks().slice(-1);
    const path = eventsFile('sync.jsonl');
    const run = await world.veo(['sync', '--dir', 'synced', '--events', path]);
    assert.equal(run.code, 0, run.stderr);
    const items = eventsOf(await readFile(path, 'utf8')).filter((e) => e.type === 'item');
    const mine = items.find((e) => e.id === task?.id);
    assert.equal(mine?.outcome, 'saved');
    assert.equal(mine?.prompt, 'a sync fox');
    assert.equal(mine?.line, null);
    assert.ok(existsSync(String(mine?.path)));
  });
  it('expiring: a finished video nobody saved, told even in --json mode where the reminder is not shown', async () => {
    const journal = new Journal(world.configDir);
    const id = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const doneAt = new Date(Date.now() - 40 * 3600 * 1000);
    await journal.record({
      id,
      status: 'done',
      url: `${world.sim.fileBaseUrl}/predication/${id}_result.mp4`,
      doneAt: doneAt.toISOString(),
    });
    const path = eventsFile('expiring.jsonl');
    const run = await world.veo(['--json', 'create', 'anything', '--events', path]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const events = eventsOf(await readFile(path, 'utf8'));
    assert.deepEqual(typesOf(events), ['created', 'expiring', 'end']);
    assert.equal(events[1]?.id, id);
    assert.equal(events[1]?.expiresAt, new Date(doneAt.getTime() + 48 * 3600 * 1000).toISOString());
    await journal.record({ id, status: 'expired', lostReportedAt: new Date().toISOString() });
  });
});
