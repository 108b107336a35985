import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { prng } from '../helpers/answer-gen.js';
import { ROOT, VEO, useWorld, type RunResult } from '../helpers/cli.js';

// Prompts are paid for: input that is not text (a clip given by mistake, random bytes, NUL or invalid UTF-8) is
// refused with exit 2 before any request, dry run or not.

describe('input that is not text', () => {
  const world = useWorld();
  const creates = () => world.sim.requests.filter((request) => request.route === 'create');
  const file = async (name: string, content: Buffer | string) => {
    const path = join(world.workDir, name);
    await writeFile(path, content);
    return path;
  };

  function assertRefused(run: RunResult, message: RegExp, label: string): void {
    assert.equal(run.code, 2, `${label}: ${run.stderr}`);
    assert.match(run.stderr, message, label);
    assert.equal(run.stdout, '', label);
    assert.equal(creates().length, 0, `${label}: no create reached the service`);
  }

  it('veo batch clip.mp4: exit 2 naming line 1 and its NUL byte, nothing sent, dry run too', async () => {
    const clip = join(world.workDir, 'clip.mp4');
    await copyFile(join(ROOT, 'assets', 'sample.mp4'), clip);
    for (const extra of [[], ['--dry-run'], ['--json']]) {
      const run = await world.veo(['batch', clip, '--dir', join(world.workDir, 'out'), ...extra]);
      const expected = extra[0] === '--json' ? /"code":"NOT_TEXT"/ : /clip\.mp4 is not text: line 1 has a NUL byte/;
      assertRefused(run, expected, `batch clip.mp4 ${extra.join(' ')}`);
    }
    assert.equal(world.sim.requests.length, 0, 'not even a model list or balance was asked for');
  });

  it('3 KB of random bytes, from a file or from stdin: exit 2 before any request', async () => {
    const random = prng(3);
    const noise = Buffer.from(Array.from({ length: 3072 }, () => Math.floor(random() * 256)));
    const path = await file('noise.txt', noise);
    assertRefused(await world.veo(['batch', path]), /noise\.txt is not text: line \d+ /, 'batch noise.txt');
    assertRefused(await world.veo(['batch', '-'], { input: noise }), /stdin is not text: line \d+ /, 'batch -');
    assertRefused(await world.veo(['batch', path, '--dry-run']), /is not text/, 'batch --dry-run');
    assert.equal(world.sim.requests.length, 0);
  });

  it('a text file with one bad line: the first bad line is named with what is wrong, nothing is sent', async () => {
    const good = 'a red fox\r\n\ta cat in the rain\n# comment 日本 😀\n';
    const cases: [string, Buffer, RegExp][] = [
      ['nul', Buffer.concat([Buffer.from(good), Buffer.from('a sea\0gull\n')]), /line 4 has a NUL byte at column 6/],
      [
        'utf8',
        Buffer.concat([Buffer.from(good), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]),
        /line 4 is not valid UTF-8 \(byte 0xe9 at byte 4 of the line\)/,
      ],
      ['esc', Buffer.from(`${good}x\u001b[2Jy\n`), /line 4 has the control character U\+001B \(ESC\) at column 2/],
      ['del', Buffer.from(`${good}x\u007f\n`), /line 4 has the control character U\+007F \(DEL\)/],
      ['c1', Buffer.from(`${good}x\u009by\n`), /line 4 has the control character U\+009B/],
      ['cr', Buffer.from(`${good}old\rmac\n`), /line 4 has the control character U\+000D \(CR\) at column 4/],
      ['first', Buffer.from(`ok\nbad\u0001\nworse\0\n`), /line 2 has the control character U\+0001/],
      [
        'jsonl',
        Buffer.from('{"prompt":"a fox"}\n{"prompt":"a\\u0000b"}\n'),
        /line 2: prompt has the control character U\+0000/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const path = await file(`${name}.txt`, content);
      assertRefused(await world.veo(['batch', path]), message, name);
      assertRefused(await world.veo(['batch', path, '--dry-run']), message, `${name} --dry-run`);
    }
    // The same lines without the bad one are fine: the check is about the bytes, not the file as a whole.
    const fine = await world.veo(['batch', await file('fine.txt', good), '--dry-run']);
    assert.equal(fine.code, 0, fine.stderr);
  });

  it('veo create: a prompt with NUL or invalid UTF-8 from stdin or --prompt-file is refused, dry run too', async () => {
    const nul = await file('nul-prompt.txt', 'a fox\0in the snow');
    const latin1 = await file('latin1-prompt.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    for (const extra of [[], ['--dry-run']]) {
      assertRefused(
        await world.veo(['create', '--prompt-file', nul, ...extra]),
        /nul-prompt\.txt is not text: line 1 has a NUL byte at column 6/,
        `--prompt-file nul ${extra.join(' ')}`,
      );
      assertRefused(
        await world.veo(['create', '--prompt-file', latin1, ...extra]),
        /latin1-prompt\.txt is not text: line 1 is not valid UTF-8/,
        `--prompt-file latin1 ${extra.join(' ')}`,
      );
      assertRefused(
        await world.veo(['create', '-', ...extra], { input: Buffer.from([0x61, 0x00, 0x62]) }),
        /stdin is not text: line 1 has a NUL byte/,
        `stdin ${extra.join(' ')}`,
      );
      assertRefused(
        await world.veo(['create', 'a fox \u001b]0;title\u0007', ...extra]),
        /The prompt is not text: it has the control character U\+001B \(ESC\) at column 7/,
        `argument ${extra.join(' ')}`,
      );
    }
    // A multi-line prompt file with CRLF endings and tabs is text.
    const multi = await world.veo(['create', '--prompt-file', await file('ok.txt', 'a fox\r\n\tin the snow\r\n')]);
    assert.equal(multi.code, 0, multi.stderr);
    assert.equal(creates().length, 1);
  });

  it('veo create with an argument holding invalid UTF-8 bytes (as a shell passes them): exit 2, nothing sent', async () => {
    // A shell is the only way to put raw bytes in an argument: Node encodes the strings it passes as UTF-8.
    const script = `exec "$0" "$1" create "$(printf 'caf\\351 au lait')" "$2"`;
    for (const extra of ['--verbose', '--dry-run']) {
      const run = await new Promise<RunResult>((resolve, reject) => {
        const child = spawn('sh', ['-c', script, process.execPath, VEO, extra], {
          cwd: world.workDir,
          env: { PATH: process.env.PATH ?? '', HOME: world.workDir, ...world.env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code, signal) =>
          resolve({ code, signal, stdout, stderr, stdoutBytes: Buffer.from(stdout) }),
        );
      });
      assertRefused(run, /The prompt is not text: it has U\+FFFD at column 4: it was not valid UTF-8/, extra);
    }
  });
});

describe('input that never ends or is far too large', () => {
  const world = useWorld();

  it('a device that never ends, a huge file and a folder are refused at once, nothing sent', async () => {
    for (const args of [
      ['batch', '/dev/zero', '--dry-run'],
      ['batch', '/dev/urandom'],
      ['create', '--prompt-file', '/dev/zero'],
    ]) {
      const run = await world.veo(args);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /is not text: line \d+ (has a NUL byte|is not valid UTF-8|has the control character)/);
    }
    const huge = join(world.workDir, 'huge.txt');
    await writeFile(huge, `${'a prompt that repeats\n'.repeat(800_000)}`);
    const big = await world.veo(['batch', huge, '--dry-run']);
    assert.equal(big.code, 2, big.stderr);
    assert.match(big.stderr, /is larger than 16 MiB: not a prompt file/);
    const folder = await world.veo(['batch', world.workDir]);
    assert.equal(folder.code, 2, folder.stderr);
    assert.match(folder.stderr, /it is a folder, not a file/);
    assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, 0);
  });

  it('bad lines are listed one per line, each escaped on its own', async () => {
    const file = join(world.workDir, 'twice.txt');
    await writeFile(file, 'dup one\nother\ndup one\n');
    const run = await world.veo(['batch', file]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /1 bad line; nothing was sent\.\n {2}line 3: asks for the same clip as line 1/);
    assert.match(run.stderr, /Remove the repeated lines, or pass --allow-duplicates/);
  });
});

