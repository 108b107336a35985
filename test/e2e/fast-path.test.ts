import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useWorld } from '../helpers/cli.js';

// The hottest commands skip commander when their command line is plain; VEO_FAST_PATH=off sends the same command
// line through commander. Both must give the user exactly the same answer.
describe('the commander-free path', () => {
  const world = useWorld();

  async function bothWays(args: string[]) {
    const fast = await world.veo(args);
    const commander = await world.veo(args, { env: { VEO_FAST_PATH: 'off' } });
    // --verbose traces how long each request took: that alone may differ.
    const same = (run: typeof fast) => ({
      code: run.code,
      stdout: run.stdout,
      stderr: run.stderr.replace(/ \d+ms$/gm, ' (time)ms'),
    });
    assert.deepEqual(same(fast), same(commander), args.join(' '));
    return fast;
  }

  it('answers result, wait, download and balance as commander does', async () => {
    const created = await world.veo(['create', 'a fox']);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    // Done before the comparison: what a wait shows on the way depends on when it polls.
    assert.equal((await world.veo(['wait', id, '--interval', '0.05'])).code, 0);
    assert.equal((await bothWays(['wait', id, '--interval', '0.05', '--timeout', '30s'])).code, 0);
    assert.equal((await bothWays(['result', id])).code, 0);
    assert.equal((await bothWays(['--json', 'result', id])).code, 0);
    assert.equal((await bothWays(['result', id, '--json', '-q'])).code, 0);
    assert.equal((await bothWays(['result', id, '--no-color', '--verbose'])).code, 0);
    // Saved before the comparison, so that both ways find it saved; --force saves it again both ways.
    assert.equal((await world.veo(['download', id, '-o', 'fox.mp4'])).code, 0);
    assert.equal((await bothWays(['download', id, '-o', 'fox.mp4', '--timeout', '30s'])).code, 0);
    assert.equal((await bothWays(['download', id, '-o', 'fox.mp4', '--force'])).code, 0);
    assert.equal((await bothWays(['download', id, '--output', '-'])).code, 0);
    assert.equal((await bothWays(['balance'])).code, 0);
    assert.equal((await bothWays(['balance', '--json'])).code, 0);
    assert.equal((await bothWays(['--api-key', 'shds-other-key', 'balance'])).code, 0);
    // Help is commander's, whichever way the command line starts.
    assert.equal((await bothWays(['result', id, '-h'])).code, 0);
  });

  it('fails on bad arguments exactly as commander does', async () => {
    const id = '684e5b2214bed9a815408cb3';
    for (const args of [
      ['result'],
      ['result', 'not-an-id'],
      ['result', id, 'extra'],
      ['result', id, '--nope'],
      ['result', '--json', 'XYZ'],
      ['result', id, '--api-key'],
      ['wait', id, '--interval', 'soon'],
      ['wait', id, '--timeout', '0'],
      ['wait', id, '--interval'],
      ['wait', id, '-o'],
      ['download', 'ftp://example.com/x.mp4'],
      ['download', id, '-o', 'a.mp4', '-o', 'b.mp4'],
      ['balance', 'now'],
      ['result', id, '--base-url', 'not a url'],
      ['result', '--', id],
    ]) {
      const run = await bothWays(args);
      assert.notEqual(run.code, 0, args.join(' '));
    }
  });
});
