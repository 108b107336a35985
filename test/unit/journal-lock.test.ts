// The journal's lock: what a command meets when a lock file is already there, and links it must not follow.
// Each "taken" case records with a lock timeout shorter than the time any wrong wait would take, so a stall shows
// as a rejection, not as a slow test.
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startWriter, taskId, tempDir } from '../helpers/journal-fixtures.js';
import { Journal, JournalLinkError } from '../../src/store/journal.js';
import { UNVERIFIED_GRACE_MS } from '../../src/store/journal-lock.js';
import { deadPid, lockBody } from '../helpers/processes.js';
import { processStart } from '../../src/core/process-identity.js';

const linux = process.platform === 'linux';
// Shorter than UNVERIFIED_GRACE_MS: a lock taken within it was judged from its owner, not waited out.
const AT_ONCE_MS = 1000;
// The longest any lock may stall a command.
const STALL_MS = 2000;

async function recordsWithin(dir: string, timeoutMs: number, n = 1): Promise<void> {
  const journal = new Journal(dir, { lockTimeoutMs: timeoutMs });
  await journal.record({ id: taskId(n), status: 'idle' });
  assert.ok((await journal.get(taskId(n))) !== undefined);
  // The planted lock is gone, and nothing of ours is left behind.
  assert.deepEqual((await readdir(dir)).sort(), ['journal.jsonl', 'journal.summary.json']);
}

test('a lock whose owner process is gone is taken at once', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'journal.lock'), lockBody({ pid: await deadPid(), start: 12345 }));
  await recordsWithin(dir, AT_ONCE_MS);
});

test(
  'a lock whose pid now belongs to another process is taken at once',
  { skip: !linux && 'needs /proc' },
  async (t) => {
    const dir = await tempDir(t);
    const start = processStart(process.ppid);
    assert.ok(start !== undefined);
    // The parent runs, but it is not the process that wrote this lock: that one started at another moment.
    await writeFile(join(dir, 'journal.lock'), lockBody({ pid: process.ppid, start: start + 1 }));
    await recordsWithin(dir, AT_ONCE_MS);
  },
);

test('a lock dated in the future (a clock stepped back) does not stall', async (t) => {
  const dir = await tempDir(t);
  const lock = join(dir, 'journal.lock');
  const future = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  await writeFile(lock, lockBody({ pid: await deadPid(), start: 1, at: future.getTime() }));
  await utimes(lock, future, future);
  await recordsWithin(dir, AT_ONCE_MS, 1);
  // Nothing in it can be checked, and its time is a year ahead: waited out like any unverifiable lock.
  await writeFile(lock, '{"at": 99999999999999}');
  await utimes(lock, future, future);
  await recordsWithin(dir, STALL_MS, 2);
});

test('an empty or garbled lock file is taken within 2 s', async (t) => {
  const dir = await tempDir(t);
  const lock = join(dir, 'journal.lock');
  await writeFile(lock, '');
  await recordsWithin(dir, STALL_MS, 1);
  await writeFile(lock, '{"pid": 12');
  await recordsWithin(dir, STALL_MS, 2);
});

test('a lock of an older veo (no start time) whose pid runs is taken within 2 s', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'journal.lock'), lockBody({ pid: process.ppid }));
  await recordsWithin(dir, STALL_MS);
});

test('a lock naming this very thread is a leftover of an earlier process with the same pid', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'journal.lock'), lockBody({ pid: process.pid, start: processStart(process.pid) }));
  await recordsWithin(dir, AT_ONCE_MS);
});

test('a breaker left by a killed process does not keep a stale lock in place', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'journal.lock'), lockBody({ pid: await deadPid(), start: 1 }));
  await writeFile(join(dir, 'journal.lock.break'), lockBody({ pid: await deadPid(), start: 1 }));
  await recordsWithin(dir, AT_ONCE_MS);
});

