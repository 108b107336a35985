import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, beforeEach, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { ROOT, useWorld } from '../helpers/cli.js';
import { markdownTables } from '../helpers/markdown-tables.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}

interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

interface Workflow {
  concurrency?: string;
  jobs?: Record<string, { steps: Step[] }>;
}

const INPUT_EXPRESSION = /\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}/g;

describe('action.yml', () => {
  let text: string;
  let action: Action;
  before(async () => {
    text = await readFile(join(ROOT, 'action.yml'), 'utf8');
    action = load(text) as Action;
  });

  it('is a composite action whose run steps name their shell and take no expression into the script', () => {
    assert.equal(action.runs.using, 'composite');
    assert.ok(action.name && action.description);
    const runs = action.runs.steps.filter((step) => step.run !== undefined);
    assert.ok(runs.length >= 2);
    for (const step of runs) {
      assert.equal(step.shell, 'bash', `${step.name}: a run step names its shell`);
      // An expression in a script is pasted into it as text (script injection); values come through env only.
      assert.doesNotMatch(step.run ?? '', /\$\{\{/, `${step.name}: no expression inside run`);
    }
    for (const step of action.runs.steps.filter((s) => s.uses !== undefined)) {
      assert.match(step.uses ?? '', /^actions\/[a-z-]+@v\d+$/, 'third-party steps are pinned to a major version');
    }
  });

  it('declares every input it uses and uses every input it declares; the key is required and only an env value', () => {
    const used = new Set([...text.matchAll(INPUT_EXPRESSION)].map((match) => match[1]));
    const declared = Object.keys(action.inputs);
    assert.deepEqual([...used].sort(), [...declared].sort());
    for (const name of [
      'prompt',
      'batch-file',
      'aspect-ratio',
      'output-dir',
      'max-cost',
      'model',
      'api-key',
      'node-version',
      'config-dir',
    ])
      assert.ok(declared.includes(name), name);
    assert.equal(action.inputs['api-key']?.required, true);
    assert.equal(action.inputs['api-key']?.default, undefined, 'no default key');
    assert.equal(action.inputs['output-dir']?.default, 'videos');
    const keyUses = [...text.matchAll(/inputs\.api-key/g)];
    assert.equal(keyUses.length, 1);
    const run = action.runs.steps.find((step) => step.id === 'run');
    assert.equal(run?.env?.GPTUNNEL_API_KEY, '${{ inputs.api-key }}');
    assert.equal(action.outputs.paths?.value, '${{ steps.run.outputs.paths }}');
  });

  it('installs and builds veo from its own folder', () => {
    const build = action.runs.steps.find((step) => /npm ci/.test(step.run ?? ''));
    assert.equal(build?.['working-directory'], '${{ github.action_path }}');
    assert.match(build?.run ?? '', /npm run build/);
    const node = action.runs.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    assert.equal(node?.with?.['node-version'], '${{ inputs.node-version }}');
  });
});

describe("the README's workflows", () => {
  it('parse as YAML, pass the action only inputs it declares, and share one concurrency group', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### GitHub Actions'), readme.indexOf('### Shell completion'));
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => load(match[1] ?? '') as Workflow);
    assert.equal(blocks.length, 2, 'the dispatch workflow and the batch-file one');
    const action = load(await readFile(join(ROOT, 'action.yml'), 'utf8')) as Action;
    for (const workflow of blocks) assert.equal(workflow.concurrency, 'veo');
    const steps = Object.values(blocks[0]?.jobs ?? {}).flatMap((job) => job.steps);
    const veo = steps.find((step) => step.uses?.startsWith('owner/veo@'));
    for (const input of Object.keys(veo?.with ?? {})) assert.ok(input in action.inputs, input);
    assert.match(section, /cancels the\s+waiting one/, 'the README says what GitHub does to a second waiting run');
  });
});

