// A journal that stays cheap as it grows: appends that never re-read it, compaction that is amortised, a summary
// that answers the expiry reminder, and `list --limit` that parses only what it shows, all agreeing with load().
import assert from 'node:assert/strict';
import { appendFile, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { taskId, tempDir } from '../helpers/journal-fixtures.js';
import { Journal, LINK_TTL_MS, type JournalEntry } from '../../src/store/journal.js';

const HOUR = 3600_000;

/** A task id created at `ms`, as the service makes them. */
function idAt(ms: number, n: number): string {
  return (
    Math.floor(ms / 1000)
      .toString(16)
      .padStart(8, '0') + n.toString(16).padStart(16, '0')
  );
}

/** Counts the bytes every FileHandle reads while `fn` runs. */
async function bytesReadDuring(dir: string, fn: () => Promise<void>): Promise<number> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as {
    read: (...args: unknown[]) => Promise<{ bytesRead: number }>;
    readFile: (...args: unknown[]) => Promise<Buffer | string>;
  };
  await probe.close();
  await rm(join(dir, 'probe'));
  const { read, readFile: readWhole } = proto;
  let total = 0;
  proto.read = async function (this: unknown, ...args: unknown[]) {
    const result = await read.apply(this, args);
    total += result.bytesRead;
    return result;
  };
  proto.readFile = async function (this: unknown, ...args: unknown[]) {
    const result = await readWhole.apply(this, args);
    total += result.length;
    return result;
  };
  try {
    await fn();
  } finally {
    proto.read = read;
    proto.readFile = readWhole;
  }
  return total;
}

test('an append never reads the journal it appends to, even when it marks a task done', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  const lines = Array.from({ length: 3000 }, (_, n) =>
    JSON.stringify({ id: taskId(n), at: 1, prompt: 'x'.repeat(300), status: 'processing' }),
  );
  await writeFile(journal.path, `${lines.join('\n')}\n`);
  await journal.record({ id: taskId(0), status: 'processing' }); // builds the summary once
  const size = (await stat(journal.path)).size;

  const read = await bytesReadDuring(dir, async () => {
    for (let n = 1; n <= 20; n++) {
      await journal.record({ id: taskId(n), status: 'done', url: `https://storage.example/${n}.mp4` });
      await journal.recordIntent({ intent: n.toString(16).padStart(16, '0'), state: 'sending' });
      await journal.checkWritable();
    }
  });
  assert.ok(read < size / 10, `20 appends read ${read} bytes of a ${size}-byte journal`);
  // And yet each of them knows when the task finished.
  const entry = await journal.get(taskId(7));
  assert.ok(entry?.doneAt !== undefined && entry.expiresAt !== undefined);
});

test('compaction is amortised: it waits until the journal has doubled since the last one', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir, { compactAtBytes: 1 });
  let appended = 0;
  let compactions = 0;
  let inode = -1;
  const read = await bytesReadDuring(dir, async () => {
    // Tasks come and go as in real use: each is created, polled, then saved.
    for (let n = 0; n < 1500; n++) {
      const task = Math.floor(n / 3);
      const patch =
        n % 3 === 0
          ? { id: taskId(task), status: 'idle', prompt: `prompt ${task}` }
          : n % 3 === 1
            ? { id: taskId(task), status: 'processing' }
            : { id: taskId(task), savedPath: `/v/${task}.mp4` };
      appended += JSON.stringify(patch).length + 20;
      await journal.record(patch);
      const now = (await stat(journal.path)).ino;
      if (inode !== -1 && now !== inode) compactions++;
      inode = now;
    }
  });
  t.diagnostic(`${compactions} compactions, ${read} bytes read for about ${appended} appended`);
  assert.ok(compactions >= 3, 'the journal was compacted as it grew');
  assert.ok(compactions <= 15, `compacted ${compactions} times: not on every append`);
  assert.ok(read < appended * 8, `read ${read} bytes for ${appended} appended: amortised`);
  const { entries } = await journal.load();
  assert.equal(entries.length, 500);
  assert.deepEqual(entries.find((e) => e.id === taskId(499))?.savedPath, '/v/499.mp4');
});

