import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Fault, Route } from '../../src/sim/index.js';
import { closedPort, type RunOptions, type RunResult, signalOnCreate, useWorld } from '../helpers/cli.js';

// In --json mode a script parses both streams: stdout is one JSON document or nothing, and every line of stderr is
// a JSON document of its own (warnings and the error), on every path that can end a command.

interface Row {
  name: string;
  args: string[];
  env?: Record<string, string | undefined>;
  fault?: { route: Route; fault: Fault; times?: number };
  options?: () => RunOptions;
  /** Prepares files or tasks the row needs; may return extra arguments. */
  setup?: () => Promise<string[] | void>;
  code: number;
  /** Codes every one of which must appear among stderr's documents (error or warning). */
  expect?: string[];
}

/** Every line of stderr as a JSON document; the test fails naming the line that is not one. */
function stderrDocuments(run: RunResult): { error?: { code: string; exitCode: number }; warning?: { code: string } }[] {
  return run.stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as { error?: { code: string; exitCode: number }; warning?: { code: string } };
      } catch {
        assert.fail(`a stderr line that is not JSON: ${JSON.stringify(line)}\nstderr:\n${run.stderr}`);
      }
    });
}

describe('--json: stderr carries JSON only, stdout one document or nothing', () => {
  const world = useWorld({ taskMs: 200 });
  let doneId: string;
  const slowPrompt = 'a task that runs for a minute';
  let slowId: string;

  before(async () => {
    doneId = (await world.veo(['create', 'a finished task'])).stdout.trim();
    assert.equal((await world.veo(['wait', doneId, '--interval', '0.05'])).code, 0);
    world.sim.configure({ taskMs: 60_000 });
    slowId = (await world.veo(['create', slowPrompt])).stdout.trim();
    world.sim.configure({ taskMs: 200 });
  });

  let prompts = 0;
  const fresh = () => `json only ${++prompts}`;
  const QUICK = { VEO_RETRY_ATTEMPTS: '2', VEO_RETRY_BASE_MS: '5' };

  const rows: Row[] = [
    { name: 'an unknown flag', args: ['create', 'x', '--no-such-flag'], code: 2, expect: ['USAGE'] },
    { name: 'a bad flag value', args: ['create', 'x', '--ar', '5:4'], code: 2 },
    { name: 'an unknown command', args: ['nosuch'], code: 2, expect: ['USAGE'] },
    { name: 'no command at all', args: [], code: 2, expect: ['USAGE'] },
    { name: 'a group without its subcommand', args: ['config'], code: 2, expect: ['USAGE'] },
    { name: 'no key', args: ['balance'], env: { GPTUNNEL_API_KEY: undefined }, code: 3, expect: ['NO_API_KEY'] },
    { name: 'a bad task id', args: ['result', 'not-an-id'], code: 2 },
    {
      name: 'HTTP 401',
      args: ['balance'],
      fault: { route: 'balance', fault: { kind: 'http', status: 401, body: '{"error":"bad key"}' } },
      code: 3,
    },
    {
      name: 'HTTP 402',
      args: ['balance'],
      fault: { route: 'balance', fault: { kind: 'http', status: 402, body: '{"error":"pay"}' }, times: Infinity },
      env: QUICK,
      code: 4,
    },
    {
      name: 'HTTP 429, retried',
      args: ['balance'],
      fault: { route: 'balance', fault: { kind: 'http', status: 429 }, times: Infinity },
      env: QUICK,
      code: 4,
      expect: ['RETRYING'],
    },
    {
      name: 'HTTP 500, retried',
      args: ['result', '__DONE__'],
      fault: { route: 'result', fault: { kind: 'http', status: 500 }, times: Infinity },
      env: QUICK,
      code: 7,
      expect: ['RETRYING'],
    },
    {
      name: 'a connection refused, retried',
      args: ['balance'],
      setup: async () => {
        rowEnv.GPTUNNEL_BASE_URL = `http://127.0.0.1:${await closedPort()}`;
      },
      env: QUICK,
      code: 7,
      expect: ['RETRYING'],
    },
    { name: 'a wait that times out', args: ['wait', '__SLOW__', '--timeout', '1', '--interval', '0.05'], code: 5 },
    {
      name: 'a file in the way',
      args: ['download', '__DONE__', '-o'],
      setup: async () => {
        const path = join(world.workDir, 'in-the-way.mp4');
        await writeFile(path, 'mine');
        return [path];
      },
      code: 2,
    },
    {
      name: 'interrupted while a create is answered late',
      args: ['create', '__FRESH__'],
      fault: { route: 'create', fault: { kind: 'late-answer', ms: 300 } },
      options: () => ({ onStart: signalOnCreate(world.sim, 'SIGINT') }),
      code: 130,
      expect: ['SIGNAL'],
    },
    {
      name: 'a dry run the balance cannot cover',
      args: ['create', '__FRESH__', '--dry-run'],
      setup: async () => world.sim.configure({ balance: 1 }),
      code: 4,
      expect: ['INSUFFICIENT_BALANCE'],
    },
    {
      name: 'a create refused for the balance',
      args: ['create', '__FRESH__'],
      setup: async () => world.sim.configure({ balance: 1 }),
      code: 4,
      expect: ['INSUFFICIENT_BALANCE'],
    },
    {
      name: 'a batch the balance covers only in part (a warning), then a moderation failure',
      args: ['batch'],
      setup: async () => {
        world.sim.configure({ balance: 60, failPattern: 'dragon' });
        const file = join(world.workDir, `batch-${prompts}.txt`);
        await writeFile(file, `${fresh()} dragon\n${fresh()} dragon\n`);
        return [file, '--interval', '0.05', '--dir', world.workDir];
      },
      code: 4,
      expect: ['LOW_BALANCE'],
    },
    {
      name: 'a batch file with a bad line',
      args: ['batch'],
      setup: async () => {
        const file = join(world.workDir, 'bad.jsonl');
        await writeFile(file, '{"prompt": "a", "colour": "red"}\n');
        return [file];
      },
      code: 2,
      expect: ['BAD_BATCH_FILE'],
    },
    {
      name: 'an interval below the minimum (a warning)',
      args: ['wait', '__DONE__', '--interval', '0.001'],
      env: { VEO_MIN_INTERVAL_MS: undefined },
      code: 0,
      expect: ['INTERVAL_RAISED'],
    },
    {
      name: 'a config folder open to everyone',
      args: ['balance'],
      setup: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'veo-open-'));
        await chmod(dir, 0o777);
        rowEnv.VEO_CONFIG_DIR = dir;
      },
      code: 2,
      expect: ['CONFIG_DIR_UNSAFE'],
    },
    {
      name: 'a damaged config file, the key from the environment (a warning)',
      args: ['balance'],
      setup: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'veo-damaged-'));
        await chmod(dir, 0o700);
        await writeFile(join(dir, 'config.json'), '{not json', { mode: 0o600 });
        rowEnv.VEO_CONFIG_DIR = dir;
      },
      code: 0,
      expect: ['CONFIG'],
    },
    {
      name: 'a bad environment value',
      args: ['balance'],
      env: { VEO_RETRY_ATTEMPTS: 'abc' },
      code: 2,
      expect: ['BAD_ENVIRONMENT'],
    },
    {
      name: 'a base URL from the environment that is not one',
      args: ['balance'],
      env: { GPTUNNEL_BASE_URL: 'ftp://example.com' },
      code: 2,
    },
    {
      name: 'an output folder that cannot be made',
      args: ['download', '__DONE__', '-o'],
      setup: async () => {
        const blocker = join(world.workDir, 'a-file');
        await writeFile(blocker, 'x');
        return [join(blocker, 'sub', 'clip.mp4')];
      },
      code: 2,
    },
    {
      name: 'a sync that finds a video lost',
      args: ['sync', '--dir', join(tmpdir(), 'veo-json-only-never')],
      setup: async () => {
        const id = (await world.veo(['create', fresh()])).stdout.trim();
        await world.veo(['wait', id, '--interval', '0.05']);
        world.sim.configure({ linkTtlMs: 0 });
      },
      code: 8,
    },
  ];

  let rowEnv: Record<string, string | undefined> = {};

  for (const row of rows) {
    it(`${row.name}: exit ${row.code}`, async () => {
      rowEnv = {};
      world.sim.configure({ balance: 1_000_000, failPattern: null, linkTtlMs: null });
      const extra = (await row.setup?.()) ?? [];
      if (row.fault) world.sim.inject(row.fault.route, row.fault.fault, row.fault.times ?? 1);
      const args = [...row.args, ...extra].map((arg) =>
        arg === '__DONE__' ? doneId : arg === '__SLOW__' ? slowId : arg === '__FRESH__' ? fresh() : arg,
      );
      const run = await world.veo(['--json', ...args], {
        ...row.options?.(),
        env: { ...row.env, ...rowEnv },
      });
      world.sim.configure({ balance: 1_000_000, failPattern: null, linkTtlMs: null });
      assert.equal(run.code, row.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
      if (run.stdout !== '')
        assert.doesNotThrow(() => JSON.parse(run.stdout), `stdout is one JSON document:\n${run.stdout}`);
      const documents = stderrDocuments(run);
      const errors = documents.filter((d) => d.error);
      if (row.code === 0) assert.equal(errors.length, 0, run.stderr);
      else {
        assert.equal(errors.length, 1, `exactly one error document:\n${run.stderr}`);
        assert.equal(errors[0]?.error?.exitCode, row.code === 130 ? 130 : row.code);
      }
      const codes = documents.map((d) => d.error?.code ?? d.warning?.code);
      for (const code of row.expect ?? []) assert.ok(codes.includes(code), `${code} among ${codes.join(', ')}`);
    });
  }
});
