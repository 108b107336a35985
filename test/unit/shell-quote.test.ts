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
];

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

  for (const shell of ['sh', 'bash', 'zsh']) {
    it(`every word survives a paste into ${shell}`, (t) => {
      if (!hasShell(shell)) return t.skip(`${shell} is not installed`);
      for (const word of WORDS) assert.equal(echoedBy(shell, word), word, `${shell}: ${shellQuote(word)}`);
    });
  }
});
