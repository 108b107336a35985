import assert from 'node:assert/strict';
import { appendFile, chmod, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { threadId } from 'node:worker_threads';
import { taskId, tempDir } from '../helpers/journal-fixtures.js';
import { deadPid } from '../helpers/processes.js';
import { Journal, LINK_TTL_MS, linkExpiry, type JournalEntry } from '../../src/store/journal.js';

const posix = process.platform !== 'win32';
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function clock(start = T0): { now: () => number; set: (ms: number) => void } {
  let ms = start;
  return { now: () => ms, set: (next) => (ms = next) };
}

const iso = (ms: number): string => new Date(ms).toISOString();

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
}

test('a missing journal, or a missing folder, loads as empty', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(join(dir, 'not', 'yet'));
  assert.deepEqual(await journal.load(), { entries: [], damaged: [], intents: [] });
  assert.equal(await journal.get(taskId(1)), undefined);
  assert.equal(journal.path, join(dir, 'not', 'yet', 'journal.jsonl'));
});

test('record appends patches that merge by id; undefined never erases', async (t) => {
  const dir = await tempDir(t);
  const c = clock();
  const journal = new Journal(dir, { now: c.now });
  const id = taskId(1);
  await journal.record({
    id,
    model: 'glabs-veo-3-1-fast',
    prompt: 'a red fox in the snow',
    params: { ar: '16:9' },
    createdAt: iso(T0),
    status: 'idle',
    url: null,
  });
  c.set(T0 + 5000);
  await journal.record({ id, status: 'processing', prompt: undefined, url: undefined });

  const expected: JournalEntry = {
    id,
    model: 'glabs-veo-3-1-fast',
    prompt: 'a red fox in the snow',
    params: { ar: '16:9' },
    createdAt: iso(T0),
    status: 'processing',
    url: null,
    updatedAt: iso(T0 + 5000),
  };
  assert.deepEqual(await journal.get(id), expected);
  // Another instance (another process, in real life) sees the same state.
  assert.deepEqual(await new Journal(dir).get(id), expected);

  const written = (await lines(journal.path)).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(written.length, 2);
  assert.deepEqual(written[1], { id, at: T0 + 5000, status: 'processing' });
});

test('load sorts by createdAt, and by the time in the id when createdAt is unknown', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  const late = taskId(1);
  const early = taskId(2);
  const seenByResult = `00000001${'0'.repeat(16)}`; // ObjectId time 1 s after the epoch
  await journal.record({ id: late, createdAt: '2025-03-01T00:00:00.000Z' });
  await journal.record({ id: early, createdAt: '2025-01-01T00:00:00.000Z' });
  await journal.record({ id: seenByResult, status: 'done' });
  const { entries } = await journal.load();
  assert.deepEqual(
    entries.map((e) => e.id),
    [seenByResult, early, late],
  );
});

test('a late report of a running task does not undo a finished one', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  const id = taskId(3);
  await journal.record({ id, status: 'done', url: 'https://storage.example/v.mp4' });
  await journal.record({ id, status: 'processing', url: null });
  const entry = await journal.get(id);
  assert.equal(entry?.status, 'done');
  assert.equal(entry?.url, 'https://storage.example/v.mp4');
  // A status outside the running ones still wins: the journal does not interpret it.
  await journal.record({ id, status: 'expired' });
  assert.equal((await journal.get(id))?.status, 'expired');
});

test('record rejects what load would call damaged, and writes nothing', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  await assert.rejects(journal.record({ id: 'ABC' }), /task id/);
  await assert.rejects(journal.record({ id: taskId(1), bytes: -1 }), /bytes/);
  await assert.rejects(journal.record({ id: taskId(1), createdAt: 'yesterday' }), /createdAt/);
  await assert.rejects(stat(journal.path), { code: 'ENOENT' });
});

test('the folder is created 0700 and the journal is 0600', { skip: !posix }, async (t) => {
  const dir = join(await tempDir(t), 'config', 'veo');
  const journal = new Journal(dir);
  await journal.record({ id: taskId(1), status: 'idle' });
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await stat(journal.path)).mode & 0o777, 0o600);

  // A journal someone left readable by others is closed up on the next record.
  await chmod(journal.path, 0o644);
  await journal.record({ id: taskId(1), status: 'processing' });
  assert.equal((await stat(journal.path)).mode & 0o777, 0o600);

  // So is one replaced by compaction.
  for (let i = 0; i < 4; i++) await journal.record({ id: taskId(1), bytes: i });
  await journal.compact();
  assert.equal((await lines(journal.path)).length, 1);
  assert.equal((await stat(journal.path)).mode & 0o777, 0o600);
});

