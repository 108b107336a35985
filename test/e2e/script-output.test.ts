import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { ROOT, runInPty, useWorld, VEO } from '../helpers/cli.js';

// eslint-disable-next-line no-control-regex -- the terminal's escape sequences are removed to read what it showed
const SEQUENCES = /\u001b\[[0-9;?]*[A-Za-z]|\r/g;

/** What a terminal showed, line by line, without colour codes or carriage returns. */
function shownLines(screen: string): string[] {
  return screen.replace(SEQUENCES, '').split('\n');
}

describe('tables for people and for scripts', () => {
  const world = useWorld({ taskMs: 100 });
  const longPrompt =
    'a lighthouse on a cliff at dusk, waves breaking below, gulls circling, slow dolly in, golden light';
  let running: string;
  let saved: string;

  before(async () => {
    saved = (await world.veo(['create', 'a\tprompt with a tab\nand a newline'])).stdout.trim();
    assert.equal((await world.veo(['wait', saved, '-o', 'saved.mp4', '--interval', '0.05'])).code, 0);
    world.sim.configure({ taskMs: 600_000 });
    running = (await world.veo(['create', longPrompt])).stdout.trim();
    world.sim.configure({ taskMs: 100 });
  });

  const ptyEnv = () => ({ ...world.env, HOME: world.workDir });
  const listOnTerminal = (columns: number) =>
    runInPty(`cd ${world.workDir} && ${process.execPath} ${VEO} list`, ptyEnv(), `cols ${columns} rows 40`);

  it('in a pipe: no header, tab-separated whole values, tabs and newlines escaped, no note on stderr', async () => {
    const run = await world.veo(['list']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', 'the "as last seen" note is for a terminal');
    assert.ok(run.stdout.endsWith('\n'));
    const rows = run.stdout.slice(0, -1).split('\n');
    assert.equal(rows.length, 2);
    for (const row of rows) assert.equal(row.split('\t').length, 5, row);
    const [first, second] = rows.map((row) => row.split('\t'));
    assert.deepEqual(first?.slice(0, 2), [saved, 'done']);
    assert.match(first?.[2] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(first?.[3], 'a\\tprompt with a tab\\nand a newline');
    assert.equal(first?.[4], join(world.workDir, 'saved.mp4'));
    assert.deepEqual(second?.slice(0, 2), [running, 'idle']);
    assert.equal(second?.[3], longPrompt, 'never cut');
  });

  it('on a 120-column terminal: a header, aligned columns, the note about stale statuses', async () => {
    const lines = shownLines(await listOnTerminal(120));
    const header = lines.find((line) => line.startsWith('ID'));
    assert.match(header ?? '', /^ID\s+STATUS\s+AGE\s+PROMPT\s+SAVED \/ LINK$/);
    for (const line of lines) assert.ok(line.length <= 120, `fits: ${line}`);
    const row = lines.find((line) => line.startsWith(running)) ?? '';
    assert.match(row, /a lighthouse on a cliff/);
    assert.ok(
      lines.some((line) => line.startsWith('Statuses are as last seen')),
      lines.join('\n'),
    );
  });

  it('on a 60-column terminal: every line fits, the prompt cut with "…"', async () => {
    const lines = shownLines(await listOnTerminal(60));
    assert.ok(lines.some((line) => line.startsWith('ID')));
    const table = lines.filter((line) => /^(ID|[0-9a-f]{24})/.test(line));
    assert.equal(table.length, 3, lines.join('\n'));
    for (const line of table) assert.ok(line.length <= 60, `${line.length} columns: ${line}`);
    const row = table.find((line) => line.startsWith(running)) ?? '';
    assert.match(row, /a light\S*…$/);
    assert.ok(!row.includes(longPrompt));
  });

  it('the note about stale statuses is not shown when every listed task is finished', async () => {
    const lines = shownLines(
      await runInPty(`cd ${world.workDir} && ${process.execPath} ${VEO} list --unsaved`, ptyEnv(), 'cols 100 rows 30'),
    );
    assert.ok(!lines.some((line) => line.startsWith('Statuses are as last seen')), lines.join('\n'));
  });
});

describe('a terminal table with a long saved path', () => {
  const world = useWorld({ taskMs: 100 });

  it('the prompt keeps as much room as the path, which is cut at its start and named from the current folder', async () => {
    const prompt = 'a red fox running through fresh snow at dawn, low angle, slow motion';
    const deep = join(world.workDir, 'clips', 'a folder with a rather long name', 'and another one below it');
    const outside = (await world.veo(['create', prompt, '-o', join(deep, 'fox.mp4'), '--interval', '0.05'])).code;
    assert.equal(outside, 0);
    const near = await world.veo(['create', 'a lighthouse at dusk', '-o', join(world.workDir, 'near.mp4')]);
    assert.equal(near.code, 0, near.stderr);
    // Listed from a folder that holds neither file, then from the one that holds near.mp4.
    const elsewhere = join(world.workDir, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    const env = { ...world.env, HOME: world.workDir };
    const lines = shownLines(
      await runInPty(`cd '${elsewhere}' && ${process.execPath} ${VEO} list`, env, 'cols 100 rows 30'),
    );
    const fox = lines.find((line) => line.includes('a red fox')) ?? '';
    assert.ok(fox.length <= 100, fox);
    assert.match(fox, / …[^…]*below it\/fox\.mp4$/, 'the file name is kept, the start of the path cut');
    const promptShown = /a red fox[^…]*…?/.exec(fox)?.[0] ?? '';
    assert.ok(promptShown.length >= 20, `the prompt is not squeezed to a few letters: ${fox}`);
    const here = shownLines(
      await runInPty(`cd '${world.workDir}' && ${process.execPath} ${VEO} list`, env, 'cols 100 rows 30'),
    );
    assert.ok(
      here.some((line) => / {2}near\.mp4$/.test(line)),
      `a file under the current folder is named from it:\n${here.join('\n')}`,
    );
    // In a pipe the path stays whole and absolute.
    const piped = await world.veo(['list']);
    assert.ok(piped.stdout.includes(join(deep, 'fox.mp4')), piped.stdout);
  });
});

describe('dry runs and the batch resume hint', () => {
  const world = useWorld({ taskMs: 150 });

  it('the batch dry run: a header on a terminal, tab-separated rows in a pipe', async () => {
    const file = join(world.workDir, 'plan.txt');
    await writeFile(file, 'one\ntwo\n');
    const screen = shownLines(
      await runInPty(`cd ${world.workDir} && ${process.execPath} ${VEO} batch plan.txt --dry-run`, world.env),
    );
    assert.ok(
      screen.some((line) => /^LINE\s+MODEL\s+PRICE\s+STATE\s+PROMPT$/.test(line)),
      screen.join('\n'),
    );
    assert.ok(screen.some((line) => line === 'total: 98 RUB for 2 new clips'));
    const piped = await world.veo(['batch', file, '--dry-run']);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, '1\tglabs-veo-3-1-fast\t49 RUB\tnew\tone\n2\tglabs-veo-3-1-fast\t49 RUB\tnew\ttwo\n');
  });

  it('a batch dry run the balance cannot cover exits 4, in --json too', async () => {
    const file = join(world.workDir, 'costly.txt');
    await writeFile(file, 'one\ntwo\nthree\n');
    world.sim.configure({ balance: 100 });
    try {
      const run = await world.veo(['batch', file, '--dry-run']);
      assert.equal(run.code, 4, run.stderr);
      assert.match(run.stderr, /Dry run: the account covers only 2 of the 3 new clips/);
      assert.equal(run.stdout.trim().split('\n').length, 3, 'the plan is still printed');
      const json = await world.veo(['batch', file, '--dry-run', '--json']);
      assert.equal(json.code, 4, json.stderr);
      assert.equal(JSON.parse(json.stdout).total.covered, 2);
      assert.equal(JSON.parse(json.stderr).error.code, 'INSUFFICIENT_BALANCE');
    } finally {
      world.sim.configure({ balance: 1_000_000 });
    }
    assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, 0);
  });

  it('the resume hint keeps every option that shapes the run, quoted, and pasted into sh it continues the batch', async () => {
    const dir = join(world.workDir, 'my clips');
    const file = join(world.workDir, "it's prompts.txt");
    await writeFile(file, 'first\nsecond\nthird\nfourth\nfourth\n');
    // Long enough that nothing is saved before the interruption, short enough for the resumed run to wait for.
    world.sim.configure({ taskMs: 3000 });
    let interrupted = false;
    const args = ['batch', file, '--dir', dir, '--concurrency', '2', '--interval', '0.05', '--timeout', '10m'];
    const first = await world.veo([...args, '--allow-duplicates'], {
      onStderr: (text, child) => {
        if (!interrupted && / created /.test(text)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    world.sim.configure({ taskMs: 150 });
    assert.equal(first.code, 130, first.stderr);
    const hint = /resume \(no item is created twice\): (veo .*)$/m.exec(first.stderr)?.[1] ?? '';
    for (const part of ['--concurrency 2', '--interval 0.05', '--timeout 10m', '--allow-duplicates']) {
      assert.ok(hint.includes(part), `${part} in: ${hint}`);
    }
    const createdFirst = world.sim.requests.filter((r) => r.route === 'create').length;
    assert.ok(createdFirst >= 1 && createdFirst <= 2, `${createdFirst} created before the interruption`);

    // The hint as a user pastes it: into sh, with `veo` on the PATH.
    const bin = join(world.workDir, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'veo'), `#!/bin/sh\nexec "${process.execPath}" "${VEO}" "$@"\n`);
    await chmod(join(bin, 'veo'), 0o755);
    const env = {
      ...world.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: world.workDir,
      VEO_MIN_INTERVAL_MS: '1',
      NODE_OPTIONS: `--import ${pathToFileURL(join(ROOT, 'test', 'helpers', 'offline-dns.mjs')).href}`,
    };
    const code = await new Promise<number | null>((resolve) => {
      const child = execFile('sh', ['-c', hint], { env, cwd: world.workDir }, () => undefined);
      child.on('close', resolve);
    });
    assert.equal(code, 0, `the pasted hint ran: ${hint}`);
    assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, 5, 'one create per line, in all');
    assert.equal((await readdir(dir)).filter((name) => name.endsWith('.mp4')).length, 5);
  });
});
