import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandPrompt, MAX_VARIATIONS } from '../../src/task/variations.js';

const prompts = (text: string) => expandPrompt(text).map((v) => v.prompt);

describe('prompt variations', () => {
  it('make one prompt per choice, several groups multiplying', () => {
    assert.deepEqual(expandPrompt('a {red|blue} fox {runs|sleeps}'), [
      { prompt: 'a red fox runs', choices: ['red', 'runs'] },
      { prompt: 'a red fox sleeps', choices: ['red', 'sleeps'] },
      { prompt: 'a blue fox runs', choices: ['blue', 'runs'] },
      { prompt: 'a blue fox sleeps', choices: ['blue', 'sleeps'] },
    ]);
  });

  it('nest, each nested choice remembered after the one holding it', () => {
    assert.deepEqual(expandPrompt('a {big {red|blue}|small} kite'), [
      { prompt: 'a big red kite', choices: ['big red', 'red'] },
      { prompt: 'a big blue kite', choices: ['big blue', 'blue'] },
      { prompt: 'a small kite', choices: ['small'] },
    ]);
  });

  it('leave braces without a bar, lone braces and bars outside a group as written', () => {
    assert.deepEqual(prompts('{"a": 1} and {red} | x {'), ['{"a": 1} and {red} | x {']);
    assert.deepEqual(expandPrompt('no groups  here'), [{ prompt: 'no groups  here', choices: [] }]);
  });

  it('take \\{ \\} \\| as the characters themselves', () => {
    assert.deepEqual(prompts('set \\{a|b\\} {x\\|y|z}'), ['set {a|b} x|y', 'set {a|b} z']);
    assert.deepEqual(prompts('a back\\slash'), ['a back\\slash']);
  });

  it('allow an empty choice without leaving a double space', () => {
    assert.deepEqual(prompts('a {red |}fox'), ['a red fox', 'a fox']);
  });

  it('refuse more variations than the bound', () => {
    const group = `{${Array.from({ length: 40 }, (_, i) => `c${i}`).join('|')}}`;
    assert.ok(40 * 40 > MAX_VARIATIONS);
    assert.throws(() => expandPrompt(`${group} ${group}`), /more than 1000 variations/);
  });
});