test('done with a url sets doneAt and expiresAt once, when first seen', async (t) => {
  const dir = await tempDir(t);
  const c = clock();
  const journal = new Journal(dir, { now: c.now });
  const id = taskId(1);
  await journal.record({ id, status: 'idle', url: null, createdAt: iso(T0) });
  c.set(T0 + 60_000);
  await journal.record({ id, status: 'done', url: null }); // done without a link yet: nothing to expire
  assert.equal((await journal.get(id))?.doneAt, undefined);

  c.set(T0 + 70_000);
  await journal.record({ id, url: 'https://storage.example/a.mp4' });
  let entry = await journal.get(id);
  assert.equal(entry?.doneAt, iso(T0 + 70_000));
  assert.equal(entry?.expiresAt, iso(T0 + 70_000 + LINK_TTL_MS));

  c.set(T0 + 3_600_000);
  await journal.record({ id, status: 'done', url: 'https://storage.example/a.mp4' });
  entry = await journal.get(id);
  assert.equal(entry?.doneAt, iso(T0 + 70_000));
  assert.equal(entry?.expiresAt, iso(T0 + 70_000 + LINK_TTL_MS));
  assert.equal(entry?.updatedAt, iso(T0 + 3_600_000));

  // Seen done straight away (veo result of a task created elsewhere).
  await journal.record({ id: taskId(2), status: 'done', url: 'https://storage.example/b.mp4' });
  assert.equal((await journal.get(taskId(2)))?.doneAt, iso(T0 + 3_600_000));

  // A failed task has no link to expire.
  await journal.record({ id: taskId(3), status: 'failed', reason: 'moderation' });
  assert.equal((await journal.get(taskId(3)))?.doneAt, undefined);

  // A caller that knows doneAt gets the matching expiresAt.
  await journal.record({ id: taskId(4), status: 'done', url: 'https://s/c.mp4', doneAt: '2025-02-01T00:00:00.000Z' });
  assert.equal((await journal.get(taskId(4)))?.expiresAt, '2025-02-03T00:00:00.000Z');
});

test('linkExpiry is 48 hours after doneAt', () => {
  assert.equal(LINK_TTL_MS, 172_800_000);
  assert.equal(linkExpiry('2025-01-01T00:00:00.000Z'), '2025-01-03T00:00:00.000Z');
  assert.equal(linkExpiry(new Date(T0)), iso(T0 + 48 * 3600 * 1000));
  assert.throws(() => linkExpiry('soon'), RangeError);
});

test('an intent stays open until a task line completes it, or it is voided or dismissed', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir, { compactAtBytes: 1 });
  const owner = { pid: 4242, host: 'h' };
  for (const intent of ['a'.repeat(16), 'b'.repeat(16), 'c'.repeat(16), 'd'.repeat(16)]) {
    await journal.recordIntent({
      intent,
      state: 'sending',
      prompt: `p ${intent[0]}`,
      owner,
      batch: { key: 'k', dir: '/o' },
    });
  }
  await journal.record({ id: taskId(1), createdAt: iso(T0), intent: 'a'.repeat(16) });
  await journal.recordIntent({ intent: 'b'.repeat(16), state: 'void', reason: 'balance' });
  await journal.recordIntent({ intent: 'c'.repeat(16), state: 'unconfirmed', reason: 'reset' });
  // A late 'sending' never revives a settled intent.
  await journal.recordIntent({ intent: 'c'.repeat(16), state: 'sending' });
  const { intents, entries } = await journal.load();
  assert.deepEqual(
    intents.map((i) => [i.intent[0], i.state, i.prompt, i.batch?.key]),
    [
      ['c', 'unconfirmed', 'p c', 'k'],
      ['d', 'sending', 'p d', 'k'],
    ],
  );
  assert.equal(entries[0]?.intent, 'a'.repeat(16));
  await journal.recordIntent({ intent: 'd'.repeat(16), state: 'dismissed' });
  assert.deepEqual(
    (await journal.load()).intents.map((i) => i.intent[0]),
    ['c'],
  );
  // Compaction kept the open intent and dropped the settled ones.
  await journal.compact();
  const text = await readFile(journal.path, 'utf8');
  assert.ok(text.includes('"intent":"cccccccccccccccc"'));
  assert.ok(!text.includes('"intent":"bbbbbbbbbbbbbbbb"'));
});

test('an intent that is not valid is refused before anything is written', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  await assert.rejects(journal.recordIntent({ intent: 'nope' }), /invalid journal record for intent nope/);
  assert.deepEqual(await journal.load(), { entries: [], damaged: [], intents: [] });
});

