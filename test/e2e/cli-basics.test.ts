import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runVeo } from '../helpers/cli.js';

describe('the command line itself', () => {
  it('prints the version', async () => {
    const run = await runVeo(['--version']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('answers --help from the prebuilt text, identical to what commander renders', async () => {
    const fast = await runVeo(['--help']);
    const live = await runVeo(['help']);
    assert.equal(fast.code, 0);
    assert.equal(live.code, 0);
    assert.equal(fast.stdout, live.stdout);
    for (const command of ['create', 'result', 'wait', 'download', 'list', 'sync', 'auth', 'config']) {
      assert.match(fast.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    }
    assert.match(fast.stdout, /Exit codes:/);
  });

  it('ends the help of every command with examples', async () => {
    for (const command of [
      ['create'],
      ['result'],
      ['wait'],
      ['download'],
      ['list'],
      ['sync'],
      ['auth', 'login'],
      ['config', 'set'],
    ]) {
      const run = await runVeo([...command, '--help']);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /Examples:\n( {2}\$ .*veo .+\n)+\n?$/, command.join(' '));
    }
  });

  it('shows the help on stderr and exits 2 without a command', async () => {
    const run = await runVeo([]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^Usage: veo/);
  });
});
