import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { useWorld, VEO } from '../helpers/cli.js';

const PROMPT = 'a "paper" boat\non a rainy street: кораблик';
const creates = (world: { sim: { requests: { route: string; body: string }[] } }) =>
  world.sim.requests.filter((request) => request.route === 'create');

/** Runs veo in a pseudo-terminal and types `answer` once it asks; resolves with all the terminal showed. */
function answerInPty(args: string[], env: Record<string, string>, cwd: string, answer: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, VEO, ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', `stty cols 100 rows 30; ${command}`, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', ...env },
    });
    let text = '';
    let answered = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (!answered && text.includes('[y/N]')) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

describe('veo inspect', () => {
  const world = useWorld({ taskMs: 1 });
  let id: string;
  before(async () => {
    const run = await world.veo(['create', PROMPT, '--ar', '9:16', '-o', 'tagged.mp4', '--embed-metadata', '--json']);
    assert.equal(run.code, 0, run.stderr);
    id = (JSON.parse(run.stdout) as { id: string }).id;
    // Another task: the journal knows the latest file saved of each task.
    const plain = await world.veo(['create', PROMPT, '-o', 'plain.mp4']);
    assert.equal(plain.code, 0, plain.stderr);
  });

  it('a tagged clip: its tags and the journal entry found by the hash of the file as saved', async () => {
    const run = await world.veo(['inspect', 'tagged.mp4']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^task: ${id}$`, 'm'));
    assert.match(run.stdout, /^prompt: a "paper" boat\\non a rainy street: кораблик$/m);
    assert.match(run.stdout, /^aspect ratio: 9:16$/m);
    assert.match(run.stdout, /^known from: embedded tags, journal \(hash of the file as saved\)$/m);
    const json = await world.veo(['inspect', 'tagged.mp4', '--json']);
    const report = JSON.parse(json.stdout) as {
      embedded: { title: string };
      journal: { matched: string };
      clip: { prompt: string; taskId: string; model: string };
    };
    assert.equal(report.embedded.title, PROMPT);
    assert.equal(report.journal.matched, 'saved');
    assert.deepEqual([report.clip.prompt, report.clip.taskId], [PROMPT, id]);
  });

  it('a clip saved as served: found in the journal by the served hash', async () => {
    const run = await world.veo(['inspect', 'plain.mp4', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      embedded: unknown;
      journal: { matched: string };
      clip: { prompt: string };
    };
    assert.equal(report.embedded, null);
    assert.equal(report.journal.matched, 'served');
    assert.equal(report.clip.prompt, PROMPT);
  });

  it('a sidecar is read tolerantly, and hostile text from it never reaches the terminal raw', async () => {
    await copyFile(join(world.workDir, 'plain.mp4'), join(world.workDir, 'other.mp4'));
    await writeFile(
      join(world.workDir, 'other.info.json'),
      JSON.stringify({ task_id: 'x', prompt: 'evil\u001b]0;owned\u0007\u001b[2J', model: 7, aspect_ratio: '16:9' }),
    );
    // Another config folder: only the sidecar speaks.
    const run = await world.veo(['inspect', 'other.mp4'], { env: { VEO_CONFIG_DIR: join(world.workDir, 'cfg') } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!(run.stdout + run.stderr).includes('\u001b'), 'no raw escape');
    assert.match(run.stdout, /^prompt: evil\\x1b\]0;owned\\x07\\x1b\[2J$/m);
    assert.match(run.stdout, /^aspect ratio: 16:9$/m);
    assert.doesNotMatch(run.stdout, /^model:/m, 'a field of the wrong type is left out');
    await writeFile(join(world.workDir, 'other.info.json'), '{not json');
    const broken = await world.veo(['inspect', 'other.mp4'], { env: { VEO_CONFIG_DIR: join(world.workDir, 'cfg') } });
    assert.equal(broken.code, 0, broken.stderr);
    assert.match(broken.stderr, /other\.info\.json is not JSON/);
  });

  it('hostile tags inside the file are escaped too; a missing file is exit 2', async () => {
    const bytes = await readFile(join(world.workDir, 'tagged.mp4'));
    const at = bytes.indexOf(Buffer.from('a "paper"', 'utf8'));
    bytes.write('\u001b[31m', at, 'latin1');
    await writeFile(join(world.workDir, 'hostile.mp4'), bytes);
    const run = await world.veo(['inspect', 'hostile.mp4']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes('\u001b'), 'no raw escape');
    assert.match(run.stdout, /\\x1b\[31m/);
    const missing = await world.veo(['inspect', 'nope.mp4']);
    assert.equal(missing.code, 2, missing.stderr);
  });
});

describe('veo rerun', () => {
  const world = useWorld({ taskMs: 1 });
  let id: string;
  before(async () => {
    const run = await world.veo(['create', PROMPT, '--ar', '9:16', '-o', 'clip.mp4', '--embed-metadata', '--json']);
    assert.equal(run.code, 0, run.stderr);
    id = (JSON.parse(run.stdout) as { id: string }).id;
  });

  it('not on a terminal and without --yes: exit 2, nothing sent', async () => {
    world.sim.requests.length = 0;
    const run = await world.veo(['rerun', 'clip.mp4']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--yes/);
    assert.equal(creates(world).length, 0);
    assert.equal(world.sim.requests.length, 0, 'not even the model list is asked for');
  });

  it('--dry-run shows the request and the cost, and sends no create', async () => {
    const run = await world.veo(['rerun', 'clip.mp4', '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /"ar": "9:16"/);
    assert.match(run.stderr, /price: 49 RUB per clip/);
    assert.equal(creates(world).length, 0);
  });

  it('--yes creates once with the same prompt, model and aspect ratio, through the create path (-o, --json)', async () => {
    const run = await world.veo(['rerun', 'clip.mp4', '--yes', '-o', 'again.mp4', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const sent = creates(world);
    assert.equal(sent.length, 1);
    const body = JSON.parse(sent[0]?.body ?? '{}') as Record<string, unknown>;
    assert.deepEqual(body, { model: 'glabs-veo-3-1-fast', prompt: PROMPT, ar: '9:16' });
    const document = JSON.parse(run.stdout) as { id: string; download: { path: string } };
    assert.notEqual(document.id, id);
    assert.equal(document.download.path, join(world.workDir, 'again.mp4'));
    // The write-ahead intent of the create path is in the journal.
    const journal = await readFile(join(world.configDir, 'journal.jsonl'), 'utf8');
    assert.ok(journal.split('\n').some((line) => line.includes('"intent"') && line.includes(document.id)));
  });

  it('by task id, from the journal', async () => {
    const run = await world.veo(['rerun', id, '--yes']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^[0-9a-f]{24}$/m);
    assert.equal(creates(world).length, 1);
    const unknown = await world.veo(['rerun', '0123456789abcdef01234567', '--yes']);
    assert.equal(unknown.code, 2, unknown.stderr);
  });

  it('on a terminal it asks with the price: n sends nothing, y creates', async () => {
    const env = { ...world.env };
    const refused = await answerInPty(['rerun', 'clip.mp4'], env, world.workDir, 'n');
    assert.match(refused, /Create a new clip for 49 RUB\? \[y\/N\]/);
    assert.match(refused, /Not confirmed; nothing was sent/);
    assert.equal(creates(world).length, 0);
    const accepted = await answerInPty(['rerun', 'clip.mp4'], env, world.workDir, 'y');
    assert.match(accepted, /[0-9a-f]{24}/);
    assert.equal(creates(world).length, 1);
  });
});

describe('two tasks that served the same bytes', () => {
  const world = useWorld({ taskMs: 1 });

  it('each file is told by its own task, and a copy nothing names is not given either prompt', async () => {
    // veo-sim serves one sample for every task: the bytes alone cannot tell these two apart.
    for (const [prompt, file] of [
      ['a red fox running', 'fox.mp4'],
      ['a small dog', 'dog.mp4'],
    ] as const) {
      const made = await world.veo(['create', prompt, '-o', file, '--interval', '0.05']);
      assert.equal(made.code, 0, made.stderr);
    }
    const fox = JSON.parse((await world.veo(['inspect', 'fox.mp4', '--json'])).stdout);
    const dog = JSON.parse((await world.veo(['inspect', 'dog.mp4', '--json'])).stdout);
    assert.equal(fox.clip.prompt, 'a red fox running');
    assert.equal(dog.clip.prompt, 'a small dog');
    await copyFile(join(world.workDir, 'fox.mp4'), join(world.workDir, 'copy.mp4'));
    const copy = await world.veo(['inspect', 'copy.mp4', '--json']);
    assert.equal(copy.code, 0, copy.stderr);
    assert.equal(JSON.parse(copy.stdout).clip.prompt, undefined, 'neither task is picked by the bytes alone');
    const missing = await world.veo(['inspect', 'nosuch.mp4']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read nosuch\.mp4: /);
    assert.doesNotMatch(missing.stderr, /write/i);
    const before = creates(world).length;
    const rerun = await world.veo(['rerun', 'copy.mp4', '--dry-run']);
    assert.notEqual(rerun.code, 0, rerun.stdout);
    assert.equal(creates(world).length, before);
  });
});
