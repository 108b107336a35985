import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { type RunOptions, type RunResult, useWorld } from '../helpers/cli.js';

// A price with kopecks, set in the simulator, so that the boundary is exact to the kopeck.
const LITE = 'glabs-veo-3-1-lite';
const PRICE = 12.34;
const FAST = 'glabs-veo-3-1-fast';
const FAST_PRICE = 49;

describe('spending caps and veo spend', () => {
  const world = useWorld({ taskMs: 100, prices: { [LITE]: PRICE } });
  const dirs: string[] = [];
  let configDir: string;

  // Each test gets a journal of its own: what it spends is all that counts.
  beforeEach(async () => {
    world.sim.configure({ taskMs: 100, balance: 1_000_000, prices: { [LITE]: PRICE } });
    configDir = await mkdtemp(join(tmpdir(), 'veo-caps-'));
    dirs.push(configDir);
  });
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const veo = (args: string[], options: RunOptions = {}) =>
    world.veo(args, { ...options, env: { VEO_CONFIG_DIR: configDir, ...options.env } });
  const creates = () => world.sim.requests.filter((r) => r.route === 'create');
  const errorDocument = (run: RunResult) => {
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    return JSON.parse(lines[0] ?? '') as { error: { code: string; exitCode: number; message: string } };
  };
  const setBudget = async (key: string, value: string) => {
    const set = await veo(['config', 'set', key, value]);
    assert.equal(set.code, 0, set.stderr);
  };

  it('--max-cost at exactly the price creates; one kopeck below refuses with exit 9 and sends nothing', async () => {
    const below = await veo(['create', 'a kite at the boundary', '--model', LITE, '--max-cost', '12.33']);
    assert.equal(below.code, 9, below.stderr);
    assert.match(below.stderr, /12\.34 RUB/);
    assert.match(below.stderr, /--max-cost 12\.33 RUB/);
    assert.match(below.stderr, /nothing was sent/);
    assert.equal(below.stdout, '');
    assert.equal(creates().length, 0);

    const at = await veo(['create', 'a kite at the boundary', '--model', LITE, '--max-cost', '12.34']);
    assert.equal(at.code, 0, at.stderr);
    assert.match(at.stdout, /^[0-9a-f]{24}\n$/);
    assert.equal(creates().length, 1);

    // rerun pays through the same path: the same cap holds.
    const rerun = await veo(['rerun', at.stdout.trim(), '--yes', '--max-cost', '12.33']);
    assert.equal(rerun.code, 9, rerun.stderr);
    assert.match(rerun.stderr, /12\.34 RUB for 1 new clip, more than --max-cost 12\.33 RUB/);
    assert.equal(creates().length, 1);
  });

  it('--max-cost counts every clip of --repeat; --json errors are one document with SPENDING_CAP and 9', async () => {
    const out = join(world.workDir, `repeat-${Date.now()}`);
    const over = await veo([
      'create',
      'a repeated kite',
      '--model',
      LITE,
      '--repeat',
      '2',
      '--max-cost',
      '24.67',
      '-o',
      `${out}/`,
      '--json',
    ]);
    assert.equal(over.code, 9, over.stderr);
    assert.equal(over.stdout, '');
    const doc = errorDocument(over);
    assert.equal(doc.error.code, 'SPENDING_CAP');
    assert.equal(doc.error.exitCode, 9);
    assert.match(doc.error.message, /24\.68 RUB for 2 new clips, more than --max-cost 24\.67 RUB/);
    assert.equal(creates().length, 0);

    const within = await veo([
      'create',
      'a repeated kite',
      '--model',
      LITE,
      '--repeat',
      '2',
      '--max-cost',
      '24.68',
      '-o',
      `${out}/`,
    ]);
    assert.equal(within.code, 0, within.stderr);
    assert.equal(creates().length, 2);
    assert.equal((await readdir(out)).filter((name) => name.endsWith('.mp4')).length, 2);
  });

  it('a bad --max-cost or budget value is a usage error (exit 2) before anything is sent', async () => {
    for (const value of ['-1', 'ten', '10 rub', '1.234', '']) {
      const run = await veo(['create', 'a kite', '--model', LITE, '--max-cost', value]);
      assert.equal(run.code, 2, `${value}: ${run.stderr}`);
      assert.match(run.stderr, /--max-cost takes an amount of rubles/);
    }
    assert.equal(creates().length, 0);
    const set = await veo(['config', 'set', 'budget.daily', '10 rub']);
    assert.equal(set.code, 2, set.stderr);
    assert.match(set.stderr, /budget\.daily takes an amount of rubles/);
    await setBudget('budget.monthly', '1500.50');
    const got = await veo(['config', 'get', 'budget.monthly']);
    assert.equal(got.stdout, '1500.50\n');
    const list = await veo(['config', 'list', '--json']);
    assert.equal((JSON.parse(list.stdout) as Record<string, unknown>)['budget.monthly'], '1500.50');
    assert.equal((await veo(['config', 'unset', 'budget.monthly'])).code, 0);
  });

  it('a budget written into config.json by hand as a number or a nested object is a cap all the same', async () => {
    for (const config of ['{"budget.daily": 0}', '{"budget": {"daily": "0"}}', '{"budget": {"monthly": 12}}']) {
      await writeFile(join(configDir, 'config.json'), config, { mode: 0o600 });
      const run = await veo(['create', 'a kite under a hand-written cap', '--model', LITE]);
      assert.equal(run.code, 9, `${config}: ${run.stderr}`);
      assert.match(run.stderr, /budget\.(daily|monthly) would be exceeded/);
    }
    await writeFile(join(configDir, 'config.json'), '{"budget.daily": [1]}', { mode: 0o600 });
    const odd = await veo(['create', 'a kite under an odd cap', '--model', LITE]);
    assert.equal(odd.code, 2, odd.stderr);
    assert.match(odd.stderr, /budget\.daily takes an amount of rubles/);
    assert.equal(creates().length, 0);
  });

  it('a dry run shows the cap check and fails as the real run would', async () => {
    const dry = await veo(['create', 'a dry kite', '--model', LITE, '--max-cost', '12', '--dry-run']);
    assert.equal(dry.code, 9, dry.stderr);
    assert.match(dry.stderr, /--max-cost 12 RUB: 12\.34 RUB for 1 new clip, over the cap/);
    const json = await veo(['create', 'a dry kite', '--model', LITE, '--max-cost', '12.34', '--dry-run', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { caps: { cap: string; limit: number; price: number; passes: boolean }[] };
    assert.deepEqual(doc.caps, [{ cap: 'max-cost', limit: 12.34, price: 12.34, passes: true }]);
    assert.equal(creates().length, 0);
  });

  it('a batch counts only the items it still has to create: 3 lines, 1 already saved, cost 2 clips', async () => {
    const dir = join(world.workDir, `batch-${Date.now()}`);
    const first = join(dir, 'first.txt');
    const all = join(dir, 'all.txt');
    await veo(['config', 'path']);
    await rm(dir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(first, 'shot one\n');
    await writeFile(all, 'shot one\nshot two\nshot three\n');
    const args = (file: string, cap: string) => [
      'batch',
      file,
      '--dir',
      dir,
      '--model',
      LITE,
      '--max-cost',
      cap,
      '--interval',
      '0.05',
    ];
    const one = await veo(args(first, '12.34'));
    assert.equal(one.code, 0, one.stderr);
    assert.equal(creates().length, 1);

    const over = await veo(args(all, '24.67'));
    assert.equal(over.code, 9, over.stderr);
    assert.match(over.stderr, /24\.68 RUB for 2 new clips, more than --max-cost 24\.67 RUB/);
    assert.equal(creates().length, 1);

    const dry = await veo([...args(all, '24.68'), '--dry-run', '--json']);
    const plan = JSON.parse(dry.stdout) as { caps: { price: number; passes: boolean }[] };
    assert.deepEqual(
      plan.caps.map((c) => [c.price, c.passes]),
      [[24.68, true]],
    );

    const within = await veo(args(all, '24.68'));
    assert.equal(within.code, 0, within.stderr);
    assert.equal(creates().length, 3);
    assert.equal(within.stdout.trim().split('\n').length, 3);
  });

  it('budget.daily refuses the create that would pass it, with spent, cap, price and the reset; at the cap it passes', async () => {
    const first = await veo(['create', 'the first spend', '--model', LITE]);
    assert.equal(first.code, 0, first.stderr);
    await setBudget('budget.daily', '24.67');
    const refused = await veo(['create', 'the second spend', '--model', LITE]);
    assert.equal(refused.code, 9, refused.stderr);
    assert.match(
      refused.stderr,
      /budget\.daily would be exceeded: spent 12\.34 RUB today, cap 24\.67 RUB, this create costs 12\.34 RUB; nothing was sent\. The daily budget resets at \d{4}-\d\d-\d\d 00:00 \(local time\)/,
    );
    assert.equal(creates().length, 1);

    await setBudget('budget.daily', '24.68');
    const passes = await veo(['create', 'the second spend', '--model', LITE]);
    assert.equal(passes.code, 0, passes.stderr);
    assert.equal(creates().length, 2);
    // The month's budget counts the same spending.
    await setBudget('budget.monthly', '30');
    const monthly = await veo(['create', 'the third spend', '--model', LITE, '--json']);
    assert.equal(monthly.code, 9, monthly.stderr);
    const doc = errorDocument(monthly);
    assert.equal(doc.error.code, 'SPENDING_CAP');
    assert.equal(doc.error.exitCode, 9);
    assert.match(doc.error.message, /budget\.(daily|monthly) would be exceeded: spent 24\.68 RUB/);
  });

  it("a clip whose price is lost (a model no longer listed, an old journal) counts at the new clip's price, never as free", async () => {
    assert.equal((await veo(['create', 'an old clip', '--model', LITE])).code, 0);
    // As an older veo journaled it: no price kept, and its model is no longer in the list.
    const journal = join(configDir, 'journal.jsonl');
    const lines = (await readFile(journal, 'utf8')).trim().split('\n');
    const rewritten = lines.map((line) => {
      const { price: _price, priceFrom: _from, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify({ ...rest, model: 'glabs-veo-retired' });
    });
    await rm(journal);
    await rm(join(configDir, 'journal.summary.json'), { force: true });
    await writeFile(journal, `${rewritten.join('\n')}\n`, { mode: 0o600 });
    await setBudget('budget.daily', '20');
    const refused = await veo(['create', 'a new clip', '--model', LITE]);
    assert.equal(refused.code, 9, refused.stderr);
    assert.match(refused.stderr, /1 clip of unknown price counted at the price of one of these/);
    const dry = await veo(['create', 'a new clip', '--model', LITE, '--dry-run']);
    assert.equal(dry.code, 9, dry.stderr);
    assert.equal(creates().length, 1);
    await setBudget('budget.daily', '24.68');
    assert.equal((await veo(['create', 'a new clip', '--model', LITE])).code, 0);
  });

  it('an unconfirmed create (its answer swallowed) counts as spent', async () => {
    world.sim.inject('create', { kind: 'reset-after' }, 1);
    const lost = await veo(['create', 'an answer that never came', '--model', LITE]);
    assert.notEqual(lost.code, 0);
    assert.match(lost.stderr, /unconfirmed/);
    assert.equal(creates().length, 1);
    await setBudget('budget.daily', '20');
    const refused = await veo(['create', 'another clip', '--model', LITE]);
    assert.equal(refused.code, 9, refused.stderr);
    assert.match(
      refused.stderr,
      /spent 12\.34 RUB today, 1 create without an answer \(yet\) included, cap 20 RUB, this create costs 12\.34 RUB/,
    );
    assert.equal(creates().length, 1);

    const spend = await veo(['spend', '--json']);
    assert.equal(spend.code, 0, spend.stderr);
    const doc = JSON.parse(spend.stdout) as {
      total: { clips: number; spent: number; unconfirmed: number };
      unconfirmed: { creates: number; spent: number };
    };
    assert.deepEqual(doc.unconfirmed, { creates: 1, spent: 12.34 });
    assert.equal(doc.total.spent, 12.34);
    assert.equal(doc.total.unconfirmed, 1);
  });

  it('two creates started at once against a budget for one: exactly one reaches the simulator', async () => {
    await setBudget('budget.daily', '12.34');
    // The answer is slow, so the second process meets the first's create while it is still on its way.
    world.sim.inject('create', { kind: 'slow', ms: 400 }, 2);
    const [a, b] = await Promise.all([
      veo(['create', 'racing clip A', '--model', LITE]),
      veo(['create', 'racing clip B', '--model', LITE]),
    ]);
    assert.deepEqual([a.code, b.code].sort(), [0, 9], `${a.stderr}\n${b.stderr}`);
    assert.equal(creates().length, 1);
    const refused = a.code === 9 ? a : b;
    assert.match(
      refused.stderr,
      /spent 12\.34 RUB today, 1 create without an answer \(yet\) included|spent 12\.34 RUB today, cap/,
    );
  });

  it('a batch that reaches its budget mid-run stops creating, saves what it created and exits 9', async () => {
    await setBudget('budget.daily', '30');
    const dir = join(world.workDir, `budget-batch-${Date.now()}`);
    const file = join(world.workDir, `budget-batch-${Date.now()}.txt`);
    await writeFile(file, 'clip one\nclip two\nclip three\n');
    const events = `${file}.events.jsonl`;
    const run = await veo([
      'batch',
      file,
      '--dir',
      dir,
      '--model',
      LITE,
      '--concurrency',
      '1',
      '--interval',
      '0.05',
      '--events',
      events,
    ]);
    assert.equal(run.code, 9, run.stderr);
    assert.equal(creates().length, 2);
    // The event stream says of the refused item what the report says: not created, and why.
    const items = (await readFile(events, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; line?: number; outcome?: string; code?: string })
      .filter((event) => event.type === 'item');
    assert.deepEqual(items.map(({ line, outcome, code }) => [line, outcome, code]).sort(), [
      [1, 'saved', null],
      [2, 'saved', null],
      [3, 'not-created', 'SPENDING_CAP'],
    ]);
    assert.equal(run.stdout.trim().split('\n').length, 2);
    assert.match(run.stderr, /2 saved, 0 already saved, 0 failed, 0 pending, 1 not created/);
    assert.match(run.stderr, /budget\.daily would be exceeded: spent 24\.68 RUB today, cap 30 RUB/);
    // Said before the first create, so the user knows at once.
    assert.match(run.stderr, /budget\.daily \(30 RUB, 0 RUB spent today\) leaves room for 2 of the 3 new clips/);
  });

  it('veo spend shows by day and by model what was created, as a table in a pipe and as JSON', async () => {
    for (const [prompt, model] of [
      ['spend one', LITE],
      ['spend two', LITE],
      ['spend three', FAST],
    ] as const) {
      const run = await veo(['create', prompt, '--model', model, '--wait']);
      assert.equal(run.code, 0, run.stderr);
    }
    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    const table = await veo(['spend']);
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .sort();
    assert.deepEqual(rows, [
      [day, FAST, '1', '0', '49 RUB'],
      [day, LITE, '2', '0', '24.68 RUB'],
    ]);
    assert.match(table.stderr, /total since \d{4}-\d\d-\d\d: 73\.68 RUB for 3 clips/);

    const json = await veo(['spend', '--since', day, '--json']);
    const doc = JSON.parse(json.stdout) as {
      days: { day: string; model: string; clips: number; spent: number; estimated: number }[];
      models: { model: string; clips: number; spent: number }[];
      total: { clips: number; spent: number; estimated: number };
      unconfirmed: { creates: number; spent: number };
    };
    assert.deepEqual(
      doc.models.map((m) => [m.model, m.clips, m.spent]),
      [
        [FAST, 1, FAST_PRICE],
        [LITE, 2, 24.68],
      ],
    );
    assert.equal(doc.total.spent, 73.68);
    assert.equal(doc.total.clips, 3);
    // The waited tasks' answers told their cost: nothing is an estimate.
    assert.equal(doc.total.estimated, 0);
    assert.deepEqual(doc.unconfirmed, { creates: 0, spent: 0 });
    assert.equal(doc.days.length, 2);

    const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
    const later = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    const none = await veo(['spend', '--since', later, '--json']);
    assert.equal((JSON.parse(none.stdout) as { total: { spent: number } }).total.spent, 0);
    const bad = await veo(['spend', '--since', 'yesterday']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--since "yesterday" is not a time/);
    // The forms gallery takes: hours back from now, whole weeks counting today.
    for (const since of ['12h', '2w', '90m']) {
      const run = await veo(['spend', '--since', since, '--json']);
      assert.equal(run.code, 0, `${since}: ${run.stderr}`);
      assert.equal((JSON.parse(run.stdout) as { total: { spent: number } }).total.spent, 73.68, since);
    }
    const hours = await veo(['spend', '--since', '12h']);
    assert.match(hours.stderr, /total since \d{4}-\d\d-\d\d \d\d:\d\d: 73\.68 RUB for 3 clips/);
  });
});
