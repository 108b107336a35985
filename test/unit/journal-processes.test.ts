// The journal shared by several `veo` processes, and a process killed while it writes.
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startWriter, taskId, tempDir } from '../helpers/journal-fixtures.js';
import { Journal } from '../../src/store/journal.js';

test('twelve and more processes recording at once, some compacting, lose nothing', { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t);
  const processes = 14;
  const idsPer = 3;
  const ids = (p: number): string[] => Array.from({ length: idsPer }, (_, i) => taskId(p * idsPer + i));
  const writers = Array.from({ length: processes }, (_, p) =>
    // Half of them compact whenever the file would halve, so renames race with the others' appends.
    startWriter(t, [dir, '--wait-go', ...(p % 2 === 0 ? ['--compact-at', '1'] : []), ...ids(p)]),
  );
  // Node and tsx start slowly on a loaded machine; start the writing only once all are ready.
  await Promise.all(writers.map((w) => w.line('ready')));
  for (const w of writers) w.child.stdin.end('go\n');
  for (const { code, signal, stderr } of await Promise.all(writers.map((w) => w.closed))) {
    assert.deepEqual([code, signal], [0, null], stderr);
  }

  const { entries, damaged } = await new Journal(dir).load();
  assert.deepEqual(damaged, []);
  const all = Array.from({ length: processes }, (_, p) => ids(p)).flat();
  assert.deepEqual(entries.map((e) => e.id).sort(), all.sort());
  for (const e of entries) {
    assert.equal(e.status, 'done', e.id);
    assert.equal(e.url, `https://storage.example/${e.id}.mp4`);
    assert.equal(e.prompt, `prompt of ${e.id}`);
    assert.deepEqual(e.batch, { file: 'prompts.txt', key: `line-${e.id}` });
    assert.ok(e.doneAt !== undefined && e.expiresAt !== undefined, e.id);
  }
  const lines = (await readFile(join(dir, 'journal.jsonl'), 'utf8')).split('\n').filter(Boolean);
  assert.ok(lines.length < all.length * 3, `compaction ran (${lines.length} lines for ${all.length * 3} records)`);
  assert.deepEqual((await readdir(dir)).sort(), ['journal.jsonl', 'journal.summary.json']);
});

test(
  'a writer killed in the middle of a large record leaves earlier records intact',
  { timeout: 120_000 },
  async (t) => {
    const dir = await tempDir(t);
    const journal = new Journal(dir);
    await journal.record({ id: taskId(1), status: 'done', url: 'https://storage.example/1.mp4', prompt: 'one' });
    await journal.record({ id: taskId(2), status: 'processing', prompt: 'two' });
    const before = await journal.load();
    const sizeBefore = (await stat(journal.path)).size;

    const big = 48 * 1024 * 1024;
    const writer = startWriter(t, [dir, '--big', String(big), taskId(3)]);
    await writer.line('big');
    // Kill as soon as the file grows, so that the write is most likely still going on. Whatever
    // moment the kill hits (before, during or after the write), the checks below must hold.
    while (writer.child.exitCode === null && writer.child.signalCode === null) {
      if ((await stat(journal.path)).size > sizeBefore) {
        writer.child.kill('SIGKILL');
        break;
      }
    }
    await writer.closed; // exited and reaped: its lock, if it held it, now belongs to a dead pid

    const killed = await journal.load();
    assert.deepEqual(killed.entries.slice(0, 2), before.entries);
    const third = killed.entries[2];
    const outcome =
      third !== undefined ? 'written whole' : killed.damaged.length > 0 ? 'torn mid-line' : 'killed before writing';
    t.diagnostic(`the kill left the large record ${outcome} (${(await stat(journal.path)).size - sizeBefore} bytes)`);
    if (third !== undefined) assert.equal(third.prompt?.length, big);
    assert.ok(killed.damaged.length <= 1);
    if (killed.damaged.length === 1) {
      assert.equal(killed.damaged[0]?.line, 3);
      assert.match(killed.damaged[0]?.problem ?? '', /incomplete last line/);
    }

    await journal.record({ id: taskId(4), status: 'idle', prompt: 'four' });
    const after = await journal.load();
    assert.deepEqual(after.entries.slice(0, 2), before.entries);
    assert.equal(after.entries.at(-1)?.prompt, 'four');
    assert.equal(after.entries.length, killed.entries.length + 1);
    assert.deepEqual(
      after.damaged.map((d) => [d.line, d.text]),
      killed.damaged.map((d) => [d.line, d.text]),
    );
    assert.deepEqual((await readdir(dir)).sort(), ['journal.jsonl', 'journal.summary.json']);
  },
);
