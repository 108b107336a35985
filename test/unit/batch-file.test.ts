import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseBatch } from '../../src/commands/batch/parse-file.js';
import { isInside, planOutputs } from '../../src/commands/batch/plan.js';
import { planNames } from '../../src/task/output-names.js';
import { DEFAULT_TEMPLATE } from '../../src/task/name-template.js';
import { runPool } from '../../src/commands/shared/pool.js';

const defaults = { model: 'glabs-veo-3-1-fast' };

describe('batch files', () => {
  it('reads one prompt a line, skipping blank lines and # comments, with line numbers', () => {
    const parsed = parseBatch(
      '\uFEFF# shots for Monday\r\na red fox\r\n\r\n   \n  # indented comment\n  the sea at dawn  \nC# is a language\n',
      defaults,
    );
    assert.equal(parsed.format, 'text');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.items.map(({ line, prompt, model }) => ({ line, prompt, model })),
      [
        { line: 2, prompt: 'a red fox', model: 'glabs-veo-3-1-fast' },
        { line: 6, prompt: 'the sea at dawn', model: 'glabs-veo-3-1-fast' },
        { line: 7, prompt: 'C# is a language', model: 'glabs-veo-3-1-fast' },
      ],
    );
  });

  it('applies the defaults to text lines', () => {
    const [item] = parseBatch('a cat\n', { model: 'glabs-veo-3-1-lite', ar: '9:16' }).items;
    assert.equal(item?.model, 'glabs-veo-3-1-lite');
    assert.equal(item?.ar, '9:16');
  });

  it('detects JSON lines from the first line that counts, and keeps what each line names', () => {
    const text = [
      '# comment first',
      '',
      '{"prompt": " a fox ", "ar": "16:9", "output": "fox.mp4"}',
      '{"prompt": "a boat", "model": "glabs-veo-3-1", "image": "https://example.com/a.png"}',
    ].join('\n');
    const parsed = parseBatch(text, { model: 'glabs-veo-3-1-fast', ar: '1:1' });
    assert.equal(parsed.format, 'jsonl');
    assert.deepEqual(parsed.problems, []);
    const [fox, boat] = parsed.items;
    assert.deepEqual(
      { line: fox?.line, prompt: fox?.prompt, ar: fox?.ar, output: fox?.output, model: fox?.model },
      { line: 3, prompt: 'a fox', ar: '16:9', output: 'fox.mp4', model: 'glabs-veo-3-1-fast' },
    );
    assert.deepEqual(
      { model: boat?.model, image: boat?.image, ar: boat?.ar },
      { model: 'glabs-veo-3-1', image: 'https://example.com/a.png', ar: '1:1' },
    );
  });

  it('reports every bad JSON line with its number and keeps the good ones', () => {
    const text = [
      '{"prompt": "fine"}',
      'not json',
      '["an", "array"]',
      '{"prompt": ""}',
      '{"prompt": "x", "ar": "4:3"}',
      '{"prompt": "x", "aspect": "16:9"}',
      '{"prompt": "x", "image": "file:///etc/passwd"}',
      '{"prompt": "x", "model": "no spaces allowed"}',
      '{"prompt": 5}',
    ].join('\n');
    const parsed = parseBatch(text, defaults);
    assert.equal(parsed.items.length, 1);
    assert.deepEqual(
      parsed.problems.map((p) => p.line),
      [2, 3, 4, 5, 6, 7, 8, 9],
    );
    const message = (line: number) => parsed.problems.find((p) => p.line === line)?.message ?? '';
    assert.match(message(2), /not valid JSON/);
    assert.match(message(3), /JSON object/);
    assert.match(message(4), /prompt is empty/);
    assert.match(message(5), /1:1, 16:9 or 9:16/);
    assert.match(message(6), /unknown field "aspect"/);
    assert.match(message(7), /http\(s\) URL/);
    assert.match(message(8), /model id/);
    assert.match(message(9), /prompt must be a string/);
  });
});

