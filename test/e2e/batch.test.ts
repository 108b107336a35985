import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, beforeEach, describe, it } from 'node:test';
import { Journal } from '../../src/store/journal.js';
import { type RunOptions, useWorld } from '../helpers/cli.js';

const ID = /^[0-9a-f]{24}$/;

describe('veo batch', () => {
  const world = useWorld({ taskMs: 150, failPattern: 'FAIL' });
  let videoSha: string;
  before(async () => {
    videoSha = await world.sim.video().sha256();
  });
  beforeEach(() => {
    world.sim.configure({ taskMs: 150, balance: 1_000_000 });
  });

  const batch = (args: string[], options?: RunOptions) => world.veo(['batch', ...args, '--interval', '0.05'], options);
  const creates = () => world.sim.requests.filter((r) => r.route === 'create');
  const fileRequests = () => world.sim.requests.filter((r) => r.origin === 'file');
  const sha = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const writeBatch = async (name: string, lines: string[]) => {
    const path = join(world.workDir, name);
    await writeFile(path, `${lines.join('\n')}\n`);
    return path;
  };

  /** The most tasks that were in progress at once: from each task's creation to the last request about it. */
  function peakInProgress(ids: string[]): number {
    const events: [number, number][] = [];
    for (const id of ids) {
      const task = world.sim.task(id);
      assert.ok(task, id);
      const last = Math.max(
        ...world.sim.requests.filter((r) => r.path.includes(id) || r.body.includes(id)).map((r) => r.at),
      );
      events.push([task.createdAtMs, 1], [last, -1]);
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let running = 0;
    let peak = 0;
    for (const [, step] of events) peak = Math.max(peak, (running += step));
    return peak;
  }

  it('saves 20 prompts four at a time, reports the failed ones by line, exits 6, and re-creates nothing', async () => {
    const prompts = Array.from({ length: 20 }, (_, i) => `shot ${i + 1}${(i + 1) % 5 === 0 ? ' FAIL' : ''}`);
    // Prompt n is on line n + 2, after a comment and a blank line.
    const file = await writeBatch('twenty.txt', ['# twenty shots', '', ...prompts]);
    const dir = join(world.workDir, 'twenty');
    const run = await batch([file, '--concurrency', '4', '--dir', dir]);
    assert.equal(run.code, 6, run.stderr);
    assert.match(run.stderr, /4 of 20 items were not saved \(lines 7, 12, 17, 22\)/);
    for (const line of [7, 12, 17, 22])
      assert.match(run.stderr, new RegExp(`line ${line} \\([0-9a-f]{24}\\): .*safety filter`));
    assert.match(run.stderr, /^\[1\/20\] created [0-9a-f]{24}$/m);
    assert.match(run.stderr, /^\[5\/20\] failed: /m);
    assert.match(run.stderr, /batch: 16 saved, 0 already saved, 4 failed, 0 pending, 0 not created \(of 20\)/);

    assert.equal(creates().length, 20);
    assert.deepEqual(
      creates()
        .map((r) => JSON.parse(r.body).prompt)
        .toSorted(),
      prompts.toSorted(),
      'every prompt created exactly once',
    );
    const saved = run.stdout.trim().split('\n');
    assert.equal(saved.length, 16);
    assert.deepEqual((await readdir(dir)).toSorted(), saved.map((path) => path.slice(dir.length + 1)).toSorted());
    for (const path of saved) {
      assert.match(path, new RegExp(`^${dir}/[0-9a-f]{24}\\.mp4$`));
      assert.equal(await sha(path), videoSha);
    }
    const ids = world.sim.tasks().map((task) => task.id);
    const peak = peakInProgress(ids);
    assert.ok(peak <= 4 && peak >= 2, `at most 4 items in progress at once (saw ${peak})`);

    world.sim.requests.length = 0;
    const again = await batch([file, '--concurrency', '4', '--dir', dir]);
    assert.equal(again.code, 6, again.stderr);
    assert.equal(creates().length, 0);
    assert.equal(fileRequests().length, 0);
    assert.deepEqual(again.stdout.trim().split('\n').toSorted(), saved.toSorted());
    assert.match(again.stderr, /0 saved, 16 already saved, 4 failed/);
    assert.match(again.stderr, /failed in an earlier run were not created again/);
    assert.match(again.stderr, /edit its line \(an edited line is a new item\)/);
  });

  it('prices a dry run (20 x 49 = 980 RUB) without creating anything', async () => {
    const file = await writeBatch(
      'priced.txt',
      Array.from({ length: 20 }, (_, i) => `priced ${i + 1}`),
    );
    const run = await batch([file, '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    // In a pipe stdout is the rows alone, tab-separated; the total is a note on stderr.
    assert.match(run.stderr, /^total: 980 RUB for 20 new clips$/m);
    assert.equal(run.stdout.split('\n')[0], '1\tglabs-veo-3-1-fast\t49 RUB\tnew\tpriced 1');
    assert.equal(run.stdout.trim().split('\n').length, 20);
    assert.match(run.stderr, /nothing was sent/);
    const json = await batch([file, '--dry-run', '--json', '--model', 'glabs-veo-3-1-lite']);
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout);
    assert.deepEqual(plan.total, { clips: 20, price: 600, currency: 'RUB', unknownPrices: 0, covered: 20 });
    assert.equal(plan.items.length, 20);
    assert.deepEqual(plan.items[0], {
      line: 1,
      prompt: 'priced 1',
      model: 'glabs-veo-3-1-lite',
      price: 30,
      state: 'new',
    });
    assert.equal(creates().length, 0);

    world.sim.configure({ balance: 100 });
    const short = await batch([file, '--dry-run']);
    assert.equal(short.code, 4, short.stderr);
    assert.match(short.stderr, /Dry run: the account covers only 2 of the 20 new clips/);
  });

  it('refuses a file with bad lines, naming each line, and sends no create', async () => {
    const file = await writeBatch('bad.jsonl', [
      '{"prompt": "fine"}',
      '{"prompt": "x", "ar": "4:3"}',
      '# a comment',
      '{"prompt": "y", "model": "glabs-veo-9"}',
      '{"prompt": "z", "output": "../../escape.mp4"}',
      'not json',
      '{"prompt": "w", "output": "same.mp4"}',
      '{"prompt": "v", "output": "same.mp4"}',
      '{"prompt": "u", "output": "taken.mp4"}',
    ]);
    await writeFile(join(world.workDir, 'taken.mp4'), 'precious');
    for (const extra of [[], ['--dry-run'], ['--json']]) {
      const run = await batch([file, ...extra]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      if (extra.includes('--json')) {
        assert.match(JSON.parse(run.stderr).error.message, /line 2:/);
        continue;
      }
      assert.match(run.stderr, /6 bad lines; nothing was sent/);
      assert.match(run.stderr, /line 2: ar must be 1:1, 16:9 or 9:16/);
      assert.match(run.stderr, /line 4: unknown model "glabs-veo-9"/);
      assert.match(run.stderr, /line 5: output "\.\.\/\.\.\/escape\.mp4" is outside the output folder/);
      assert.match(run.stderr, /line 6: not valid JSON/);
      assert.match(run.stderr, /line 8: output "same\.mp4" is also the output of line 7/);
      assert.match(run.stderr, /line 9: output "taken\.mp4" already exists \(--force overwrites it\)/);
    }
    const empty = await batch([await writeBatch('empty.txt', ['# nothing yet', ''])]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no prompts/);
    assert.equal(creates().length, 0);
  });

  it('refuses lines whose model is not known to make video, unless --any-model is given', async () => {
    const file = await writeBatch('models.jsonl', [
      '{"prompt": "a fox"}',
      '{"prompt": "a poster", "model": "flux-1-1-pro"}',
      '{"prompt": "a dance", "model": "kling-2-1-standard"}',
    ]);
    const dir = join(world.workDir, 'any-model');
    for (const extra of [[], ['--dry-run'], ['--json']]) {
      const run = await batch([file, '--dir', dir, ...extra]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      const message = extra.includes('--json') ? JSON.parse(run.stderr).error.message : run.stderr;
      assert.match(message, /line 2: model "flux-1-1-pro" is not known to make video \(--any-model sends it anyway\)/);
      assert.match(message, /line 3: model "kling-2-1-standard" is not known to make video/);
      assert.doesNotMatch(message, /line 1:/);
    }
    const all = await batch([await writeBatch('flux.txt', ['a poster']), '--model', 'flux-1-1-pro', '--dry-run']);
    assert.equal(all.code, 2, all.stderr);
    assert.match(all.stderr, /hint: .*--any-model/);
    assert.equal(creates().length, 0);
    // Insisted on, every line is sent; the image model's item then fails the video check (paid for all the same).
    const insisted = await batch([file, '--dir', dir, '--any-model']);
    assert.equal(insisted.code, 6, insisted.stderr);
    assert.match(
      insisted.stderr,
      /line 2 \([0-9a-f]{24}\): The task's result is not a video: the file host sent image\/png/,
    );
    assert.match(insisted.stderr, /1 failed/);
    assert.deepEqual(
      creates()
        .map((r) => JSON.parse(r.body).model as string)
        .toSorted(),
      ['flux-1-1-pro', 'glabs-veo-3-1-fast', 'kling-2-1-standard'],
    );
  });

  it('resumes an interrupted batch without creating any item twice', async () => {
    const prompts = Array.from({ length: 8 }, (_, i) => `resumable ${i + 1}`);
    const file = await writeBatch('interrupted.txt', prompts);
    const dir = join(world.workDir, 'interrupted');
    world.sim.configure({ taskMs: 1000 });
    // The first create is answered at once; the second is still on its way when Ctrl-C arrives.
    world.sim.inject('create', { kind: 'slow', ms: 1 });
    world.sim.inject('create', { kind: 'slow', ms: 600 });
    let interrupted = false;
    const first = await batch([file, '--concurrency', '3', '--dir', dir], {
      onStderr: (text, child) => {
        if (!interrupted && / created /.test(text)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, /Interrupted: 0 of 8 items saved, \d created but not saved yet, \d not created/);
    assert.match(first.stderr, /Re-run the same command to resume .*veo batch \S*interrupted\.txt --dir/);
    const createdFirst = creates().length;
    assert.ok(createdFirst >= 2 && createdFirst <= 3, `${createdFirst} created before the interruption`);
    const { entries } = await new Journal(world.configDir).load();
    const remembered = entries.filter((entry) => entry.batch?.dir === dir);
    assert.equal(remembered.length, createdFirst, 'every create, the slow one included, is in the journal');
    assert.ok(remembered.every((entry) => ID.test(entry.id) && entry.prompt?.startsWith('resumable')));

    world.sim.configure({ taskMs: 150 });
    const second = await batch([file, '--concurrency', '3', '--dir', dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(creates().length, 8, 'across both runs, one create per item');
    assert.match(second.stderr, /resuming [0-9a-f]{24}/);
    const saved = second.stdout.trim().split('\n');
    assert.equal(saved.length, 8);
    for (const path of saved) assert.equal(await sha(path), videoSha);

    world.sim.requests.length = 0;
    const third = await batch([file, '--concurrency', '3', '--dir', dir]);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(creates().length, 0);
    assert.equal(fileRequests().length, 0);
    assert.deepEqual(third.stdout.trim().split('\n'), saved);
    assert.match(third.stderr, /0 saved, 8 already saved/);
  });

  it('reads JSON lines from stdin, saves to named outputs, and prints one JSON array', async () => {
    const input = [
      '{"prompt": "a fox", "output": "fox.mp4"}',
      '{"prompt": "a FAIL cat"}',
      '{"prompt": "a boat", "output": "boats/boat.mp4", "ar": "9:16", "image": "https://example.com/boat.png"}',
    ].join('\n');
    const dir = join(world.workDir, 'named');
    const run = await batch(['-', '--json', '--dir', dir], { input });
    assert.equal(run.code, 6, run.stderr);
    const results = JSON.parse(run.stdout);
    assert.equal(results.length, 3);
    assert.deepEqual(
      { ...results[0], id: 'x' },
      { line: 1, prompt: 'a fox', id: 'x', status: 'saved', path: join(dir, 'fox.mp4') },
    );
    assert.equal(results[1].status, 'failed');
    assert.match(results[1].id, ID);
    assert.equal(results[1].error.code, 'GENERATION_FAILED');
    assert.equal(results[1].error.exitCode, 6);
    assert.equal(results[2].path, join(dir, 'boats', 'boat.mp4'));
    assert.equal(await sha(join(dir, 'boats', 'boat.mp4')), videoSha);
    const boat = creates().find((r) => r.body.includes('a boat'));
    assert.deepEqual(JSON.parse(boat?.body ?? '{}'), {
      model: 'glabs-veo-3-1-fast',
      prompt: 'a boat',
      images: ['https://example.com/boat.png'],
      ar: '9:16',
    });
    assert.equal(JSON.parse(run.stderr).error.code, 'ITEMS_FAILED', 'stderr is one JSON error document');

    world.sim.requests.length = 0;
    const again = await batch(['-', '--json', '--dir', dir], { input });
    assert.equal(again.code, 6);
    assert.deepEqual(
      JSON.parse(again.stdout).map((r: { status: string }) => r.status),
      ['already-saved', 'failed', 'already-saved'],
    );
    assert.equal(creates().length, 0);
  });

  it('stops creating after an account-wide failure and says so', async () => {
    world.sim.configure({ balance: 60 });
    const file = await writeBatch('broke.txt', ['one', 'two', 'three', 'four']);
    const run = await batch([file, '--concurrency', '1', '--dir', join(world.workDir, 'broke')]);
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, /covers only 1 of the 4 new clips .*Those are reported as not created; none is billed/);
    assert.equal(creates().length, 2, 'one paid create, one refused, then no more');
    // The counts agree with the lines under them: nothing failed, three were not created.
    assert.match(run.stderr, /batch: 1 saved, 0 already saved, 0 failed, 0 pending, 3 not created \(of 4\)/);
    assert.match(run.stderr, /line 2: not created: Insufficient balance/);
    assert.match(run.stderr, /line 4: not created after an earlier item failed: Insufficient balance/);
  });

  it('a balance that covers none of the clips stops the batch before any create (exit 4), unless --ignore-balance', async () => {
    world.sim.configure({ balance: 10 });
    const file = await writeBatch('none.txt', ['one', 'two', 'three', 'four']);
    const dir = join(world.workDir, 'none');
    for (const extra of [[], ['--json']]) {
      const run = await batch([file, '--dir', dir, ...extra]);
      assert.equal(run.code, 4, run.stderr);
      const message = extra.length > 0 ? JSON.parse(run.stderr).error.message : run.stderr;
      assert.match(message, /covers none of the 4 new clips .*nothing was sent/);
      if (extra.length === 0) assert.match(run.stderr, /hint: .*--ignore-balance/);
      assert.equal(creates().length, 0);
    }
    const insisted = await batch([file, '--dir', dir, '--ignore-balance', '--concurrency', '1']);
    assert.equal(insisted.code, 4, insisted.stderr);
    assert.equal(creates().length, 1, 'the refusal of the first stops the rest');
    assert.match(insisted.stderr, /batch: 0 saved, 0 already saved, 0 failed, 0 pending, 4 not created \(of 4\)/);
  });
});