test('doneAt is when the task was first seen done with a link, however many processes saw it', async (t) => {
  const dir = await tempDir(t);
  let now = Date.UTC(2025, 5, 1);
  const a = new Journal(dir, { now: () => now });
  const b = new Journal(dir, { now: () => now });
  const id = taskId(1);
  await a.record({ id, status: 'processing' });
  now += 60_000;
  await a.record({ id, status: 'done', url: 'https://s/1.mp4' });
  now += 60_000;
  await b.record({ id, status: 'done', url: 'https://s/1.mp4' });
  const entry = await a.get(id);
  assert.equal(entry?.doneAt, new Date(Date.UTC(2025, 5, 1) + 60_000).toISOString());
  assert.equal(entry?.expiresAt, new Date(Date.UTC(2025, 5, 1) + 60_000 + LINK_TTL_MS).toISOString());
  // A later statement of an earlier doneAt wins; a later one does not.
  await b.record({ id, doneAt: '2025-05-31T00:00:00.000Z' });
  await b.record({ id, doneAt: '2025-06-02T00:00:00.000Z' });
  assert.equal((await a.get(id))?.doneAt, '2025-05-31T00:00:00.000Z');
  assert.equal((await a.get(id))?.expiresAt, '2025-06-02T00:00:00.000Z');
  // Compaction keeps it.
  await a.compact();
  assert.equal((await b.get(id))?.doneAt, '2025-05-31T00:00:00.000Z');
});

function randomJournal(seed: number, count: number): { lines: string[]; base: number } {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const base = Date.UTC(2025, 0, 1);
  const ids = Array.from({ length: count }, (_, n) => idAt(base + Math.floor(random() * 1000) * HOUR, n));
  const lines: string[] = [];
  for (let k = 0; k < count * 4; k++) {
    const id = ids[Math.floor(random() * count)] as string;
    const at = base + k * 1000;
    const roll = random();
    if (roll < 0.25)
      lines.push(
        JSON.stringify({ id, at, createdAt: new Date(base + random() * 1e10).toISOString(), prompt: `p${k}` }),
      );
    else if (roll < 0.35)
      // As an older veo wrote it: createdAt after other fields.
      lines.push(
        JSON.stringify({ id, at, prompt: `old ${k}`, createdAt: new Date(base + random() * 1e10).toISOString() }),
      );
    else if (roll < 0.55) lines.push(JSON.stringify({ id, at, status: 'processing' }));
    else if (roll < 0.7) lines.push(JSON.stringify({ id, at, status: 'done', url: `https://s/${id}.mp4` }));
    else if (roll < 0.8) lines.push(JSON.stringify({ id, at, savedPath: `/v/${k}.mp4` }));
    else if (roll < 0.85) lines.push(JSON.stringify({ id, at, status: 'failed', reason: 'no' }));
    else if (roll < 0.88) {
      const state = ['sending', 'unconfirmed', 'void', 'dismissed', 'sending'][Math.floor(random() * 5)];
      const intent = Math.floor(random() * count)
        .toString(16)
        .padStart(16, '0');
      lines.push(JSON.stringify({ intent, at, state, prompt: `intent ${k}`, startedAt: new Date(at).toISOString() }));
    } else if (roll < 0.9)
      lines.push(
        JSON.stringify({
          id,
          at,
          intent: Math.floor(random() * count)
            .toString(16)
            .padStart(16, '0'),
        }),
      );
    else if (roll < 0.93)
      lines.push(`{"id":"${id}","at":${at},"createdAt":"2025-01-0`); // torn
    else if (roll < 0.95) lines.push(JSON.stringify({ id, at, createdAt: '2025-03-01T10:00:00+02:00' }));
    else lines.push(JSON.stringify({ id, at, model: 'm', bytes: k }));
  }
  return { lines, base };
}

test('list --limit (recent) shows what a full load would, in the same order, with the damage reported', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const { lines } = randomJournal(seed, 60);
    await writeFile(journal.path, `${lines.join('\n')}\n`);
    await rm(join(dir, 'journal.summary.json'), { force: true });
    const full = await journal.load();
    const filters: [string, (e: JournalEntry) => boolean][] = [
      ['all', () => true],
      ['done', (e) => e.status === 'done'],
      ['unsaved', (e) => e.savedPath === undefined],
    ];
    for (const [name, accept] of filters) {
      for (const limit of [1, 5, 20, 1000]) {
        const recent = await journal.recent(limit, accept);
        const expected = full.entries.filter(accept).slice(-limit);
        assert.deepEqual(recent.entries, expected, `seed ${seed}, ${name}, limit ${limit}`);
        assert.equal(recent.total, full.entries.length);
      }
    }
    const recent = await journal.recent(3);
    assert.deepEqual(
      recent.damaged.map((d) => [d.line, d.problem]),
      full.damaged.map((d) => [d.line, d.problem]),
    );
    // Open create intents, for list and the reminder, as a full load finds them.
    const byStart = (list: { intent: string }[]): string[] => list.map((i) => i.intent).sort();
    assert.ok(full.intents.length > 0);
    assert.deepEqual(byStart(recent.intents), byStart(full.intents));
    assert.deepEqual(recent.intents.map((i) => i.state).sort(), full.intents.map((i) => i.state).sort());
    assert.deepEqual(byStart((await journal.glance(3600_000)).intents), byStart(full.intents));
  }
});

