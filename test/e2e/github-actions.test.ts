import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { KEY, useWorld, type RunResult } from '../helpers/cli.js';
import { markdownTables, type MarkdownTable } from '../helpers/markdown-tables.js';

const ID = /^[0-9a-f]{24}$/;
const PRICE = '49 RUB';

/** The annotation lines of a run's stderr. */
const annotations = (run: RunResult) => run.stderr.split('\n').filter((line) => line.startsWith('::'));

/** The table of the summary's section that starts with `heading`. */
function tableAfter(summary: string, heading: RegExp): MarkdownTable {
  const at = summary.search(heading);
  assert.ok(at >= 0, `no section ${heading} in:\n${summary}`);
  const next = summary.indexOf('\n### ', at + 1);
  const [table] = markdownTables(summary.slice(at, next < 0 ? undefined : next));
  assert.ok(table, `the section ${heading} has no table:\n${summary}`);
  assert.deepEqual(table.header, ['clip', 'prompt', 'status', 'price', 'path']);
  for (const row of table.rows) assert.equal(row.length, 5, `a row of 5 cells: ${JSON.stringify(row)}`);
  return table;
}

describe('under GitHub Actions', () => {
  const world = useWorld({ taskMs: 150, failPattern: 'FAIL' });
  let summary: string;
  let gha: Record<string, string>;
  beforeEach(async () => {
    world.sim.configure({ taskMs: 150, balance: 1_000_000 });
    summary = join(world.workDir, `summary-${Math.random().toString(36).slice(2)}.md`);
    await writeFile(summary, '');
    gha = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
  });
  const veo = (args: string[], env: Record<string, string> = gha) =>
    world.veo([...args, '--interval', '0.05'], { env });
  const writeLines = async (name: string, lines: unknown[]) => {
    const path = join(world.workDir, name);
    await writeFile(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    return path;
  };

  it('an error is also one ::error line, its line breaks and percent signs escaped, without the key', async () => {
    await writeFile(join(world.workDir, '50%.mp4'), 'in the way');
    const run = await veo(['create', 'a fox', '-o', '50%.mp4']);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    const [line, ...more] = annotations(run);
    assert.deepEqual(more, []);
    assert.match(line ?? '', /^::error title=veo create::\S.*50%25\.mp4 already exists.*%0Ahint: Pass --force/);
    assert.doesNotMatch(line ?? '', /%(?!25|0A|0D)/, 'every percent sign is an escape');
    // The person's message is there as before, above the annotation.
    assert.match(run.stderr, /^veo: error: .*50%\.mp4 already exists/m);
  });

  it('a refused key: the annotation and the summary name the failure, never the key', async () => {
    const wrong = 'shds-wrong-key';
    const run = await veo(['create', 'a fox', '-o', 'fox.mp4'], { ...gha, GPTUNNEL_API_KEY: wrong });
    assert.equal(run.code, 3, run.stderr);
    const [line] = annotations(run);
    assert.match(line ?? '', /^::error title=veo create::The API key was rejected/);
    const text = await readFile(summary, 'utf8');
    for (const shown of [run.stderr, text]) assert.ok(!shown.includes(wrong) && !shown.includes(KEY), shown);
    assert.match(text, /^### veo create: 1 not created$/m);
    assert.match(text, /^Exit code 3 \(INVALID&#95;TOKEN\): The API key was rejected/m);
    assert.deepEqual(tableAfter(text, /### veo create/).rows, [['—', 'a fox', 'not created: INVALID_TOKEN', '—', '—']]);
  });

  it('a refusal for the balance is an ::error annotation and a failed row, and nothing is saved', async () => {
    world.sim.configure({ balance: 0 });
    const run = await veo(['create', 'a fox', '-o', 'fox.mp4']);
    assert.equal(run.code, 4, run.stderr);
    const errors = annotations(run).filter((line) => line.startsWith('::error'));
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /^::error title=veo create::.*balance/i);
    // The low balance was a warning of its own, and is an annotation of its own.
    assert.match(annotations(run).join('\n'), /^::warning title=veo create::The account cannot cover/m);
    const [row] = tableAfter(await readFile(summary, 'utf8'), /### veo create/).rows;
    assert.match(row?.[2] ?? '', /^not created: \S+/);
    assert.equal(existsSync(join(world.workDir, 'fox.mp4')), false);
  });

  it('a batch of 3 with one failure appends a table of exactly its items, after what was there', async () => {
    await writeFile(summary, '# Earlier step\n\nkept as it was\n');
    const hostile = 'pipe | and\nnewline <script>alert(1)</script> `tick` & ![x](x.png)';
    const file = await writeLines('hostile.jsonl', [
      { prompt: hostile },
      { prompt: 'this one will FAIL' },
      { prompt: 'a calm lake' },
    ]);
    const run = await veo(['batch', file, '--dir', 'clips']);
    assert.equal(run.code, 6, run.stderr);
    const saved = run.stdout.trim().split('\n');
    assert.equal(saved.length, 2);
    const text = await readFile(summary, 'utf8');
    assert.ok(text.startsWith('# Earlier step\n\nkept as it was\n'), text);
    assert.match(text, /^### veo batch: 2 saved, 0 already saved, 1 failed, 0 pending, 0 not created \(of 3\)$/m);
    assert.match(text, /^Exit code 6 \(ITEMS&#95;FAILED\): 1 of 3 items was not saved \(line 2\)\.$/m);
    assert.match(text, /^Paid for in this run: 147 RUB for 3 new clips\.$/m);
    const table = tableAfter(text, /### veo batch/);
    assert.equal(table.rows.length, 3);
    const [first, second, third] = table.rows;
    assert.match(first?.[0] ?? '', ID);
    assert.equal(first?.[1], hostile.replace(/\s+/g, ' '), 'the whole prompt, on one line');
    assert.deepEqual(first?.slice(2), ['saved', PRICE, `clips/${first?.[0]}.mp4`]);
    assert.deepEqual(second?.slice(1), ['this one will FAIL', 'failed: GENERATION_FAILED', PRICE, '—']);
    assert.deepEqual(third?.slice(1), ['a calm lake', 'saved', PRICE, `clips/${third?.[0]}.mp4`]);
    assert.deepEqual(
      saved,
      [first, third].map((row) => join(world.workDir, 'clips', `${row?.[0]}.mp4`)),
    );
    for (const raw of table.raw) assert.doesNotMatch(raw, /<|`|!\[|&(?!#\d+;)/, raw);

    // A re-run pays for nothing: every row says what the journal knew, and nothing was paid.
    const creates = world.sim.requests.filter((r) => r.route === 'create').length;
    await writeFile(summary, '');
    const again = await veo(['batch', file, '--dir', 'clips']);
    assert.equal(again.code, 6);
    assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, creates);
    const rerun = await readFile(summary, 'utf8');
    assert.doesNotMatch(rerun, /Paid for in this run/);
    assert.deepEqual(
      tableAfter(rerun, /### veo batch/).rows.map((row) => row[2]),
      ['already saved', 'failed: GENERATION_FAILED', 'already saved'],
    );
  });

  it('a batch the balance covers in part: the refused items are rows "not created", with no price', async () => {
    world.sim.configure({ balance: 49 });
    const file = await writeLines('short.jsonl', [{ prompt: 'one' }, { prompt: 'two' }, { prompt: 'three' }]);
    const run = await veo(['batch', file, '--dir', 'short', '--concurrency', '1']);
    assert.equal(run.code, 4, run.stderr);
    const text = await readFile(summary, 'utf8');
    assert.match(text, /^Paid for in this run: 49 RUB for 1 new clip\.$/m);
    const rows = tableAfter(text, /### veo batch/).rows;
    assert.deepEqual(
      rows.map((row) => row.slice(1, 4)),
      [
        ['one', 'saved', PRICE],
        ['two', `not created: ${rows[1]?.[2]?.replace(/^not created: /, '')}`, '—'],
        ['three', 'not created', '—'],
      ],
    );
    assert.match(rows[1]?.[2] ?? '', /^not created: [A-Z_]+$/);
    assert.deepEqual([rows[1]?.[0], rows[2]?.[0], rows[1]?.[4], rows[2]?.[4]], ['—', '—', '—', '—']);
  });

  it('a batch refused before any item settles still writes a section: failed, with the code', async () => {
    const file = await writeLines('bad.jsonl', [{ prompt: 'fine' }, { prompt: 'x', ar: '4:3' }]);
    const run = await veo(['batch', file]);
    assert.equal(run.code, 2, run.stderr);
    const text = await readFile(summary, 'utf8');
    assert.match(text, /^### veo batch: failed$/m);
    assert.match(text, /^Exit code 2 \(\S+\): /m);
    assert.deepEqual(markdownTables(text), []);
  });

  it('sync appends the videos it saved; a create without -o adds nothing', async () => {
    const created = await veo(['create', 'a slow river']);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    assert.match(id, ID);
    assert.equal(await readFile(summary, 'utf8'), '', 'a create that saves nothing has no section');
    await world.veo(['wait', id, '--interval', '0.05']);
    const run = await world.veo(['sync', '--dir', 'synced'], { env: gha });
    assert.equal(run.code, 0, run.stderr);
    const text = await readFile(summary, 'utf8');
    assert.match(text, /^### veo sync: 1 saved, /m);
    const rows = tableAfter(text, /### veo sync/).rows;
    assert.deepEqual(rows, [[id, 'a slow river', 'saved', PRICE, `synced/${id}.mp4`]]);
  });

  it('create -o and wait -o append one row each', async () => {
    const run = await veo(['create', 'a red kite', '-o', 'kite.mp4']);
    assert.equal(run.code, 0, run.stderr);
    const first = await readFile(summary, 'utf8');
    const [row] = tableAfter(first, /### veo create: 1 saved/).rows;
    assert.match(row?.[0] ?? '', ID);
    assert.deepEqual(row?.slice(1), ['a red kite', 'saved', PRICE, 'kite.mp4']);
    assert.match(first, /Paid for in this run: 49 RUB for 1 new clip\./);

    const id = (await world.veo(['create', 'a blue kite'])).stdout.trim();
    const waited = await veo(['wait', id, '-o', 'blue.mp4']);
    assert.equal(waited.code, 0, waited.stderr);
    const text = await readFile(summary, 'utf8');
    assert.ok(text.startsWith(first), 'the first section is kept');
    assert.deepEqual(tableAfter(text, /### veo wait/).rows, [[id, 'a blue kite', 'saved', PRICE, 'blue.mp4']]);
  });

  it('a key that slipped into a prompt is masked in the summary', async () => {
    const run = await veo(['create', `a kite ${KEY}`, '-o', 'masked.mp4']);
    assert.equal(run.code, 0, run.stderr);
    const text = await readFile(summary, 'utf8');
    assert.ok(!text.includes(KEY), text);
    assert.match(tableAfter(text, /### veo create/).rows[0]?.[1] ?? '', /^a kite shds-…/);
  });

  it('a key with Markdown characters, cut by the prompt column: no piece of it reaches the summary', async () => {
    // `_` becomes a character reference when escaped, and the prompt column is cut at 80 characters: the key is
    // masked before either, so neither can hide it from the masking.
    const key = 'shds-Ab_cd_ef_0123456789_xyz';
    const long = `${'a misty harbour at dawn, '.repeat(2)}and a lighthouse, ${key} and more after it`;
    const run = await veo(['create', long, '-o', 'harbour.mp4'], { ...gha, GPTUNNEL_API_KEY: key });
    assert.equal(run.code, 0, run.stderr);
    const cut = await veo(['create', `a boat ${key}`, '-o', 'boat.mp4'], { ...gha, GPTUNNEL_API_KEY: key });
    assert.equal(cut.code, 0, cut.stderr);
    const text = await readFile(summary, 'utf8');
    const decoded = text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    for (let start = 0; start + 8 <= key.length; start++) {
      const piece = key.slice(start, start + 8);
      assert.ok(!text.includes(piece) && !decoded.includes(piece), `"${piece}" of the key is in:\n${text}`);
    }
    assert.match(decoded, /a boat shds-…_xyz/);
  });

  it('a symbolic link at the summary path is refused with a warning; its target and the exit code are untouched', async () => {
    const target = join(world.workDir, 'target.md');
    await writeFile(target, 'not yours\n');
    await rm(summary);
    await symlink(target, summary);
    const run = await veo(['create', 'a green kite', '-o', 'green.mp4']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^warning: The GitHub step summary was not written \(.*\): it is a symbolic link/m);
    assert.match(annotations(run)[0] ?? '', /^::warning title=veo create::The GitHub step summary was not written/);
    assert.equal(await readFile(target, 'utf8'), 'not yours\n');
    assert.ok(existsSync(join(world.workDir, 'green.mp4')));
  });

  it('--json: stderr stays JSON only (no annotation), stdout the one document; the summary is still written', async () => {
    await writeFile(join(world.workDir, 'taken.mp4'), 'in the way');
    const run = await veo(['--json', 'create', 'a fox', '-o', 'taken.mp4']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    for (const line of run.stderr.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line);
    const text = await readFile(summary, 'utf8');
    assert.match(text, /^### veo create: 1 not created$/m);
  });

  it('without GITHUB_ACTIONS=true there is no annotation and the summary file is not touched', async () => {
    await rm(summary);
    await writeFile(join(world.workDir, 'busy.mp4'), 'in the way');
    for (const value of [undefined, 'false']) {
      const env = { GITHUB_STEP_SUMMARY: summary, ...(value ? { GITHUB_ACTIONS: value } : {}) };
      const failed = await veo(['create', 'a fox', '-o', 'busy.mp4'], env);
      assert.equal(failed.code, 2);
      const saved = await veo(['create', 'a fox', '-o', `fox-${value}.mp4`], env);
      assert.equal(saved.code, 0, saved.stderr);
      assert.deepEqual([...annotations(failed), ...annotations(saved)], []);
      assert.equal(existsSync(summary), false);
    }
  });
});
