import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgressBoard } from '../../src/ui/live-lines.js';
import { Output } from '../../src/ui/output.js';

/** A terminal-like stream that keeps what is written to it. */
function fakeTerminal() {
  const stream = {
    isTTY: true,
    columns: 40,
    rows: 10,
    /** What was written, the escape character shown as <ESC>. */
    text: '',
    write(chunk: string | Uint8Array) {
      stream.text += chunk.toString().replaceAll('\u001b', '<ESC>');
      return true;
    },
  };
  return stream;
}

async function outputOn(stderr: ReturnType<typeof fakeTerminal>, quiet = false): Promise<Output> {
  const streams = { stdout: fakeTerminal(), stderr } as unknown as {
    stdout: NodeJS.WriteStream;
    stderr: NodeJS.WriteStream;
  };
  return Output.create({ json: false, quiet, verbose: false, color: false }, streams);
}

describe('the batch progress board', () => {
  it('redraws one line per running item in place, keeps important events above them, and cleans up', async (t) => {
    const terminal = fakeTerminal();
    const originalWrite = terminal.write;
    const out = await outputOn(terminal);
    // The block is redrawn on a timer (the spinner's frames); a mocked clock makes every frame deterministic.
    t.mock.timers.enable({ apis: ['setInterval'] });
    const board = createProgressBoard(out, 'live');
    const first = board.line('[1/3]', 'a fox');
    const second = board.line('[2/3]', 'a very long prompt that cannot fit on a forty column terminal');
    first.update('processing', '3s');
    second.update('idle');
    t.mock.timers.tick(80);
    board.event('[3/3] created 684e5b2214bed9a815408cb3');
    first.clear();
    board.event('[1/3] saved /videos/fox.mp4', true);
    assert.match(terminal.text, /\[1\/3\] \S processing 3s {2}a fox\n/);
    assert.match(terminal.text, /<ESC>\[2F<ESC>\[J/, 'moves up over the two live lines and erases them');
    assert.doesNotMatch(terminal.text, /created/, 'minor events only show in the live line');
    assert.match(
      terminal.text,
      /\[1\/3\] saved \/videos\/fox\.mp4\n\[2\/3\]/,
      'the event is printed above the live block',
    );
    for (const line of terminal.text.split(/\n|<ESC>\[\d+F<ESC>\[J/)) assert.ok(line.length <= 39, line);

    terminal.text = '';
    out.warn('something odd');
    assert.match(terminal.text, /^<ESC>\[1F<ESC>\[Jwarning: something odd\n$/, 'other writes go above the block');
    second.clear();
    board.stop();
    assert.equal(terminal.write, originalWrite, 'stderr is given back untouched');
  });

  it('erases the live block before a result goes to stdout, which may be the same terminal', async (t) => {
    const terminal = fakeTerminal();
    const out = await outputOn(terminal);
    t.mock.timers.enable({ apis: ['setInterval'] });
    const board = createProgressBoard(out, 'live');
    board.line('[1/2]', 'a fox').update('processing');
    t.mock.timers.tick(80);
    terminal.text = '';
    const order: string[] = [];
    board.around(() => order.push(`stdout after: ${terminal.text}`));
    assert.deepEqual(order, ['stdout after: <ESC>[1F<ESC>[J']);
    t.mock.timers.tick(80);
    assert.match(
      terminal.text,
      /<ESC>\[1F<ESC>\[J\[1\/2\] \S processing {2}a fox\n$/,
      'drawn again below on the next tick',
    );
    board.stop();
  });

  it('prints one plain line per event in a log, and nothing when quiet', async () => {
    const log = fakeTerminal();
    const board = createProgressBoard(await outputOn(log), 'log');
    board.line('[1/2]', 'x').update('processing');
    board.event('[1/2] created 684e5b2214bed9a815408cb3');
    board.event('[1/2] saved /videos/x.mp4', true);
    board.stop();
    assert.equal(log.text, '[1/2] created 684e5b2214bed9a815408cb3\n[1/2] saved /videos/x.mp4\n');

    const quiet = fakeTerminal();
    const silent = createProgressBoard(await outputOn(quiet, true));
    silent.line('[1/1]').update('processing');
    silent.event('[1/1] saved x', true);
    silent.stop();
    assert.equal(quiet.text, '');
  });
});
