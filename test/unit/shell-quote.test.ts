import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { shellQuote } from '../../src/ui/shell-quote.js';

const WORDS = [
  'clips/fox.mp4',
  'my clips/fox.mp4',
  "it's.mp4",
  '~/videos',
  '=ls',
  'a;rm -rf x',
  '$HOME',
  '`id`',
  'a*b?[c]',
  '{a,b}',
  '-',
  '',
  'x!y',
  'tab\there',
  'line one\nline two',
  "it's\n'quoted' \\n not a newline\\",
  'cr\r esc\x1b[31m del\x7f next-line\u0085 rtl\u202e end\n',
  'sh -c \'echo "$VEO_PATH"\nexit 4\'',
];

/** $'…' (for words with control characters) is read by bash and zsh; Debian's dash does not know it yet. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const needsAnsiC = (word: string) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(word);

/** What the shell hands to a command when the quoted word is pasted as its argument. */
function echoedBy(shell: string, word: string): string {
  return execFileSync(shell, ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8', env: { HOME: '/nowhere' } });
}

function hasShell(shell: string): boolean {
  try {
    execFileSync(shell, ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
}

describe('shellQuote', () => {
  it('leaves a plain path bare', () => {
    assert.equal(shellQuote('clips/fox-1.mp4'), 'clips/fox-1.mp4');
    assert.equal(shellQuote('veo-3.1-fast'), 'veo-3.1-fast');
  });

  it("writes a word with a control character as $'…' with no control character left in it", () => {
    assert.equal(shellQuote("a\tb's\\"), "$'a\\tb\\'s\\\\'");
    for (const word of WORDS.filter(needsAnsiC)) assert.equal(needsAnsiC(shellQuote(word)), false, shellQuote(word));
  });

  for (const shell of ['sh', 'bash', 'zsh']) {
    it(`every word survives a paste into ${shell}`, (t) => {
      if (!hasShell(shell)) return t.skip(`${shell} is not installed`);
      for (const word of WORDS) {
        if (shell === 'sh' && needsAnsiC(word)) continue;
        assert.equal(echoedBy(shell, word), word, `${shell}: ${shellQuote(word)}`);
      }
    });
  }
});
