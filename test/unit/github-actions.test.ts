import assert from 'node:assert/strict';
import { it } from 'node:test';
import { summarySection } from '../../src/commands/shared/step-summary.js';
import { markdownTable, markdownText } from '../../src/ui/markdown-table.js';
import { annotation, escapeData, escapeProperty } from '../../src/ui/workflow-commands.js';
import { markdownTables } from '../helpers/markdown-tables.js';

it('escapes a workflow command message as the runner undoes it: % first, then CR and LF', () => {
  assert.equal(escapeData('100% done\r\nnext%0A'), '100%25 done%0D%0Anext%250A');
  assert.equal(escapeData('a: b, c'), 'a: b, c', 'a message may hold colons and commas');
  assert.equal(escapeProperty('veo batch: a, b%\n'), 'veo batch%3A a%2C b%25%0A');
});

it('makes one annotation line whatever the message holds', () => {
  const line = annotation('error', 'veo create', 'first line\nsecond ::warning:: 50%\r');
  assert.equal(line, '::error title=veo create::first line%0Asecond ::warning:: 50%25%0D\n');
  assert.equal(line.split('\n').length, 2, 'a single line, ended by its own newline');
  assert.equal(annotation('warning', 'veo a,b:c', 'x'), '::warning title=veo a%2Cb%3Ac::x\n');
});

it('keeps text from outside one plain Markdown cell: no pipe, backtick, HTML, link, image or line break', () => {
  const hostile =
    'a | b\n`code` <script>alert(1)</script> & ![x](https://e.example/p.png) [l](javascript:x) *b* _i_ $m$ @u #1 \\|';
  const cell = markdownText(hostile);
  const unreferenced = cell.replace(/&#\d+;/g, '');
  assert.doesNotMatch(unreferenced, /[|`<>&\n\r[\]!*_$@#\\]/, cell);
  assert.match(cell, /&#60;script&#62;/, 'the markup is kept, as text');
  assert.equal(markdownText('x\u001b[31my'), 'x&#92;x1b&#91;31my', 'control characters are shown, not acted on');
  assert.equal(markdownText('a\n\n  b\r\nc'), 'a b c');
  assert.equal(markdownText('0123456789', 5), '0123…');
  assert.equal(markdownText('😀😀😀', 2), '😀…', 'cut between characters, never inside one');
});

it('builds a table whose every row has as many cells as the header, whatever the cells hold', () => {
  const table = markdownTable(
    ['clip', 'prompt'],
    [
      ['1', 'a | b \\| c'],
      ['2', 'line\nbreak `x` <b>'],
      ['3', ''],
    ],
  );
  const [parsed] = markdownTables(table);
  assert.ok(parsed);
  assert.deepEqual(parsed.header, ['clip', 'prompt']);
  assert.deepEqual(parsed.rows, [
    ['1', 'a | b \\| c'],
    ['2', 'line break `x` <b>'],
    ['3', ''],
  ]);
});

it('a summary section: heading with the counts, why the run failed, what it paid, one row per clip', () => {
  const text = summarySection(
    { type: 'end', command: 'batch', exitCode: 6, error: { code: 'ITEMS_FAILED', message: 'one was not saved' } },
    [
      {
        counts: '1 saved, 1 failed (of 3)',
        clips: [
          { id: 'a'.repeat(24), prompt: 'fox', status: 'saved', price: 49, paidNow: true, path: '/elsewhere/fox.mp4' },
          { id: 'b'.repeat(24), prompt: 'cat', status: 'failed', code: 'GENERATION_FAILED', paidNow: true },
          { prompt: 'dog', status: 'not created', code: 'INSUFFICIENT_BALANCE' },
        ],
      },
    ],
    (text) => text,
  );
  assert.match(text, /^### veo batch: 1 saved, 1 failed \(of 3\)\n/);
  assert.match(text, /Exit code 6 \(ITEMS&#95;FAILED\): one was not saved/);
  assert.match(text, /Paid for in this run: at least 49 RUB for 2 new clips \(1 price unknown\)\./);
  const [table] = markdownTables(text);
  assert.deepEqual(table?.rows, [
    ['a'.repeat(24), 'fox', 'saved', '49 RUB', '/elsewhere/fox.mp4'],
    ['b'.repeat(24), 'cat', 'failed: GENERATION_FAILED', 'unknown', '—'],
    ['—', 'dog', 'not created: INSUFFICIENT_BALANCE', '—', '—'],
  ]);
  assert.ok(text.endsWith('\n\n'), 'the next section starts on a line of its own');
});