test('the expiry reminder reads the summary, which catches up, and is rebuilt when made from another file', async (t) => {
  const dir = await tempDir(t);
  let now = Date.now();
  const journal = new Journal(dir, { now: () => now });
  const soon = idAt(now - 40 * HOUR, 1);
  const later = idAt(now - 2 * HOUR, 2);
  const saved = idAt(now - 41 * HOUR, 3);
  const within = 12 * HOUR;
  now -= 39 * HOUR;
  await journal.record({ id: soon, status: 'done', url: 'https://s/a.mp4' });
  await journal.record({ id: saved, status: 'done', url: 'https://s/c.mp4' });
  now += 38 * HOUR;
  await journal.record({ id: later, status: 'done', url: 'https://s/b.mp4' });
  await journal.record({ id: saved, savedPath: '/v/c.mp4' });
  now += HOUR;
  assert.deepEqual(
    (await journal.expiring(within)).map((v) => v.id),
    [soon],
  );
  assert.deepEqual(
    (await journal.expiring(48 * HOUR)).map((v) => v.id),
    [soon, later],
  );

  // Lines appended by an older veo, which knows nothing of the summary: read from where the summary stops.
  await appendFile(journal.path, `${JSON.stringify({ id: soon, at: now, savedPath: '/v/a.mp4' })}\n`);
  assert.deepEqual(await journal.expiring(within), []);

  // The same size and inode, other content (replaced in place): told by its last bytes, and rebuilt.
  const text = await readFile(journal.path, 'utf8');
  await writeFile(
    journal.path,
    text
      .replace('/v/a.mp4', '/v/A.mp4')
      .replace(`"id":"${soon}","at":${now},"savedPath"`, `"id":"${soon}","at":${now},"savedPeth"`),
  );
  assert.deepEqual(
    (await journal.expiring(within)).map((v) => v.id),
    [soon],
  );

  // No summary at all: rebuilt from the journal, with the same answer.
  await rm(join(dir, 'journal.summary.json'));
  assert.deepEqual(
    (await journal.expiring(within)).map((v) => v.id),
    [soon],
  );
  // A damaged summary too.
  await writeFile(join(dir, 'journal.summary.json'), '{"v":1,');
  assert.deepEqual(
    (await journal.expiring(within)).map((v) => v.id),
    [soon],
  );
  // Past its link's life it is no longer worth a reminder.
  now += 10 * HOUR;
  assert.deepEqual(await journal.expiring(within), []);
  assert.deepEqual(
    (await journal.expiring(48 * HOUR)).map((v) => v.id),
    [later],
  );
});

test('list --limit reads a journal longer than its read buffer, with a line longer than the buffer', async (t) => {
  const dir = await tempDir(t);
  const journal = new Journal(dir);
  const { lines } = randomJournal(7, 5000);
  // About 2 MiB, so lines are cut at the end of each 1 MiB read; one line alone is longer than a read.
  lines.splice(
    7000,
    0,
    JSON.stringify({ id: idAt(Date.UTC(2030, 0, 1), 99999), at: 1, prompt: 'y'.repeat(1_500_000) }),
  );
  await writeFile(journal.path, `${lines.join('\n')}\n`);
  assert.ok((await stat(journal.path)).size > 2.5 * 1024 * 1024);
  const full = await journal.load();
  for (const limit of [1, 50, 3000]) {
    const recent = await journal.recent(limit);
    assert.deepEqual(recent.entries, full.entries.slice(-limit), `limit ${limit}`);
    assert.equal(recent.total, full.entries.length);
  }
  assert.equal((await journal.recent(1)).entries[0]?.prompt?.length, 1_500_000);
});
