import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GLOBAL_FLAGS } from '../../src/commands/global-flags.js';
import { fastRoute } from '../../src/fast-route.js';
import { buildProgram } from '../../src/program.js';

describe('the commander-free route', () => {
  it('knows exactly the global options commander is given', () => {
    const program = buildProgram(
      async () => undefined,
      () => undefined,
    );
    const commanders = program.options.map((option) => option.flags).filter((flags) => flags !== '-V, --version');
    assert.deepEqual(
      GLOBAL_FLAGS.map((flag) => flag.flags),
      commanders,
    );
  });

  it('takes plain command lines of result, wait, download and balance', () => {
    const id = '684e5b2214bed9a815408cb3';
    assert.deepEqual(fastRoute(['result', id]), {
      declaration: fastRoute(['result', id])?.declaration,
      globals: { color: true },
      args: { id },
      options: {},
    });
    assert.equal(fastRoute(['result', id])?.declaration.name, 'result');
    assert.deepEqual(fastRoute(['--json', 'result', id, '--no-color', '--api-key', 'k'])?.globals, {
      json: true,
      color: false,
      apiKey: 'k',
    });
    assert.deepEqual(fastRoute(['wait', id, '-o', '-', '--force'])?.options, {
      output: '-',
      force: true,
      interval: '5',
      timeout: '15m',
      concurrency: '3',
    });
    assert.deepEqual(fastRoute(['wait', id, '--all'])?.options.all, true);
    assert.deepEqual(fastRoute(['download', 'https://example.com/v.mp4', '--interval', '2'])?.args, {
      target: 'https://example.com/v.mp4',
    });
    assert.equal(fastRoute(['balance', '-q'])?.declaration.name, 'balance');
  });

  it('leaves everything else to commander', () => {
    const id = '684e5b2214bed9a815408cb3';
    for (const argv of [
      [],
      ['--version'],
      ['--help'],
      ['result', '--help'],
      ['result', id, '-h'],
      ['create', 'a fox'],
      ['list'],
      ['result'],
      ['wait'],
      ['wait', '--all'],
      ['wait', '--all', '-o', 'clips/'],
      ['result', id, 'more'],
      ['result', '--', id],
      ['result', id, '--unknown'],
      ['result', id, '--json', '--json'],
      ['result', id, '-qv'],
      ['wait', id, '--interval=5'],
      ['wait', id, '-o'],
      ['wait', id, '-o', '--force'],
      ['wait', id, '--output', 'a', '-o', 'b'],
      ['--force', 'wait', id],
      ['result', id, '--api-key'],
      ['help', 'result'],
      ['balance', 'extra'],
    ]) {
      assert.equal(fastRoute(argv), undefined, argv.join(' '));
    }
  });
});
