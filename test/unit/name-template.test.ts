import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cleanFieldText,
  parseTemplate,
  renderTemplate,
  safeName,
  slugOf,
  type TemplateValues,
} from '../../src/task/name-template.js';
import { nameOf, planNames, planOutputTemplate } from '../../src/task/output-names.js';

const values: TemplateValues = {
  id: '0123456789abcdef01234567',
  created: new Date(2026, 10, 29, 7, 5, 9),
  model: 'glabs-veo-3-1-fast',
  ar: '16:9',
  prompt: 'A red fox: runs "fast" through <snow>?',
  n: 3,
  variant: 2,
  choices: ['red', 'fast'],
};

const render = (template: string, more: Partial<TemplateValues> = {}): string => {
  const rendered = renderTemplate(parseTemplate(template), { ...values, ...more });
  assert.ok(rendered.ok, `missing: ${rendered.ok ? '' : rendered.missing.join(',')}`);
  return rendered.path;
};

describe('output name templates', () => {
  it('fills every field', () => {
    assert.equal(render('{id}.{ext}'), '0123456789abcdef01234567.mp4');
    assert.equal(render('{date}_{time}'), '2026-11-29_07-05-09');
    assert.equal(render('{model}-{ar}-{n}-{variant}-{choices}'), 'glabs-veo-3-1-fast-16x9-3-2-red+fast');
    assert.equal(render('{n:3}-{variant:2}'), '003-02');
    assert.equal(render('{slug}.{ext}'), 'a-red-fox-runs-fast-through-snow.mp4');
    assert.equal(render('{slug:12}'), 'a-red-fox');
    assert.equal(render('{prompt:11}'), 'A red fox_');
  });

  it('replaces the characters Windows forbids and control characters in field values', () => {
    assert.equal(render('{prompt}.{ext}'), 'A red fox_ runs _fast_ through _snow__.mp4');
    assert.equal(cleanFieldText('a\u0007b\u202ec\nd'), 'a_b_c_d');
  });

  it('never lets a field add a folder or climb out of the chosen one', () => {
    assert.equal(render('{prompt}', { prompt: '../../etc/passwd' }), '.._.._etc_passwd');
    assert.equal(render('{prompt}', { prompt: '..' }), '_');
    assert.equal(render('{prompt}', { prompt: '/abs/path' }), '_abs_path');
    assert.equal(render('{prompt}', { prompt: 'C:\\Windows' }), 'C__Windows');
    const plan = planNames('/videos', '{prompt}/{slug}.{ext}');
    const name = nameOf(plan, { ...values, prompt: '../..' });
    assert.ok(name.ok);
    assert.ok(name.path.startsWith('/videos/'), name.path);
    assert.throws(() => planNames('/videos', '{date}/../{id}.{ext}'), /climbs out/);
    assert.equal(planOutputTemplate('/tmp/clips/{date}/{slug}.{ext}').root, '/tmp/clips');
  });

  it('makes Windows reserved names and trailing dots or spaces safe', () => {
    for (const reserved of ['CON', 'con', 'NUL', 'aux', 'COM1', 'lpt9', 'PRN']) {
      assert.equal(render('{prompt}', { prompt: reserved }), `_${reserved}`);
      assert.equal(render('{prompt}.{ext}', { prompt: reserved }), `_${reserved}.mp4`);
    }
    assert.equal(render('{prompt}', { prompt: 'CONSOLE' }), 'CONSOLE');
    assert.equal(safeName('clip. . '), 'clip');
    assert.equal(render('{prompt}', { prompt: 'ends with dots...' }), 'ends with dots');
  });

  it('cuts names to 255 bytes, counting multi-byte text in bytes and keeping the extension', () => {
    const cyrillic = 'Кошка играет на пианино '.repeat(20);
    const name = render('{prompt}-{id}.{ext}', { prompt: cyrillic });
    assert.ok(Buffer.byteLength(name) <= 255, `${Buffer.byteLength(name)} bytes`);
    assert.ok(name.endsWith('-0123456789abcdef01234567.mp4'), name);
    assert.ok(!name.includes('\uFFFD'), 'no character is cut in half');
    const emoji = render('{slug}.{ext}', { prompt: '🦊'.repeat(300) });
    assert.ok(Buffer.byteLength(emoji) <= 255);
  });

  it('reports the fields it cannot fill yet, and refuses unknown fields and lone braces', () => {
    const rendered = renderTemplate(parseTemplate('{slug}-{id}'), { ...values, id: undefined });
    assert.deepEqual(rendered, { ok: false, missing: ['id'] });
    assert.throws(() => parseTemplate('{nope}.mp4'), /Unknown field/);
    assert.throws(() => parseTemplate('a}b'), /lone \}/);
    assert.throws(() => parseTemplate('{slug'), /An unclosed \{ in the output template: \{slug/);
    assert.equal(render('{{literal}}-{n}'), '{literal}-3');
  });
});

describe('slugs', () => {
  it('keep letters of any script, in lower case, joined by dashes, cut at a word', () => {
    assert.equal(slugOf('Hello, World!'), 'hello-world');
    assert.equal(slugOf('Кошка играет на пианино', 12), 'кошка-играет');
    assert.equal(slugOf('one two three', 9), 'one-two');
    assert.equal(slugOf('!!!'), 'clip');
    assert.equal(slugOf('supercalifragilistic', 5), 'super');
  });
});
