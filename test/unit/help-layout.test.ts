import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { wrapCommand, wrapWords } from '../../src/ui/help-layout.js';

/** The words sh makes of a command line, continuation lines included. */
const shellWords = (command: string) =>
  execFileSync('sh', ['-c', `words() { printf '%s\\n' "$@"; }; words ${command}`], { encoding: 'utf8' })
    .trimEnd()
    .split('\n');

describe('help layout', () => {
  const examples = [
    'veo create "a red fox running in snow" --ar 16:9 -o fox.mp4',
    'veo create --prompt-file prompt.txt --image https://example.com/a.jpg --wait',
    "veo batch 'my prompts.txt' --concurrency 4 --dir out/",
  ];

  for (const width of [30, 40, 60, 80]) {
    it(`an example wrapped at ${width} columns fits and is the same command to the shell`, () => {
      for (const example of examples) {
        const wrapped = wrapCommand(example, width, '  $ ', '      ');
        const lines = wrapped.split('\n');
        // At 30 columns a quoted prompt is longer than a line: it overflows rather than being split.
        if (width >= 40) for (const line of lines) assert.ok(line.length <= width, `${width}: ${line}`);
        assert.ok(
          lines.slice(0, -1).every((line) => line.endsWith(' \\')),
          wrapped,
        );
        assert.deepEqual(shellWords(wrapped.slice(4)), shellWords(example));
      }
    });
  }

  it('an example that fits stays on one line', () => {
    assert.equal(wrapCommand('veo list', 80, '  $ ', '      '), '  $ veo list');
  });

  it('prose is wrapped at spaces, a long word kept whole', () => {
    assert.equal(wrapWords('one two three four', 9), 'one two\nthree\nfour');
    assert.equal(wrapWords('https://example.com/long x', 10, '  '), '  https://example.com/long\n  x');
  });
});