test('damaged lines are reported with their line numbers, skipped, and kept through compaction', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir, { compactAtBytes: 1 });
  const good = (n: number, fields: object): string => JSON.stringify({ id: taskId(n), at: T0, ...fields });
  const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
  const damagedTexts = ['{"id": "6650a1b2', '[1,2]', good(2, { bytes: '12' }), '{"id":"XYZ","at":1}'];
  await writeFile(
    journal.path,
    Buffer.concat([
      Buffer.from(
        [good(1, { status: 'idle', prompt: 'p' }), damagedTexts[0], damagedTexts[1], '', damagedTexts[2]].join('\n') +
          '\n',
      ),
      invalidUtf8,
      Buffer.from(`\n${damagedTexts[3]}\n${good(1, { status: 'processing' })}\n`),
    ]),
  );

  const first = await journal.load();
  assert.deepEqual(
    first.entries.map((e) => [e.id, e.status, e.prompt]),
    [[taskId(1), 'processing', 'p']],
  );
  assert.deepEqual(
    first.damaged.map((d) => d.line),
    [2, 3, 5, 6, 7],
  );
  assert.match(first.damaged[0]?.problem ?? '', /not JSON/);
  assert.match(first.damaged[1]?.problem ?? '', /object/);
  assert.match(first.damaged[2]?.problem ?? '', /bytes/);
  assert.match(first.damaged[3]?.problem ?? '', /UTF-8/);
  assert.match(first.damaged[4]?.problem ?? '', /task id/);
  assert.deepEqual(
    first.damaged.map((d) => d.text).filter((_, i) => i !== 3),
    damagedTexts,
  );

  for (let i = 0; i < 12; i++) await journal.record({ id: taskId(1), bytes: i });
  await journal.compact();
  const after = await journal.load();
  assert.ok((await lines(journal.path)).length <= 7, 'the journal was compacted');
  assert.deepEqual(
    after.damaged.map((d) => [d.text, d.problem]),
    first.damaged.map((d) => [d.text, d.problem]),
  );
  const bytes = await readFile(journal.path);
  for (const text of damagedTexts) assert.ok(bytes.includes(Buffer.from(`${text}\n`)), `kept: ${text}`);
  assert.ok(bytes.includes(invalidUtf8), 'the invalid UTF-8 line is kept byte for byte');
  assert.deepEqual(
    after.entries.map((e) => [e.id, e.status, e.prompt, e.bytes]),
    [[taskId(1), 'processing', 'p', 11]],
  );
});

test('a torn last line is reported, and the next record starts on a line of its own', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  await journal.record({ id: taskId(1), status: 'idle', prompt: 'one' });
  await journal.record({ id: taskId(2), status: 'idle', prompt: 'two' });
  const torn = JSON.stringify({ id: taskId(3), at: T0, prompt: 'three, cut short by a crash' }).slice(0, 40);
  await appendFile(journal.path, torn);

  const crashed = await journal.load();
  assert.deepEqual(
    crashed.entries.map((e) => e.prompt),
    ['one', 'two'],
  );
  assert.equal(crashed.damaged.length, 1);
  assert.deepEqual([crashed.damaged[0]?.line, crashed.damaged[0]?.text], [3, torn]);
  assert.match(crashed.damaged[0]?.problem ?? '', /incomplete last line/);

  await journal.record({ id: taskId(4), status: 'idle', prompt: 'four' });
  const { entries, damaged } = await journal.load();
  assert.deepEqual(
    entries.map((e) => e.prompt),
    ['one', 'two', 'four'],
  );
  assert.deepEqual(
    damaged.map((d) => [d.line, d.text]),
    [[3, torn]],
  );
});

test('compaction keeps every entry as it was and leaves no temp files', async (t) => {
  const dir = await tempDir(t);
  const c = clock();
  const plain = new Journal(dir, { now: c.now });
  for (let n = 1; n <= 5; n++) {
    for (const status of ['idle', 'processing', 'done']) {
      c.set(c.now() + 1000);
      await plain.record({
        id: taskId(n),
        status,
        createdAt: iso(T0 + n),
        url: status === 'done' ? `https://s/${n}` : null,
      });
    }
  }
  const before = await plain.load();
  assert.equal((await lines(plain.path)).length, 15);

  await writeFile(join(dir, 'journal.jsonl.0badc0ffee00.tmp'), 'left by a compaction that crashed');
  const compacting = new Journal(dir, { now: c.now, compactAtBytes: 1 });
  c.set(c.now() + 1000);
  await compacting.record({ id: taskId(1), savedPath: '/videos/1.mp4' });
  assert.equal((await lines(plain.path)).length, 5);
  const after = await plain.load();
  assert.deepEqual(after.entries.slice(1), before.entries.slice(1));
  assert.deepEqual(after.entries[0], { ...before.entries[0], savedPath: '/videos/1.mp4', updatedAt: iso(c.now()) });
  assert.deepEqual((await readdir(dir)).sort(), ['journal.jsonl', 'journal.summary.json']);
});

