import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rename, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_MODEL } from '../../src/commands/shared/flags.js';
import { parseBatch } from '../../src/commands/batch/parse-file.js';
import { Journal } from '../../src/store/journal.js';
import { currentProcess } from '../../src/core/process-identity.js';
import { ROOT, type RunOptions, useWorld, VEO, signalOnCreate } from '../helpers/cli.js';

const ID = /^[0-9a-f]{24}$/;
const hasPython = spawnSync('python3', ['--version']).status === 0;

interface Listed {
  id: string | null;
  state: string;
  prompt?: string;
  intent?: string;
}

describe('a paid task is created exactly once and never lost', () => {
  const world = useWorld({ taskMs: 150 });
  let videoSha: string;
  before(async () => {
    videoSha = await world.sim.video().sha256();
  });
  beforeEach(() => {
    world.sim.configure({ taskMs: 150, balance: 1_000_000, videoBytes: null });
  });

  const creates = () => world.sim.requests.filter((r) => r.route === 'create');
  const sha = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const writeLines = async (path: string, lines: string[]) => {
    await writeFile(path, `${lines.join('\n')}\n`);
    return path;
  };
  const batch = (args: string[], options?: RunOptions) => world.veo(['batch', ...args, '--interval', '0.05'], options);
  /** Sends `signal` the moment the simulator receives the create request. */
  const onCreate = (signal: NodeJS.Signals, then?: (child: ChildProcess) => void) =>
    signalOnCreate(world.sim, signal, then);
  const listed = async (env?: Record<string, string>): Promise<Listed[]> => {
    const run = await world.veo(['list', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as Listed[];
  };
  const freshConfig = async () => ({ VEO_CONFIG_DIR: await mkdtemp(join(tmpdir(), 'veo-config-')) });

  it('two identical batch runs started at once create each item once, and both end with every clip saved', async () => {
    world.sim.configure({ taskMs: 400 });
    const prompts = Array.from({ length: 6 }, (_, i) => `overlapping run ${i + 1}`);
    const file = await writeLines(join(world.workDir, 'overlap.txt'), prompts);
    const dir = join(world.workDir, 'overlap');
    const [first, second] = await Promise.all([
      batch([file, '--dir', dir, '--concurrency', '6']),
      batch([file, '--dir', dir, '--concurrency', '6']),
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(creates().length, 6, 'one create per line across both runs');
    const paths = first.stdout.trim().split('\n');
    assert.equal(paths.length, 6);
    assert.deepEqual(second.stdout.trim().split('\n').toSorted(), paths.toSorted());
    for (const path of paths) assert.equal(await sha(path), videoSha);
  });

  it('a run started while another holds the items waits for them and reports what that run saved', async () => {
    // Long enough that the second run surely starts while the first still holds every item, even on a busy machine.
    world.sim.configure({ taskMs: 3000 });
    const prompts = Array.from({ length: 3 }, (_, i) => `held by the first ${i + 1}`);
    const file = await writeLines(join(world.workDir, 'held.txt'), prompts);
    const dir = join(world.workDir, 'held');
    const first = batch([file, '--dir', dir, '--concurrency', '3']);
    // Every create of the first run is in: it holds all three items.
    await world.sim.waitForRequest(() => creates().length === 3);
    const second = await batch([file, '--dir', dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /in progress in another veo \(pid \d+\); waiting for it/);
    assert.match(second.stderr, /saved by another veo: /);
    assert.equal((await first).code, 0);
    assert.equal(creates().length, 3);
    for (const path of second.stdout.trim().split('\n')) assert.equal(await sha(path), videoSha);
  });

  it('a create still "sending" by a live process that holds no claim is unconfirmed, not created again', async () => {
    const dir = await realpath(await mkdtemp(join(world.workDir, 'orphan-')));
    const file = await writeLines(join(world.workDir, 'orphan.txt'), ['orphaned intent']);
    const [item] = parseBatch('orphaned intent\n', { model: DEFAULT_MODEL }).items;
    assert.ok(item);
    // This test's own process stands for a live veo whose journal write failed after its create.
    const journal = new Journal(world.configDir);
    await journal.recordIntent({
      intent: 'e'.repeat(16),
      state: 'sending',
      prompt: 'orphaned intent',
      batch: { key: item.key, dir },
      owner: currentProcess(),
      startedAt: new Date().toISOString(),
    });
    const run = await batch([file, '--dir', dir]);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /unconfirmed/);
    assert.equal(creates().length, 0);
    await journal.recordIntent({ intent: 'e'.repeat(16), state: 'dismissed' });
  });

  it('claims of a process that cannot be seen (another host or container) hold while fresh, and age out', async () => {
    const dir = await realpath(await mkdtemp(join(world.workDir, 'foreign-')));
    const file = await writeLines(join(world.workDir, 'foreign.txt'), ['foreign claim']);
    const [item] = parseBatch('foreign claim\n', { model: DEFAULT_MODEL }).items;
    assert.ok(item);
    const claims = join(world.configDir, 'claims');
    await mkdir(claims, { recursive: true });
    const name = `${createHash('sha256').update(`${dir}\0${item.key}`).digest('hex').slice(0, 40)}.claim`;
    const claim = join(claims, name);
    await writeFile(claim, JSON.stringify({ owner: { pid: 77, host: 'another-host' }, at: Date.now() }));
    const held = await batch([file, '--dir', dir, '--timeout', '1s']);
    assert.equal(held.code, 5, held.stderr);
    assert.match(held.stderr, /in progress in another veo \(pid 77\)/);
    assert.equal(creates().length, 0);
    // Untouched for a minute: its holder stopped beating.
    const old = new Date(Date.now() - 60_000);
    await utimes(claim, old, old);
    const taken = await batch([file, '--dir', dir]);
    assert.equal(taken.code, 0, taken.stderr);
    assert.equal(creates().length, 1);
  });

  it('a saved file changed since, re-run: says so and --force fetches it again, nothing created twice', async () => {
    const file = await writeLines(join(world.workDir, 'changed.txt'), ['changed after saving']);
    const dir = join(world.workDir, 'changed');
    const first = await batch([file, '--dir', dir]);
    assert.equal(first.code, 0, first.stderr);
    const [path] = first.stdout.trim().split('\n');
    assert.ok(path);
    await truncate(path, 1000);
    const again = await batch([file, '--dir', dir]);
    assert.equal(again.code, 2, again.stderr);
    assert.match(again.stderr, /was saved by an earlier run but no longer holds the same bytes.*--force/);
    const forced = await batch([file, '--dir', dir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await sha(path), videoSha);
    assert.equal(creates().length, 1);
  });

  it('a batch file moved to another folder resumes its items instead of creating them again', async () => {
    const ws1 = join(world.workDir, 'ws1');
    const ws2 = join(world.workDir, 'ws2');
    await mkdir(ws1);
    const out = join(world.workDir, 'moved-out');
    const file = await writeLines(join(ws1, 'prompts.txt'), ['moved one', 'moved two', 'moved three']);
    const first = await batch([file, '--dir', out]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(creates().length, 3);
    await rename(ws1, ws2);
    world.sim.requests.length = 0;
    const again = await batch([join(ws2, 'prompts.txt'), '--dir', out]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(creates().length, 0, 'nothing created again');
    assert.match(again.stderr, /0 saved, 3 already saved/);
    // The same prompts read from stdin are the same items too.
    const piped = await batch(['-', '--dir', out], { input: 'moved one\nmoved two\nmoved three\n' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(creates().length, 0);
  });

  it('repeated lines are refused before anything is paid for; --allow-duplicates makes one clip per line', async () => {
    const file = await writeLines(join(world.workDir, 'dupes.txt'), ['a twin', 'a single', 'a twin']);
    const dir = join(world.workDir, 'dupes');
    for (const extra of [[], ['--dry-run']]) {
      const run = await batch([file, '--dir', dir, ...extra]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /line 3: asks for the same clip as line 1 \(--allow-duplicates/);
    }
    assert.equal(creates().length, 0);
    const dry = await batch([file, '--dir', dir, '--dry-run', '--allow-duplicates']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /Lines 3 \(as 1\) repeat an earlier line: each makes a clip of its own/);
    assert.match(dry.stderr, /for 3 new clips/);
    const run = await batch([file, '--dir', dir, '--allow-duplicates']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(creates().length, 3);
    assert.equal(new Set(run.stdout.trim().split('\n')).size, 3);
  });

  it('a journal that cannot be written: nothing is sent, exit 2 with a hint, for create, create -o and batch', async () => {
    const env = await freshConfig();
    // A folder where the journal file should be: no write can succeed, whoever runs the test.
    await mkdir(join(env.VEO_CONFIG_DIR, 'journal.jsonl'));
    const file = await writeLines(join(world.workDir, 'unjournaled.txt'), ['never paid']);
    const runs = [
      await world.veo(['create', 'never paid'], { env }),
      await world.veo(['create', 'never paid', '-o', join(world.workDir, 'never.mp4')], { env }),
      await batch([file, '--dir', join(world.workDir, 'never')], { env }),
      await world.veo(['--json', 'create', 'never paid'], { env }),
    ];
    for (const run of runs) {
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /Nothing was sent|JOURNAL_NOT_WRITABLE|cannot read the task journal/);
      assert.match(run.stderr, /VEO_CONFIG_DIR/);
    }
    assert.equal(creates().length, 0);
    await rm(env.VEO_CONFIG_DIR, { recursive: true, force: true });
  });

  it('SIGHUP during a create in flight: its answer is awaited and journaled, and the exit is 129', async () => {
    world.sim.inject('create', { kind: 'slow', ms: 800 }, 1);
    const path = join(world.workDir, 'hangup.mp4');
    const run = await world.veo(['create', 'terminal closed', '-o', path], { onStart: onCreate('SIGHUP') });
    assert.equal(run.code, 129, run.stderr);
    assert.match(run.stderr, /Stopping: waiting up to 10 s for the answer to the create request already sent/);
    assert.match(run.stderr, /^veo: error: Stopped: the terminal hung up \(SIGHUP\)/m);
    const task = world.sim.tasks().find((t) => t.prompt === 'terminal closed');
    assert.ok(task);
    assert.match(run.stderr, new RegExp(`Resume with: veo download ${task.id} -o ${path}`));
    const entry = (await listed()).find((e) => e.id === task.id);
    assert.ok(entry, 'the paid task is in the journal');
  });

  it('a terminal closed during a create in flight (a real pty): the answer is journaled, and the exit is 129', async (t) => {
    if (!hasPython) return t.skip('python3 is needed to drive a pseudo-terminal');
    world.sim.inject('create', { kind: 'slow', ms: 1500 }, 1);
    const path = join(world.workDir, 'pty-hangup.mp4');
    const child = spawn(
      'python3',
      [join(ROOT, 'test', 'helpers', 'hangup.py'), process.execPath, VEO, 'create', 'pty closed', '-o', path],
      {
        env: { ...process.env, ...world.env, TERM: 'xterm' },
        cwd: world.workDir,
      },
    );
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    await world.sim.waitForRequest((r) => r.route === 'create');
    child.stdin.write('\n');
    await once(child, 'close');
    const { code, shown } = JSON.parse(printed) as { code: number; shown: string };
    assert.equal(code, 129, shown);
    const task = world.sim.tasks().find((t) => t.prompt === 'pty closed');
    assert.ok(task);
    assert.ok(
      (await listed()).some((e) => e.id === task.id),
      'the paid task is in the journal',
    );
  });

  it('a second Ctrl-C during a create in flight says a billed task may exist, and list shows it as unconfirmed', async () => {
    const env = await freshConfig();
    world.sim.inject('create', { kind: 'stall' }, 1);
    let second = false;
    const run = await world.veo(['create', 'abandoned in flight'], {
      env: { ...env, VEO_REQUEST_TIMEOUT: '30' },
      onStart: onCreate('SIGINT'),
      onStderr: (text, child) => {
        // The first Ctrl-C is acknowledged at once; the second is sent once that is seen.
        if (!second && /Ctrl-C again quits at once/.test(text)) {
          second = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /a billed task may exist\. It is recorded in the journal as unconfirmed/);
    assert.equal(run.stdout, '');
    const entries = await listed(env);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.id, null);
    assert.equal(entries[0]?.state, 'unconfirmed');
    assert.equal(entries[0]?.prompt, 'abandoned in flight');
    const table = await world.veo(['list'], { env });
    assert.match(table.stdout, /^-\tunconfirmed\t[\dT:.-]+Z\tabandoned in flight\tanswer never came/m);
    // Every later command reminds of it, once.
    const reminded = await world.veo(['balance'], { env });
    assert.equal(reminded.code, 0, reminded.stderr);
    assert.match(reminded.stderr, /1 create request never got an answer: its task may exist/);
    // The same create again is refused before anything is paid for, unless the user says so.
    world.sim.requests.length = 0;
    const again = await world.veo(['create', 'abandoned in flight'], { env });
    assert.equal(again.code, 2, again.stderr);
    assert.match(again.stderr, /its answer never came: the task may exist and be billed\. Nothing was sent/);
    assert.match(again.stderr, /--retry-unconfirmed/);
    assert.equal(creates().length, 0);
    const insisted = await world.veo(['create', 'abandoned in flight', '--retry-unconfirmed'], { env });
    assert.equal(insisted.code, 0, insisted.stderr);
    assert.equal(creates().length, 1);
    assert.ok(!(await listed(env)).some((e) => e.state === 'unconfirmed'), 'the old create is settled');
    await rm(env.VEO_CONFIG_DIR, { recursive: true, force: true });
  });

  it('an ambiguous create failure is recorded as unconfirmed; a create refused outright leaves nothing behind', async () => {
    const env = await freshConfig();
    world.sim.inject('create', { kind: 'reset-after' }, 1);
    const reset = await world.veo(['create', 'reset after sending'], { env });
    assert.equal(reset.code, 7, reset.stderr);
    assert.match(reset.stderr, /recorded in the journal as unconfirmed/);
    world.sim.inject('create', { kind: 'reset-after' }, 1);
    const meant = join(world.workDir, 'meant.mp4');
    const resetSaving = await world.veo(['create', 'reset while saving', '-o', meant], { env });
    assert.equal(resetSaving.code, 7, resetSaving.stderr);
    assert.match(resetSaving.stderr, new RegExp(`veo download <id> -o ${meant}`));
    const made = world.sim.tasks().find((t) => t.prompt === 'reset while saving');
    assert.ok(made);
    const found = await world.veo(['result', made.id], { env });
    assert.match(found.stderr, new RegExp(`veo download ${made.id} -o ${meant}`));
    // A command that saves the video itself gets no hint to save it: at most where it was meant to go.
    for (const [prompt, output, said] of [
      ['reset, then waited for', 'meant-too.mp4', undefined],
      [
        'reset, then saved elsewhere',
        'elsewhere.mp4',
        /It was meant to go to .*meant-other\.mp4; this command saves it to .*elsewhere\.mp4\./,
      ],
    ] as const) {
      const own = await freshConfig();
      world.sim.inject('create', { kind: 'reset-after' }, 1);
      const intended = join(world.workDir, output === 'elsewhere.mp4' ? 'meant-other.mp4' : output);
      assert.equal((await world.veo(['create', prompt, '-o', intended], { env: own })).code, 7);
      const task = world.sim.tasks().find((t) => t.prompt === prompt);
      assert.ok(task);
      const path = join(world.workDir, output);
      const waited = await world.veo(['wait', task.id, '-o', path, '--interval', '0.05'], { env: own });
      assert.equal(waited.code, 0, waited.stderr);
      assert.match(waited.stderr, new RegExp(`Task ${task.id} is the task of the create`));
      assert.doesNotMatch(waited.stderr, /Save it where it was meant to go|veo download/);
      if (said) assert.match(waited.stderr, said);
      else assert.doesNotMatch(waited.stderr, /meant to go/);
      assert.equal(await sha(path), videoSha);
    }
    world.sim.configure({ balance: 0 });
    const poor = await world.veo(['create', 'not enough money'], { env });
    assert.equal(poor.code, 4, poor.stderr);
    const entries = await listed(env);
    assert.deepEqual(
      entries.filter((e) => e.state === 'unconfirmed').map((e) => e.prompt),
      ['reset after sending'],
    );
    assert.ok(!entries.some((e) => e.prompt === 'not enough money'), 'a create refused outright leaves nothing');
    await rm(env.VEO_CONFIG_DIR, { recursive: true, force: true });
  });

  it('a batch killed with its create in flight: the item is not created again unless --retry-unconfirmed', async () => {
    const file = await writeLines(join(world.workDir, 'killed.txt'), ['killed mid-create']);
    const dir = join(world.workDir, 'killed');
    world.sim.inject('create', { kind: 'stall' }, 1);
    const killed = await batch([file, '--dir', dir], {
      env: { VEO_REQUEST_TIMEOUT: '30' },
      onStart: onCreate('SIGKILL'),
    });
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(creates().length, 1);

    const dry = await batch([file, '--dir', dir, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /unconfirmed/);
    const again = await batch([file, '--dir', dir]);
    assert.equal(again.code, 7, again.stderr);
    assert.match(
      again.stderr,
      /1 item \(line 1\) had a create sent .*: it may exist and be billed, so it is not created again\..*creates it again\./,
    );
    assert.match(again.stderr, /--retry-unconfirmed/);
    assert.equal(creates().length, 1, 'not created again');

    const retried = await batch([file, '--dir', dir, '--retry-unconfirmed']);
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(creates().length, 2);
    const [path] = retried.stdout.trim().split('\n');
    assert.ok(path);
    assert.equal(await sha(path), videoSha);
    assert.ok(!(await listed()).some((e) => e.state === 'unconfirmed' && e.prompt === 'killed mid-create'));
  });

  it('an unconfirmed create is tied to its task once the user asks about it by id, and its batch item resumes', async () => {
    const file = await writeLines(join(world.workDir, 'adopted.txt'), ['found in the dashboard']);
    const dir = join(world.workDir, 'adopted');
    // The service makes the task, but the connection breaks before its answer arrives.
    world.sim.inject('create', { kind: 'reset-after' }, 1);
    const lost = await batch([file, '--dir', dir]);
    assert.equal(lost.code, 7, lost.stderr);
    assert.match(lost.stderr, /unconfirmed/);
    const task = world.sim.tasks().find((t) => t.prompt === 'found in the dashboard');
    assert.ok(task, 'the service did make it');
    assert.ok((await listed()).some((e) => e.state === 'unconfirmed' && e.prompt === 'found in the dashboard'));

    // The id, read off the dashboard, is all the user gives.
    const found = await world.veo(['result', task.id]);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stderr, new RegExp(`Task ${task.id} is the task of the create \\("found in the dashboard"\\)`));
    const entries = await listed();
    assert.ok(!entries.some((e) => e.state === 'unconfirmed' && e.prompt === 'found in the dashboard'));
    assert.equal(entries.find((e) => e.id === task.id)?.prompt, 'found in the dashboard');

    const resumed = await batch([file, '--dir', dir]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming ${task.id}`));
    assert.equal(creates().length, 1, 'never created again');
    const [path] = resumed.stdout.trim().split('\n');
    assert.ok(path);
    assert.equal(await sha(path), videoSha);
  });

  it('after a failure that follows a paid create, the hint continues that task instead of creating another', async () => {
    // Timed out while the task runs.
    world.sim.configure({ taskMs: 60_000 });
    const slowPath = join(world.workDir, 'slow.mp4');
    const timedOut = await world.veo(['create', 'too slow', '-o', slowPath, '--timeout', '1s', '--interval', '0.1']);
    assert.equal(timedOut.code, 5, timedOut.stderr);
    const slowId = world.sim.tasks().find((t) => t.prompt === 'too slow')?.id;
    assert.ok(slowId && ID.test(slowId));
    assert.match(timedOut.stderr, new RegExp(`veo download ${slowId} -o ${slowPath}`));

    // The link is gone by the time it is fetched.
    world.sim.configure({ taskMs: 50 });
    world.sim.inject('file', { kind: 'expired' });
    const expiredPath = join(world.workDir, 'expired.mp4');
    const expired = await world.veo(['create', 'link dies', '-o', expiredPath, '--interval', '0.05']);
    assert.equal(expired.code, 8, expired.stderr);
    const expiredId = world.sim.tasks().find((t) => t.prompt === 'link dies')?.id;
    assert.match(expired.stderr, new RegExp(`veo download ${expiredId} -o ${expiredPath}`));
    assert.match(expired.stderr, /running the same create again would pay for another/);
    world.sim.clearFaults();

    // A file appears at the output path while the task runs.
    world.sim.requests.length = 0;
    const takenPath = join(world.workDir, 'taken.mp4');
    const taken = await world.veo(['create', 'path taken', '-o', takenPath, '--interval', '0.05'], {
      onStart: () => {
        void world.sim.waitForRequest((r) => r.route === 'create').then(() => writeFile(takenPath, 'mine'));
      },
    });
    assert.equal(taken.code, 2, taken.stderr);
    const takenId = world.sim.tasks().find((t) => t.prompt === 'path taken')?.id;
    assert.match(taken.stderr, new RegExp(`veo download ${takenId} -o ${takenPath} --force`));
    assert.equal(await readFile(takenPath, 'utf8'), 'mine');
    assert.equal(creates().length, 1);
  });
});