describe('prompt length', () => {
  const world = useWorld();
  const creates = () => world.sim.requests.filter((request) => request.route === 'create');
  /** 20 kB of words: far longer than any description of one clip, yet plausibly text a person pasted. */
  const long = 'a slow pan across a foggy harbour at dawn, '.repeat(480).trim();

  it('a 20 kB prompt is sent with a warning, from the argument, a file, stdin or a batch line', async () => {
    const path = join(world.workDir, 'long.txt');
    await writeFile(path, long);
    for (const [args, input] of [
      [['create', long], undefined],
      [['create', '--prompt-file', path], undefined],
      [['create', '-'], long],
    ] as const) {
      world.sim.requests.length = 0;
      const run = await world.veo([...args], { input });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /warning: The prompt is 20\d{3} characters long, more than 4000/);
      assert.equal(creates().length, 1);
      assert.equal(JSON.parse(creates()[0]?.body ?? '{}').prompt, long);
    }
    const json = await world.veo(['create', '--prompt-file', path, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const lines = json.stderr.trim().split('\n');
    assert.equal(lines.length, 1, json.stderr);
    assert.equal(JSON.parse(lines[0] ?? '').warning.code, 'LONG_PROMPT');
    assert.match(JSON.parse(json.stdout).id, /^[0-9a-f]{24}$/);

    const batch = join(world.workDir, 'long-batch.txt');
    await writeFile(batch, `a short one\n${long}\n`);
    const dry = await world.veo(['batch', batch, '--dry-run', '--dir', join(world.workDir, 'long-out')]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /warning: Line 2: prompt longer than 4000 characters/);
  });

  it('a prompt over 100 kB is refused with exit 2 before any request, whichever way it came', async () => {
    const absurd = 'x'.repeat(100_001);
    const path = join(world.workDir, 'absurd.txt');
    await writeFile(path, absurd);
    const batch = join(world.workDir, 'absurd-batch.txt');
    await writeFile(batch, `fine\n${absurd}\n`);
    world.sim.requests.length = 0;
    const cases: [string[], string | undefined][] = [
      [['create', '--prompt-file', path], undefined],
      [['create', '-', '--dry-run'], absurd],
      [['create', '--prompt-file', path, '--json'], undefined],
    ];
    for (const [args, input] of cases) {
      const run = await world.veo(args, { input });
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      if (args.includes('--json')) assert.equal(JSON.parse(run.stderr).error.code, 'PROMPT_TOO_LONG');
      else assert.match(run.stderr, /The prompt is 100001 bytes long, more than any prompt \(the limit is 100000\)/);
    }
    const lines = await world.veo(['batch', batch]);
    assert.equal(lines.code, 2, lines.stderr);
    assert.match(lines.stderr, /line 2: the prompt is 100001 bytes long/);
    assert.equal(world.sim.requests.length, 0, 'nothing at all was asked of the API');
  });
});