test('fields written by a newer veo survive compaction by this one', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir, { compactAtBytes: 1 });
  await writeFile(
    journal.path,
    `${JSON.stringify({ id: taskId(1), at: T0, cost: 49, params: { ar: '1:1', seed: 7 } })}\n`,
  );
  for (let i = 0; i < 3; i++) await journal.record({ id: taskId(1), bytes: i });
  assert.equal((await lines(journal.path)).length, 1);
  const entry = (await journal.get(taskId(1))) as JournalEntry & { cost?: number };
  assert.equal(entry.cost, 49);
  assert.deepEqual(entry.params, { ar: '1:1', seed: 7 });
});

test('concurrent records in one process all land, with compaction going on', async (t) => {
  const dir = await tempDir(t);
  const a = new Journal(dir, { compactAtBytes: 2000 });
  const b = new Journal(dir);
  await Promise.all(
    Array.from({ length: 40 }, (_, n) => {
      const id = taskId(n % 20);
      const patch = n < 20 ? { id, prompt: `p${n}`, status: `v${n}` } : { id, savedPath: `v${n}` };
      return (n % 2 ? a : b).record(patch);
    }),
  );
  const { entries, damaged } = await a.load();
  assert.equal(damaged.length, 0);
  assert.equal(entries.length, 20);
  for (const e of entries) {
    const n = parseInt(e.id.slice(8), 16);
    assert.deepEqual([e.prompt, e.status, e.savedPath], [`p${n}`, `v${n}`, `v${n + 20}`]);
  }
});

function lockBody(pid: number, at = Date.now(), thread = 0): string {
  return JSON.stringify({ pid, thread, host: hostname(), at, nonce: 'test' });
}

test('a lock left by a process that is gone is taken over', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir, { lockTimeoutMs: 60_000 });
  await writeFile(join(dir, 'journal.lock'), lockBody(await deadPid()));
  await journal.record({ id: taskId(1), status: 'idle' });
  // Our own pid and thread: a previous process that had the same pid (pid 1 in a container).
  await writeFile(join(dir, 'journal.lock'), lockBody(process.pid, Date.now(), threadId));
  await journal.record({ id: taskId(2), status: 'idle' });
  assert.equal((await journal.load()).entries.length, 2);
  assert.deepEqual((await readdir(dir)).sort(), ['journal.jsonl', 'journal.summary.json']);
});

test('a lock held by a live process is waited for, and reported by path when it is held too long', async (t) => {
  const dir = await tempDir(t);
  const lock = join(dir, 'journal.lock');
  const journal = new Journal(dir, { lockTimeoutMs: 200 });
  await writeFile(lock, lockBody(process.ppid));
  const err = await journal.record({ id: taskId(1), status: 'idle' }).then(
    () => assert.fail('record should have waited for the lock'),
    (e: unknown) => e as Error,
  );
  assert.ok(err instanceof Error);
  assert.ok(err.message.includes(lock), err.message);
  await assert.rejects(stat(journal.path), { code: 'ENOENT' });

  // Released while a record waits: the record goes through.
  await writeFile(lock, lockBody(process.ppid));
  const patient = new Journal(dir, { lockTimeoutMs: 60_000 });
  const waiting = patient.record({ id: taskId(1), status: 'idle' });
  await rm(lock);
  await waiting;

  // Alive but hours old: a pid reused since, or a lock from a crash on another host.
  await writeFile(lock, lockBody(process.ppid, Date.now() - 3_600_000));
  await patient.record({ id: taskId(2), status: 'idle' });
  // Unreadable (its owner died between creating and writing it) and old.
  await writeFile(lock, '');
  const old = new Date(Date.now() - 3_600_000);
  await utimes(lock, old, old);
  await patient.record({ id: taskId(3), status: 'idle' });
  assert.equal((await patient.load()).entries.length, 3);
});

test('an unreadable journal rejects with an Error naming the path', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  await mkdir(journal.path); // readable by nobody, root included
  for (const attempt of [
    () => journal.load(),
    () => journal.record({ id: taskId(1) }),
    () => journal.get(taskId(1)),
    () => journal.recent(5),
    () => journal.expiring(3600_000),
  ]) {
    await assert.rejects(attempt, (err: unknown) => err instanceof Error && err.message.includes(journal.path));
  }
});

test(
  'a journal without read permission rejects with an Error naming the path',
  { skip: !posix || process.getuid?.() === 0 },
  async (t) => {
    const dir = await tempDir(t);
    const journal = new Journal(dir);
    await journal.record({ id: taskId(1) });
    await chmod(journal.path, 0);
    await assert.rejects(
      journal.load(),
      (err: unknown) => err instanceof Error && err.message.includes(journal.path) && /EACCES/.test(err.message),
    );
  },
);
