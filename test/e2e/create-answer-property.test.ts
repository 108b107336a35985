import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AnswerGen } from '../helpers/answer-gen.js';
import { useWorld, type RunResult } from '../helpers/cli.js';

// The spawned half of the property: random create answers from veo-sim (the task really created and billed each
// time) through every command that creates. Whatever the answer holds once it carries a valid id, the id is
// printed and journaled, and the command ends as it would have with a plain answer.

const SEED = 424242;
const RANDOM_CASES = 45;
const MODES = ['create', 'create --json', 'create -o', 'create --wait', 'batch', 'batch --json'] as const;
type Mode = (typeof MODES)[number];

interface Case {
  name: string;
  mode: Mode;
  fields: Record<string, string>;
  omit: string[];
}

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const NAMED: Case[] = [
  { name: 'created_at 1e16', mode: 'create -o', fields: { created_at: '1e16' }, omit: [] },
  { name: 'created_at 1e16', mode: 'create --json', fields: { created_at: '1e16' }, omit: [] },
  { name: '200,000 levels deep', mode: 'create --json', fields: { extra: deep(200_000) }, omit: [] },
  { name: '200,000 levels deep in status', mode: 'create', fields: { status: deep(200_000) }, omit: [] },
  { name: '200,000 levels deep', mode: 'create --wait', fields: { extra: deep(200_000) }, omit: [] },
  { name: '200,000 levels deep', mode: 'batch --json', fields: { extra: deep(200_000) }, omit: [] },
  { name: 'code 5 next to the id', mode: 'create', fields: { code: '5', message: '"no money"' }, omit: [] },
  {
    name: 'nothing but the id',
    mode: 'create -o',
    fields: {},
    omit: ['code', 'model', 'prompt', 'created_at', 'status', 'url'],
  },
  { name: 'a 1 MB string', mode: 'batch', fields: { prompt: JSON.stringify('p'.repeat(1_000_000)) }, omit: [] },
  // Over the 4 MiB answer limit, so the body veo reads is cut short and is not JSON; the id comes before the cut.
  { name: 'a 5 MB string', mode: 'create', fields: { extra: JSON.stringify('p'.repeat(5_000_000)) }, omit: [] },
];

function randomCases(): Case[] {
  const gen = new AnswerGen(SEED, { maxString: 200_000, maxDepth: 20_000 });
  return Array.from({ length: RANDOM_CASES }, (_, n) => ({
    name: `random #${n} (seed ${SEED})`,
    mode: MODES[n % MODES.length]!,
    ...gen.answerFields(),
  }));
}

/** In --json mode stderr carries JSON documents only, one a line. */
function assertJsonLines(stderr: string, label: string): void {
  for (const line of stderr.split('\n').filter(Boolean)) {
    assert.doesNotThrow(() => JSON.parse(line), `${label}: stderr line is not JSON: ${line.slice(0, 200)}`);
  }
}

