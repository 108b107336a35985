import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Journal } from '../../src/store/journal.js';
import { jsonErrorOf, ROOT, signalWhenPartHolds, useWorld, type RunOptions } from '../helpers/cli.js';
import { validate, type Schema } from '../helpers/json-schema.js';
import { markdownTables } from '../helpers/markdown-tables.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const ID = /^[0-9a-f]{24}$/;

describe('veo wait --all', () => {
  const world = useWorld({ taskMs: 1500, failPattern: 'FAIL' });
  let videoSha: string;
  const configDirs: string[] = [];
  before(async () => {
    videoSha = await world.sim.video().sha256();
  });
  beforeEach(() => {
    world.sim.configure({ taskMs: 1500, videoBytes: null });
  });
  after(async () => {
    for (const dir of configDirs) await rm(dir, { recursive: true, force: true });
  });

  /** A journal of the test's own: wait --all takes every unfinished task of the journal it reads. */
  async function freshJournal() {
    const configDir = await mkdtemp(join(tmpdir(), 'veo-wait-all-'));
    configDirs.push(configDir);
    const veo = (args: string[], options: RunOptions = {}) =>
      world.veo(args, { ...options, env: { VEO_CONFIG_DIR: configDir, ...options.env } });
    const create = async (prompt: string) => {
      const run = await veo(['create', prompt]);
      assert.equal(run.code, 0, run.stderr);
      const id = run.stdout.trim();
      assert.match(id, ID);
      return id;
    };
    const journal = () => new Journal(configDir).load();
    return { configDir, veo, create, journal };
  }

  const fileRequests = () => world.sim.requests.filter((r) => r.origin === 'file');

  it('waits for three creates started without --wait and saves each with the bytes served, printing three paths', async () => {
    const { veo, create, journal } = await freshJournal();
    const ids = [await create('a fox in snow'), await create('a lighthouse at dusk'), await create('rain on a window')];
    const dir = join(world.workDir, 'three');
    const run = await veo(['wait', '--all', '-o', dir, '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    const paths = ids.map((id) => join(dir, `${id}.mp4`));
    assert.deepEqual(run.stdout.trim().split('\n').toSorted(), paths.toSorted());
    const { entries } = await journal();
    for (const [i, id] of ids.entries()) {
      const path = paths[i] as string;
      assert.equal(sha256(await readFile(path)), videoSha, path);
      const entry = entries.find((e) => e.id === id);
      assert.equal(entry?.savedPath, path);
      assert.equal(entry?.sha256, videoSha);
    }
    assert.match(run.stderr, /wait --all: 3 saved, 0 already saved, 0 failed, 0 not finished \(of 3\)/);
    // Really waited: each task was asked about until it was done.
    for (const id of ids) assert.ok((world.sim.task(id)?.polls ?? 0) >= 1, id);
    assert.deepEqual((await readdir(dir)).toSorted(), ids.map((id) => `${id}.mp4`).toSorted());

    world.sim.requests.length = 0;
    const again = await veo(['wait', '--all', '-o', dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /Nothing to wait for: the journal has no unfinished task/);
    assert.equal(world.sim.requests.length, 0, 'nothing is asked or downloaded again');
  });

  it('saves the others when one generation fails, exits 6 and names the failed task', async () => {
    const { veo, create } = await freshJournal();
    const good1 = await create('a red kite');
    const bad = await create('FAIL a moderated prompt');
    const good2 = await create('a blue kite');
    const dir = join(world.workDir, 'one-fails');
    const run = await veo(['wait', '--all', '-o', dir, '--interval', '0.05']);
    assert.equal(run.code, 6, run.stderr);
    const paths = [good1, good2].map((id) => join(dir, `${id}.mp4`));
    assert.deepEqual(run.stdout.trim().split('\n').toSorted(), paths.toSorted());
    for (const path of paths) assert.equal(sha256(await readFile(path)), videoSha);
    assert.ok(!existsSync(join(dir, `${bad}.mp4`)));
    assert.match(run.stderr, new RegExp(`  ${bad}: The generation failed \\(status "failed"\\)`));
    assert.match(run.stderr, new RegExp(`veo: error: 1 of 3 tasks was not saved: ${bad}\\.`));
    assert.match(run.stderr, /2 saved, 0 already saved, 1 failed/);
  });

  it('under GitHub Actions with -o adds a summary section: one row per task with its prompt, status, price, path', async () => {
    const { veo, create } = await freshJournal();
    const good = await create('a green | kite');
    const bad = await create('FAIL a moderated prompt');
    const summary = join(world.workDir, 'wait-all-summary.md');
    await writeFile(summary, '## earlier steps\n\n');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const run = await veo(['wait', '--all', '-o', 'summarised', '--interval', '0.05'], { env });
    assert.equal(run.code, 6, run.stderr);
    const text = await readFile(summary, 'utf8');
    assert.ok(text.startsWith('## earlier steps\n\n### veo wait: 1 saved, 0 already saved, 1 failed'), text);
    assert.match(text, /^Exit code 6 \(/m);
    assert.doesNotMatch(text, /Paid for in this run/, 'waiting pays for nothing');
    const [table, ...more] = markdownTables(text);
    assert.deepEqual(more, []);
    assert.deepEqual(table?.header, ['clip', 'prompt', 'status', 'price', 'path']);
    assert.deepEqual(
      table?.rows.toSorted((a, b) => String(a[2]).localeCompare(String(b[2]))),
      [
        [bad, 'FAIL a moderated prompt', 'failed: GENERATION_FAILED', '49 RUB', '—'],
        [good, 'a green | kite', 'saved', '49 RUB', join('summarised', `${good}.mp4`)],
      ],
    );
  });

  it('with nothing unfinished says so and exits 0, telling of creates that have no id', async () => {
    const { veo } = await freshJournal();
    const empty = await veo(['wait', '--all', '-o', join(world.workDir, 'none')]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, '');
    assert.match(empty.stderr, /Nothing to wait for: the journal has no unfinished task\. \(`veo sync` saves/);
    const json = await veo(['wait', '--all', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { tasks: [], creating: 0, unconfirmed: 0 });
    assert.equal(json.stderr, '');

    // The create is processed but its answer is cut off: a task may exist, but no id is known.
    world.sim.inject('create', { kind: 'reset-after' }, 1);
    const lost = await veo(['create', 'an answer that never comes']);
    assert.notEqual(lost.code, 0);
    world.sim.requests.length = 0;
    const run = await veo(['wait', '--all']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /1 create whose answer never came \(a task may exist and be billed\) has no task id yet/);
    assert.match(run.stderr, /`veo list` shows them/);
    assert.equal(world.sim.requests.length, 0);
  });

  it('takes in the task of a create another veo is still sending, instead of finding nothing to wait for', async () => {
    const { veo } = await freshJournal();
    world.sim.inject('create', { kind: 'slow', ms: 1500 }, 1);
    const started = veo(['create', 'a create still on its way']);
    await world.sim.waitForRequest((r) => r.route === 'create');
    const dir = join(world.workDir, 'in-flight');
    const run = await veo(['wait', '--all', '-o', dir, '--interval', '1']);
    const create = await started;
    assert.equal(create.code, 0, create.stderr);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Waiting for 1 create another veo is still sending/);
    assert.deepEqual(run.stdout.trim().split('\n'), [join(dir, `${create.stdout.trim()}.mp4`)]);
  });

  it('refuses --all together with an id, no id at all, and -o that is not a folder (exit 2)', async () => {
    const { veo, create } = await freshJournal();
    const id = await create('a kept task');
    world.sim.requests.length = 0;
    const both = await veo(['wait', '--all', id]);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /Give either a task id or --all, not both/);
    const bothJson = await veo(['wait', id, '--all', '--json']);
    assert.equal(bothJson.code, 2);
    assert.equal(jsonErrorOf(bothJson.stderr).code, 'USAGE');
    const neither = await veo(['wait']);
    assert.equal(neither.code, 2, neither.stderr);
    assert.match(neither.stderr, /Give the id of the task to wait for, or --all/);
    const stdout = await veo(['wait', '--all', '-o', '-']);
    assert.equal(stdout.code, 2, stdout.stderr);
    assert.match(stdout.stderr, /-o names a folder, not stdout/);
    const oneName = await veo(['wait', '--all', '-o', 'clips/{slug}.{ext}']);
    assert.equal(oneName.code, 2, oneName.stderr);
    assert.match(oneName.stderr, /every clip would get the same name/);
    assert.equal(world.sim.requests.length, 0, 'nothing is asked before the command line is right');
  });

  it('names clips by a template; two tasks that the output-template gives one name are not both saved', async () => {
    const { veo, create } = await freshJournal();
    const fox = await create('A fox, in snow!');
    const dir = join(world.workDir, 'templated');
    const run = await veo(['wait', '--all', '-o', `${dir}/{slug:20}-{id}.{ext}`, '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${join(dir, `a-fox-in-snow-${fox}.mp4`)}\n`);

    const set = await veo(['config', 'set', 'output-template', '{slug}.{ext}']);
    assert.equal(set.code, 0, set.stderr);
    const first = await create('the same shot');
    const second = await create('the same shot');
    const clash = await veo(['wait', '--all', '-o', dir, '--interval', '0.05']);
    assert.equal(clash.code, 2, clash.stderr);
    const path = join(dir, 'the-same-shot.mp4');
    assert.equal(clash.stdout, `${path}\n`);
    assert.match(clash.stderr, new RegExp(`${second}: its name ${path} is that of task ${first} too; put \\{id\\}`));
    assert.equal(sha256(await readFile(path)), videoSha);
  });

  it('tells --events listeners of each save, each failure once and each task settled, in the published schema', async () => {
    const { veo, create } = await freshJournal();
    const good = await create('a kite over a beach');
    const bad = await create('FAIL a kite in a storm');
    const dir = join(world.workDir, 'events');
    const file = join(world.workDir, 'wait-all-events.jsonl');
    const run = await veo(['wait', '--all', '-o', dir, '--events', file, '--interval', '0.05']);
    assert.equal(run.code, 6, run.stderr);
    const schema = JSON.parse(await readFile(join(ROOT, 'docs', 'events-v1.schema.json'), 'utf8')) as Schema;
    const events = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => {
        const event = JSON.parse(line) as Record<string, unknown>;
        assert.deepEqual(validate(event, schema, schema, { strict: true }), [], line);
        return event;
      });
    const of = (type: string) => events.filter((event) => event.type === type);
    assert.deepEqual(
      of('saved').map((event) => [event.id, event.path]),
      [[good, join(dir, `${good}.mp4`)]],
    );
    assert.deepEqual(
      of('failed').map((event) => [event.id, event.code, event.exitCode]),
      [[bad, 'GENERATION_FAILED', 6]],
    );
    assert.deepEqual(
      of('item').map((event) => [event.id, event.line, event.outcome, event.path, event.code]),
      [
        [good, null, 'saved', join(dir, `${good}.mp4`), null],
        [bad, null, 'failed', null, 'GENERATION_FAILED'],
      ],
    );
    assert.deepEqual(events.at(-1), { ...events.at(-1), type: 'end', command: 'wait', exitCode: 6 });
  });

  it('--json prints one document listing every task with its status, url, path and error', async () => {
    const { veo, create } = await freshJournal();
    const good = await create('a paper boat');
    const bad = await create('FAIL a paper plane');
    const dir = join(world.workDir, 'json');
    const run = await veo(['wait', '--all', '-o', dir, '--json', '--interval', '0.05']);
    assert.equal(run.code, 6, run.stderr);
    const document = JSON.parse(run.stdout) as { tasks: Record<string, unknown>[]; creating: number };
    assert.deepEqual(document.tasks, [
      {
        id: good,
        prompt: 'a paper boat',
        status: 'saved',
        url: world.sim.fileUrl(good),
        path: join(dir, `${good}.mp4`),
        error: null,
      },
      {
        id: bad,
        prompt: 'FAIL a paper plane',
        status: 'failed',
        url: null,
        path: null,
        error: {
          code: 'GENERATION_FAILED',
          message: (document.tasks[1]?.error as { message: string }).message,
          exitCode: 6,
        },
      },
    ]);
    assert.match((document.tasks[1]?.error as { message: string }).message, /^The generation failed/);
    assert.equal(document.creating, 0);
    // stderr holds JSON only: the error document.
    assert.equal(jsonErrorOf(run.stderr).exitCode, 6);
    assert.equal(sha256(await readFile(join(dir, `${good}.mp4`))), videoSha);
  });

  it('without -o prints each task as "<id><tab><url>" and saves nothing', async () => {
    const { veo, create, journal } = await freshJournal();
    const ids = [await create('a quiet harbour'), await create('a busy market')];
    const run = await veo(['wait', '--all', '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').toSorted();
    assert.deepEqual(lines, ids.map((id) => `${id}\t${world.sim.fileUrl(id)}`).toSorted());
    assert.equal(fileRequests().length, 0);
    const { entries } = await journal();
    for (const id of ids) assert.equal(entries.find((e) => e.id === id)?.savedPath, undefined);
    // Seen finished now: the next wait --all leaves them to `veo sync`.
    const again = await veo(['wait', '--all']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Nothing to wait for/);
  });

  it('two wait --all -o DIR at once download each clip once, and every file holds the right bytes', async () => {
    const { veo, create } = await freshJournal();
    world.sim.configure({ taskMs: 3000 });
    const ids = [await create('first of three'), await create('second of three'), await create('third of three')];
    // Slow downloads, so that the two runs meet over the same clips.
    world.sim.inject('file', { kind: 'slow', ms: 400 }, Infinity);
    const dir = join(world.workDir, 'shared');
    // Each clip is hooked once, by the veo that saved it, never again by the one that found it saved.
    const log = join(world.workDir, 'hooked.log');
    const hooked = { env: { HOOK_LOG: log } };
    const [a, b] = await Promise.all([
      veo(['wait', '--all', '-o', dir, '--interval', '0.05', '--exec', 'echo {id} >> "$HOOK_LOG"'], hooked),
      veo(['wait', '--all', '-o', dir, '--interval', '0.05', '--exec', 'echo {id} >> "$HOOK_LOG"'], hooked),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const paths = ids.map((id) => join(dir, `${id}.mp4`)).toSorted();
    // Both end with every clip in place, and say where.
    assert.deepEqual(a.stdout.trim().split('\n').toSorted(), paths);
    assert.deepEqual(b.stdout.trim().split('\n').toSorted(), paths);
    for (const path of paths) assert.equal(sha256(await readFile(path)), videoSha);
    const downloads = fileRequests().map((r) => r.path);
    assert.equal(downloads.length, 3, `one download per clip: ${downloads.join(', ')}`);
    assert.equal(new Set(downloads).size, 3);
    const savedBy = (stderr: string) => Number(/wait --all: (\d+) saved/.exec(stderr)?.[1]);
    assert.equal(savedBy(a.stderr) + savedBy(b.stderr), 3, `${a.stderr}\n${b.stderr}`);
    assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n').toSorted(), ids.toSorted());
    assert.deepEqual((await readdir(dir)).toSorted(), ids.map((id) => `${id}.mp4`).toSorted());
  });

  it('Ctrl-C while waiting exits 130 naming `veo wait --all -o DIR`; the tasks stay unfinished for the next run', async () => {
    const { veo, create } = await freshJournal();
    world.sim.configure({ taskMs: 600_000 });
    const ids = [await create('a very long one'), await create('another long one')];
    const dir = join(world.workDir, 'interrupted');
    const hook = `echo {id} >> '${join(world.workDir, "it's.txt")}'`;
    const waitAll = ['wait', '--all', '-o', dir, '--interval', '0.05', '--exec', hook, '--exec', 'true', '--no-bell'];
    const run = await veo(waitAll, {
      onStart: (child) => {
        void world.sim.waitForRequest((r) => r.route === 'result').then(() => child.kill('SIGINT'));
      },
    });
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /Interrupted: 0 of 2 tasks saved; the others keep running on the service\./);
    // The hint runs the same hooks: every option that shapes the run, quoted for the shell.
    const quotedHook = `'echo {id} >> '\\''${join(world.workDir, "it'\\''s.txt")}'\\'''`;
    assert.ok(
      run.stderr.includes(
        `Resume with: veo wait --all -o ${dir} --interval 0.05 --exec ${quotedHook} --exec true --no-bell\n`,
      ),
      run.stderr,
    );
    assert.equal(run.stdout, '');

    // Still unfinished: the next run takes both on again, and --timeout bounds it (exit 5).
    const timed = await veo(['wait', '--all', '-o', dir, '--timeout', '0.3', '--json']);
    assert.equal(timed.code, 5, timed.stderr);
    const document = JSON.parse(timed.stdout) as { tasks: { id: string; status: string; error: { code: string } }[] };
    assert.deepEqual(
      document.tasks.map((t) => [t.id, t.status, t.error.code]),
      ids.map((id) => [id, 'pending', 'WAIT_TIMEOUT']),
    );
    // Not the --timeout that just ran out: the default, or a longer one the user gives.
    assert.equal(
      jsonErrorOf(timed.stderr).hint,
      `Resume with: veo wait --all -o ${dir} (it waits up to the default 15m; add --timeout with more than 0.3 to wait longer)`,
    );
  });

  it('a download stopped by Ctrl-C is picked up by the next wait --all -o from its part', async () => {
    const { veo, create } = await freshJournal();
    world.sim.configure({ taskMs: 1, videoBytes: 2 * 1024 * 1024 });
    const id = await create('a big clip');
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 700_000 }, 1);
    const dir = join(world.workDir, 'resumed');
    const path = join(dir, `${id}.mp4`);
    await mkdir(dir);
    const first = await veo(['wait', '--all', '-o', dir, '--interval', '0.05'], {
      onStart: signalWhenPartHolds(path, 700_000, 'SIGINT'),
    });
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, new RegExp(`Resume with: veo wait --all -o ${dir} --interval 0\\.05`));
    assert.ok(!existsSync(path));
    world.sim.requests.length = 0;
    const second = await veo(['wait', '--all', '-o', dir, '--interval', '0.05']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `${path}\n`);
    assert.deepEqual(
      fileRequests().map((r) => r.headers.range),
      ['bytes=700000-'],
    );
    assert.equal(sha256(await readFile(path)), await world.sim.video().sha256());
  });
});