describe("action.yml's script, run as the runner runs it, against the simulator", () => {
  const world = useWorld({ taskMs: 100, failPattern: 'FAIL' });
  let action: Action;
  let outputFile: string;
  let summaryFile: string;
  before(async () => {
    action = load(await readFile(join(ROOT, 'action.yml'), 'utf8')) as Action;
  });
  beforeEach(async () => {
    outputFile = join(world.workDir, `output-${Math.random().toString(36).slice(2)}`);
    summaryFile = `${outputFile}.md`;
    await writeFile(outputFile, '');
    await writeFile(summaryFile, '');
  });

  /** The step's env as the runner sets it from the inputs given (or their defaults), and its script run by bash. */
  function runAction(inputs: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const step = action.runs.steps.find((s) => s.id === 'run');
    assert.ok(step?.run && step.env);
    const value = (name: string) => inputs[name] ?? action.inputs[name]?.default ?? '';
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION_PATH: ROOT,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GPTUNNEL_BASE_URL: world.env.GPTUNNEL_BASE_URL ?? '',
      VEO_MIN_INTERVAL_MS: '1',
      VEO_RETRY_BASE_MS: '20',
    };
    for (const [name, expression] of Object.entries(step.env))
      env[name] = expression.replace(INPUT_EXPRESSION, (_, input: string) => value(input));
    return new Promise((resolve, reject) => {
      // As the runner does for `shell: bash`.
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? ''], {
        cwd: world.workDir,
        env,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** The `paths` output as the runner reads $GITHUB_OUTPUT: name<<delimiter, the lines, the delimiter. */
  async function pathsOutput(): Promise<string[]> {
    const written = await readFile(outputFile, 'utf8');
    const match = /^paths<<(\S+)\n([\s\S]*?)^\1$/m.exec(written);
    assert.ok(match, written);
    assert.match(match[1] ?? '', /^veo_paths_[0-9a-f]{32}$/);
    return (match[2] ?? '').split('\n').filter(Boolean);
  }

  const creates = () => world.sim.requests.filter((r) => r.route === 'create');

  it('a prompt: created, saved in output-dir, its path an output, the journal in config-dir; a re-run pays nothing', async () => {
    const prompt = 'a heron at dawn; $(touch injected) `touch injected` "quoted" \\ -x\nsecond line';
    const key = world.env.GPTUNNEL_API_KEY ?? '';
    const run = await runAction({ prompt, 'api-key': key });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(join(world.workDir, 'injected')), false, 'the prompt is never run as shell');
    assert.equal(creates().length, 1);
    assert.equal(JSON.parse(creates()[0]?.body ?? '{}').prompt, prompt, 'the prompt is sent exactly as given');
    assert.match(run.stdout, new RegExp(`^::add-mask::${key}$`, 'm'), 'the key is masked in the log');
    const [path, ...more] = await pathsOutput();
    assert.deepEqual(more, []);
    assert.match(path ?? '', new RegExp(`^${join(world.workDir, 'videos')}/[0-9a-f]{24}\\.mp4$`));
    assert.ok(existsSync(path ?? ''));
    assert.ok(existsSync(join(world.workDir, '.veo')), 'the journal is in config-dir');
    const [table] = markdownTables(await readFile(summaryFile, 'utf8'));
    assert.equal(table?.rows[0]?.[2], 'saved');

    // A re-run on a fresh runner: the journal comes back from the cache, the video does not.
    await rm(path ?? '');
    await writeFile(outputFile, '');
    const again = await runAction({ prompt, 'api-key': key });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(creates().length, 1, 'the re-run resumed from the journal and paid for nothing');
    assert.deepEqual(await pathsOutput(), [path]);
    assert.ok(existsSync(path ?? ''), 'the video was fetched again');
  });

  it('a prompt is one clip: {a|b} groups, bars and backslashes in it are sent as written, never as variations', async () => {
    const prompt = 'a {red|blue|green} kite, \\{not|a group\\} | {word} \\| \\\\{x|y}';
    const run = await runAction({ prompt, 'api-key': world.env.GPTUNNEL_API_KEY ?? '' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(creates().length, 1, 'one prompt, one paid clip');
    assert.equal(JSON.parse(creates()[0]?.body ?? '{}').prompt, prompt);
    assert.equal((await pathsOutput()).length, 1);
  });

  it('a batch file with a failing line: the saved paths are still an output, and the exit code says it failed', async () => {
    await writeFile(join(world.workDir, 'prompts.txt'), 'a quiet harbour\nthis will FAIL\n');
    const run = await runAction({
      'batch-file': 'prompts.txt',
      'api-key': world.env.GPTUNNEL_API_KEY ?? '',
      'output-dir': 'clips dir',
      'aspect-ratio': '9:16',
      'config-dir': 'journal',
    });
    assert.equal(run.code, 6, run.stderr);
    assert.match(run.stderr, /^::error title=veo batch::1 of 2 items was not saved/m);
    const paths = await pathsOutput();
    assert.equal(paths.length, 1);
    assert.ok(paths[0]?.startsWith(join(world.workDir, 'clips dir')));
    assert.ok(creates().every((r) => JSON.parse(r.body).ar === '9:16'));
    assert.ok(existsSync(join(world.workDir, 'journal')));
  });

  it('max-cost reaches veo: a run that would cost more is refused before paying, exit 9, and says so', async () => {
    const run = await runAction({ prompt: 'an expensive sunset', 'max-cost': '10', 'api-key': 'shds-anything' });
    assert.equal(run.code, 9, run.stderr);
    assert.match(run.stderr, /^::error title=veo batch::.*--max-cost 10/m);
    assert.equal(creates().length, 0);
    assert.match(await readFile(summaryFile, 'utf8'), /^### veo batch: failed$/m);
    assert.deepEqual(await pathsOutput(), []);
  });

  it('refuses both a prompt and a batch file, or neither, before anything is sent', async () => {
    const cases: Record<string, string>[] = [{ prompt: 'x', 'batch-file': 'prompts.txt' }, {}];
    for (const inputs of cases) {
      const run = await runAction({ ...inputs, 'api-key': 'shds-anything' });
      assert.equal(run.code, 2);
      assert.match(run.stdout, /^::error title=veo action::Give exactly one of the inputs prompt and batch-file\.$/m);
    }
    assert.equal(creates().length, 0);
  });
});