describe('batch item keys', () => {
  const keys = (text: string, options = defaults) => parseBatch(text, options).items.map((item) => item.key);

  it('are stable across runs, line moves, blank lines and comments', () => {
    const [a, b] = keys('a cat\nthe sea\n');
    assert.deepEqual(keys('# added later\n\nthe sea\n\na cat\n').toSorted(), [a, b].toSorted());
  });

  it('tell identical lines apart by their occurrence', () => {
    const [first, other, second] = keys('a cat\na dog\na cat\n');
    assert.notEqual(first, second);
    assert.equal(keys('a cat\n')[0], first);
    assert.ok(first?.endsWith(':0') && second?.endsWith(':1'));
    assert.notEqual(other, first);
  });

  it('change with anything that changes the clip or where it goes', () => {
    const base = keys('{"prompt": "a cat"}')[0];
    for (const variant of [
      '{"prompt": "a cat!"}',
      '{"prompt": "a cat", "ar": "9:16"}',
      '{"prompt": "a cat", "image": "https://example.com/x.png"}',
      '{"prompt": "a cat", "model": "glabs-veo-3-1"}',
      '{"prompt": "a cat", "output": "cat.mp4"}',
    ]) {
      assert.notEqual(keys(variant)[0], base, variant);
    }
    assert.notEqual(keys('a cat', { model: 'glabs-veo-3-1-lite' })[0], keys('a cat')[0], 'the --model default counts');
    assert.equal(keys('{"prompt": "  a cat "}')[0], base, 'surrounding spaces do not');
    assert.equal(keys('a cat')[0], base, 'the same item in either format');
  });
});

describe('batch outputs', () => {
  const dir = join('/', 'videos', 'batch');

  it('are resolved inside the output folder; escapes and clashes are refused by line', () => {
    const items = parseBatch(
      [
        '{"prompt": "a", "output": "a.mp4"}',
        '{"prompt": "b", "output": "sub/b.mp4"}',
        '{"prompt": "c", "output": "../c.mp4"}',
        '{"prompt": "d", "output": "/etc/d.mp4"}',
        '{"prompt": "e", "output": "./sub/../a.mp4"}',
        '{"prompt": "f"}',
        '{"prompt": "g", "output": "..g.mp4"}',
      ].join('\n'),
      defaults,
    ).items;
    const { planned, problems } = planOutputs(items, planNames(dir, DEFAULT_TEMPLATE));
    assert.equal(planned[0]?.target, join(dir, 'a.mp4'));
    assert.equal(planned[1]?.target, join(dir, 'sub', 'b.mp4'));
    assert.equal(planned[5]?.target, undefined);
    assert.equal(planned[6]?.target, join(dir, '..g.mp4'));
    assert.deepEqual(
      planned.map((item) => item.index),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      problems.map((p) => p.line),
      [3, 4, 5],
    );
    assert.match(problems[2]?.message ?? '', /also the output of line 1/);
    assert.equal(isInside(dir, dir), false);
  });
});

describe('the worker pool', () => {
  it('never runs more than the limit at once, and stops taking items when told', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    const items = Array.from({ length: 10 }, (_, i) => i);
    await runPool(
      items,
      3,
      async (item) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        done.push(item);
      },
      () => done.length >= 5,
    );
    assert.equal(peak, 3);
    assert.ok(done.length >= 5 && done.length < 10, `${done.length} done`);
  });
});

describe('a JSON line among plain prompts', () => {
  it('is reported instead of being sent as a prompt', () => {
    const parsed = parseBatch('a cat\n{"prompt":"a dog","ar":"1:1"}\n{not json} is a prompt\n', {
      model: 'glabs-veo-3-1-fast',
    });
    assert.equal(parsed.format, 'text');
    assert.deepEqual(
      parsed.items.map((item) => item.prompt),
      ['a cat', '{not json} is a prompt'],
    );
    assert.equal(parsed.problems[0]?.line, 2);
  });
});
