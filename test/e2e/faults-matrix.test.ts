import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../helpers/cli.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The names of a test file's tests, as written and as a pattern in which a `${…}` matches anything. */
async function testNames(file: string): Promise<{ raw: string; pattern: RegExp }[]> {
  const source = await readFile(join(ROOT, 'test', 'e2e', `${file}.test.ts`), 'utf8');
  return [...source.matchAll(/\bit\(\s*(['`])(.+?)\1/g)].map(([, , raw = '']) => ({
    raw,
    pattern: new RegExp(
      `^${raw
        .split(/\$\{[^}]*\}/)
        .map(escape)
        .join('.+')}$`,
    ),
  }));
}

it('every test the fault matrix names exists', async () => {
  const matrix = await readFile(join(ROOT, 'docs', 'fault-matrix.md'), 'utf8');
  const references = [...matrix.matchAll(/([a-z-]+) › ("[^"]+"(?:, "[^"]+")*)/g)];
  assert.ok(references.length > 40, `only ${references.length} references`);
  for (const [, file = '', cited = ''] of references) {
    const names = await testNames(file);
    for (const [, quoted = ''] of cited.matchAll(/"([^"]+)"/g)) {
      // Markdown escapes `*` as `\*`; a trailing "…" cites a long name by its beginning.
      const text = quoted.replace(/\\\*/g, '*');
      const found = text.endsWith(' …')
        ? names.some((name) => name.raw.startsWith(text.slice(0, -2)))
        : names.some((name) => name.pattern.test(text));
      assert.ok(found, `${file} › "${quoted}" names no test`);
    }
  }
});