test('a lock held by a live veo is waited for, past the grace given to unverifiable locks', async (t) => {
  const dir = await tempDir(t);
  const holder = startWriter(t, [dir, '--hold']);
  await holder.line('locked');
  const journal = new Journal(dir, { lockTimeoutMs: 60_000 });
  let recorded = false;
  const recording = journal.record({ id: taskId(1), status: 'idle' }).then(() => (recorded = true));
  // Nothing announces "still waiting": the only way to see a wait is to let time pass.
  await delay(UNVERIFIED_GRACE_MS + 1500);
  assert.equal(recorded, false, 'the record waited for the live holder');
  holder.child.stdin.write('go\n');
  await recording;
  await holder.line('released');
  assert.ok((await journal.get(taskId(1))) !== undefined);

  // Held too long: the error names the lock file.
  const again = startWriter(t, [dir, '--hold']);
  await again.line('locked');
  const impatient = new Journal(dir, { lockTimeoutMs: 200 });
  await assert.rejects(impatient.record({ id: taskId(2) }), (err: Error) => err.message.includes('journal.lock'));
  again.child.stdin.write('go\n');
  await again.line('released');
});

test('a lock whose holder is killed is taken at once', async (t) => {
  const dir = await tempDir(t);
  const holder = startWriter(t, [dir, '--hold']);
  await holder.line('locked');
  holder.child.kill('SIGKILL');
  await holder.closed;
  await recordsWithin(dir, AT_ONCE_MS);
});

test('a lock file is never seen empty while writers take and release it', async (t) => {
  const dir = await tempDir(t);
  const ids = Array.from({ length: 40 }, (_, i) => taskId(i));
  const writer = startWriter(t, [dir, ...ids]);
  const lock = join(dir, 'journal.lock');
  let seen = 0;
  let ended = false;
  void writer.closed.then(() => (ended = true));
  while (!ended) {
    const text = await readFile(lock, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    seen++;
    assert.notEqual(text, '', 'an empty lock file was seen');
    assert.equal(typeof (JSON.parse(text) as { pid?: unknown }).pid, 'number');
  }
  assert.equal((await writer.closed).code, 0);
  t.diagnostic(`lock read ${seen} times while held`);
  assert.equal((await new Journal(dir).load()).entries.length, ids.length);
});

test('a journal, lock or summary that is a symbolic link is refused, its target untouched', async (t) => {
  const dir = await tempDir(t);
  const elsewhere = await tempDir(t);
  const target = join(elsewhere, 'precious.txt');
  await writeFile(target, 'not a journal\n');
  await chmod(target, 0o644);
  const journal = new Journal(dir, { lockTimeoutMs: AT_ONCE_MS });

  await symlink(target, join(dir, 'journal.jsonl'));
  for (const attempt of [
    () => journal.record({ id: taskId(1), status: 'idle' }),
    () => journal.recordIntent({ intent: 'a'.repeat(16), state: 'sending' }),
    () => journal.checkWritable(),
    () => journal.load(),
    () => journal.get(taskId(1)),
    () => journal.recent(5),
    () => journal.expiring(3600_000),
  ]) {
    await assert.rejects(
      attempt,
      (err: unknown) => err instanceof JournalLinkError && err.message.includes('journal.jsonl'),
    );
  }
  assert.equal(await readFile(target, 'utf8'), 'not a journal\n');
  assert.equal((await stat(target)).mode & 0o777, 0o644);

  // A dangling link is refused too, and nothing is created where it points.
  const { rm } = await import('node:fs/promises');
  await rm(join(dir, 'journal.jsonl'));
  await symlink(join(elsewhere, 'nothing-here'), join(dir, 'journal.jsonl'));
  await assert.rejects(journal.record({ id: taskId(1) }), JournalLinkError);
  assert.deepEqual((await readdir(elsewhere)).sort(), ['precious.txt']);
  await rm(join(dir, 'journal.jsonl'));

  await symlink(target, join(dir, 'journal.lock'));
  await assert.rejects(
    journal.record({ id: taskId(1) }),
    (err: unknown) => err instanceof JournalLinkError && err.message.includes('journal.lock'),
  );
  assert.equal(await readFile(target, 'utf8'), 'not a journal\n');
  assert.equal((await stat(target)).mode & 0o777, 0o644);
  await rm(join(dir, 'journal.lock'));

  // The summary is a cache: a link there is replaced (never followed), and the journal works.
  await symlink(target, join(dir, 'journal.summary.json'));
  await journal.record({ id: taskId(1), status: 'done', url: 'https://s/1.mp4' });
  assert.deepEqual(await journal.expiring(48 * 3600_000), []);
  assert.equal(await readFile(target, 'utf8'), 'not a journal\n');
  assert.ok(
    !(await import('node:fs/promises').then((fs) => fs.lstat(join(dir, 'journal.summary.json')))).isSymbolicLink(),
  );
});