describe('create answers with random members, end to end (property)', () => {
  const world = useWorld({ taskMs: 60 });
  const journaled: string[] = [];

  async function runCase(test: Case, n: number): Promise<{ run: RunResult; id: string }> {
    const before = world.sim.tasks().length;
    world.sim.inject('create', { kind: 'answer-fields', fields: test.fields, omit: test.omit });
    const label = `${test.name} [${test.mode}]`;
    const json = test.mode.endsWith('--json') ? ['--json'] : [];
    const prompt = `case ${n}`;
    const path = join(world.workDir, `case-${n}.mp4`);
    const dir = join(world.workDir, `batch-${n}`);
    let run: RunResult;
    if (test.mode.startsWith('batch')) {
      const file = join(world.workDir, `case-${n}.txt`);
      await writeFile(file, `${prompt}\n`);
      run = await world.veo([...json, 'batch', file, '--dir', dir, '--interval', '0.05']);
    } else if (test.mode === 'create -o') {
      run = await world.veo(['create', prompt, '-o', path, '--interval', '0.05']);
    } else if (test.mode === 'create --wait') {
      run = await world.veo(['create', prompt, '--wait', '--interval', '0.05']);
    } else {
      run = await world.veo([...json, 'create', prompt]);
    }
    assert.equal(world.sim.tasks().length, before + 1, `${label}: exactly one task created`);
    const id = world.sim.tasks().at(-1)!.id;
    assert.equal(run.code, 0, `${label}: exit ${run.code}\n${run.stderr.slice(0, 2000)}`);
    switch (test.mode) {
      case 'create':
        assert.equal(run.stdout, `${id}\n`, label);
        break;
      case 'create --json':
        assert.equal((JSON.parse(run.stdout) as { id: string }).id, id, label);
        assertJsonLines(run.stderr, label);
        break;
      case 'create -o':
        assert.equal(run.stdout, `${path}\n`, label);
        assert.ok(existsSync(path), `${label}: ${path} saved`);
        assert.ok(run.stderr.includes(id), `${label}: the id is shown`);
        break;
      case 'create --wait':
        assert.match(run.stdout, /^http:\/\/.+\n$/, label);
        assert.ok(run.stderr.includes(id), `${label}: the id is shown`);
        break;
      case 'batch':
        assert.ok(run.stderr.includes(`created ${id}`), `${label}: the id is shown`);
        assert.match(run.stdout, /\.mp4\n$/, label);
        break;
      case 'batch --json': {
        const results = JSON.parse(run.stdout) as { id?: string; status: string }[];
        assert.deepEqual(
          results.map((r) => [r.id, r.status]),
          [[id, 'saved']],
          label,
        );
        assertJsonLines(run.stderr, label);
        break;
      }
    }
    journaled.push(id);
    return { run, id };
  }

  const cases = [...NAMED, ...randomCases()];
  cases.forEach((test, n) => {
    it(`${test.name} [${test.mode}]: exit 0, the id printed`, async () => {
      await runCase(test, n);
    });
  });

  it('a warning says what was set aside: the marker in --json output, the odd created_at', async () => {
    const { run } = await runCase(NAMED[2]!, 1000);
    assert.ok(run.stdout.includes('[veo: nested more than 64 levels deep; left out]'));
    const warning = JSON.parse(run.stderr.split('\n')[0]!) as { warning: { code: string; message: string } };
    assert.equal(warning.warning.code, 'ANSWER_TOO_DEEP');
    assert.match(warning.warning.message, /under "extra"/);
    const plain = await runCase(NAMED[0]!, 1001);
    assert.match(plain.run.stderr, /warning: .*created_at \(the number 10000000000000000: not a Unix time/);
    const big = NAMED.find((test) => test.name === 'a 5 MB string')!;
    const cut = await runCase(big, 1002);
    assert.match(cut.run.stderr, new RegExp(`warning: The create answer was not valid JSON .*names task ${cut.id}`));
  });

  it('result answers nested 200,000 levels deep while create --wait --json polls: the document printed, one warning', async () => {
    world.sim.inject('result', { kind: 'answer-fields', fields: { extra: deep(200_000) } }, Infinity);
    // Long enough for several polls, each meeting the same deep answer.
    world.sim.configure({ taskMs: 500 });
    const run = await world.veo(['--json', 'create', 'deep results', '--wait', '--interval', '0.02']);
    world.sim.configure({ taskMs: 60 });
    world.sim.clearFaults();
    assert.equal(run.code, 0, run.stderr);
    const document = JSON.parse(run.stdout) as { id: string; status: string; extra: unknown };
    assert.equal(document.status, 'done');
    assert.ok(JSON.stringify(document.extra).includes('[veo: nested more than 64 levels deep; left out]'));
    const polls = world.sim.requests.filter((request) => request.route === 'result').length;
    assert.ok(polls > 1, `${polls} polls`);
    const warnings = run.stderr.split('\n').filter(Boolean);
    assert.equal(warnings.length, 1, run.stderr);
    assert.equal((JSON.parse(warnings[0]!) as { warning: { code: string } }).warning.code, 'ANSWER_TOO_DEEP');
    journaled.push(document.id);
  });

  // Checked once for all cases: `veo list` is what a user would look at to find a task again.
  it('every task created above is in the journal, with a valid creation time', async () => {
    assert.ok(journaled.length >= cases.length);
    const listed = await world.veo(['--json', 'list', '--limit', '1000']);
    assert.equal(listed.code, 0, listed.stderr);
    const entries = JSON.parse(listed.stdout) as { id: string; createdAt: string }[];
    for (const id of journaled) {
      const entry = entries.find((e) => e.id === id);
      assert.ok(entry, `task ${id} is in the journal`);
      assert.ok(Number.isFinite(Date.parse(entry.createdAt)), `${id}: createdAt ${entry.createdAt}`);
    }
  });
});
