import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runInPty, runVeo, useWorld, VEO } from '../helpers/cli.js';

/** What a terminal shows, as lines: carriage returns and colour codes taken out. */
const screenLines = (screen: string) =>
  screen
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\r/g, '')
    .split('\n');

const jsonLines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

async function ptyAvailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'script(1) as used here is the util-linux one';
  if (!(await readdir('/usr/bin')).includes('script')) return 'script(1) is missing (Debian bsdutils)';
  return undefined;
}

describe('help that fits the terminal', () => {
  it('at 40 columns every line fits, each option is described under its name, and examples continue with \\', async (t) => {
    const missing = await ptyAvailable();
    if (missing) return t.skip(missing);
    const env = { HOME: tmpdir(), VEO_CONFIG_DIR: tmpdir() };
    for (const args of ['--help', 'help', 'create --help', 'batch --help', 'config set --help']) {
      const lines = screenLines(await runInPty(`${process.execPath} ${VEO} ${args}`, env, 'cols 40 rows 60'));
      const long = lines.filter((line) => line.length > 40);
      assert.deepEqual(long, [], `veo ${args}`);
      const text = lines.join('\n');
      assert.match(text, /^Usage: veo /m, args);
      assert.match(
        text,
        /^ {2}--json\n {6}print one JSON document on stdout\n {6}\(errors as JSON on stderr\)$/m,
        args,
      );
      assert.match(text, /^Examples:\n {2}\$ veo /m, args);
    }
    const top = screenLines(await runInPty(`${process.execPath} ${VEO} --help`, env, 'cols 40 rows 60')).join('\n');
    assert.match(top, /^ {2}create \[options\] \[prompt\]\n {6}start a generation; prints the\n {6}task id$/m);
    assert.match(top, /^ {2}\$ veo create \\\n {6}"a red fox running in snow" \\\n {6}--ar 16:9 -o fox\.mp4$/m);
    assert.match(top, /^Exit codes: 0 ok, 1 internal error, 2$/m);
  });

  it('a wide terminal gets the prebuilt 80-column help, the same as a pipe', async (t) => {
    const missing = await ptyAvailable();
    if (missing) return t.skip(missing);
    const wide = screenLines(
      await runInPty(`${process.execPath} ${VEO} --help`, { HOME: tmpdir() }, 'cols 120 rows 60'),
    );
    const piped = await runVeo(['--help']);
    assert.equal(wide.join('\n').trimEnd(), piped.stdout.trimEnd());
    assert.ok(piped.stdout.split('\n').every((line) => line.length <= 80));
  });

  it("a command's help lists the global options its examples use", async () => {
    for (const command of [['create'], ['list'], ['auth', 'status'], ['wait']]) {
      const run = await runVeo([...command, '--help']);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^Global Options:$/m, command.join(' '));
      assert.match(run.stdout, /^ {2}--json {2,}print one JSON document/m, command.join(' '));
      assert.match(run.stdout, /^ {2}-q, --quiet {2,}results only/m, command.join(' '));
    }
  });

  it('the simulator example of `veo --help` works when pasted into a shell', async () => {
    const help = (await runVeo(['--help'])).stdout;
    const lines = help.split('\n').filter((line) => line.startsWith('  $ '));
    const at = lines.findIndex((line) => line.includes('veo-sim'));
    assert.ok(at >= 0, help);
    const pasted = lines.slice(at, at + 2).map((line) => line.slice(4));
    assert.match(pasted[1] ?? '', /^veo create /);
    const dir = await mkdtemp(join(tmpdir(), 'veo-example-'));
    try {
      const bin = join(dir, 'bin');
      await mkdir(bin);
      for (const name of ['veo', 'veo-sim']) {
        const script = join(bin, name);
        await writeFile(script, `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'bin', `${name}.js`)}' "$@"\n`);
        await chmod(script, 0o755);
      }
      // The URL the example put in the environment is kept, to shut the simulator down afterwards.
      const script = `${pasted.join('\n')}\nstatus=$?\necho "$GPTUNNEL_BASE_URL" > url.txt\nexit $status\n`;
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'sh',
          ['-c', script],
          {
            cwd: dir,
            env: {
              PATH: `${bin}:${process.env.PATH ?? ''}`,
              HOME: dir,
              VEO_CONFIG_DIR: join(dir, 'config'),
              VEO_MIN_INTERVAL_MS: '1',
            },
            timeout: 60_000,
          },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
      const url = (await readFile(join(dir, 'url.txt'), 'utf8').catch(() => '')).trim();
      if (url) await fetch(`${url}/__sim/shutdown`, { method: 'POST' }).catch(() => undefined);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), join(dir, 'test.mp4'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('mistakes on the command line, said plainly', () => {
  const world = useWorld({ taskMs: 1 });

  it("commander's suggestion is the error's hint, not a line of its own nor a \\n in the JSON message", async () => {
    const human = await world.veo(['creat', 'a fox']);
    assert.equal(human.code, 2);
    assert.equal(human.stdout, '');
    assert.equal(
      human.stderr,
      "veo: error: unknown command 'creat'.\n  hint: Did you mean create? Run `veo --help` for usage.\n",
    );
    const json = await world.veo(['--json', 'creat', 'a fox']);
    assert.equal(json.code, 2);
    const document = JSON.parse(json.stderr) as { error: { message: string; hint: string } };
    assert.equal(document.error.message, "unknown command 'creat'.");
    assert.equal(document.error.hint, 'Did you mean create? Run `veo --help` for usage.');
    const option = await world.veo(['list', '--jsn']);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /^veo: error: unknown option '--jsn'\.\n {2}hint: Did you mean --json\?/);
  });

  it('small wordings: no prompt given, an empty key with a hint, a status not repeated', async () => {
    const none = await world.veo(['create']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^veo: error: No prompt was given\.$/m);
    const blank = await world.veo(['auth', 'login', '--with-token', '--no-verify'], { input: '  ""  \n' });
    assert.equal(blank.code, 2);
    assert.match(
      blank.stderr,
      /The API key is empty: nothing but spaces or quotes\.\n {2}hint: Copy the key \(it starts with shds-\)/,
    );
    const id = (await world.veo(['create', 'status words'])).stdout.trim();
    world.sim.inject('result', { kind: 'http', status: 503, body: 'Service Unavailable', contentType: 'text/plain' });
    const busy = await world.veo(['result', id], { env: { VEO_RETRY_ATTEMPTS: '1' } });
    world.sim.clearFaults();
    assert.equal(busy.code, 7);
    assert.match(busy.stderr, /HTTP 503 Service Unavailable\./);
    assert.doesNotMatch(busy.stderr, /Service Unavailable \(Service Unavailable\)/);
  });

  it('hints name the id and the command being typed, ready to paste', async (t) => {
    const id = (await world.veo(['create', 'hinted'])).stdout.trim();
    const path = join(world.workDir, 'hinted.mp4');
    assert.equal((await world.veo(['download', id, '-o', path, '--interval', '0.05'])).code, 0);
    const again = await world.veo(['download', id, '-o', path]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.stderr.includes(`is already saved (veo download ${id} -o ${path} --force fetches it again)`));
    const url = await world.veo(['config', 'set', 'base-url', 'gptunnel.ru']);
    assert.equal(url.code, 2);
    assert.match(url.stderr, /hint: Example: veo config set base-url https:\/\/gptunnel\.ru$/m);
    const missing = await ptyAvailable();
    if (missing) return t.skip(missing);
    const screen = screenLines(
      await runInPty(`${process.execPath} ${VEO} download ${id} -o -`, { ...world.env, HOME: world.workDir }),
    );
    assert.match(screen.join(' '), new RegExp(`Redirect or pipe it \\(veo download ${id} -o - > clip\\.mp4\\)`));
  });

  it('`veo help nosuch` is an unknown command (exit 2), with a suggestion when one is close', async () => {
    const unknown = await world.veo(['help', 'nosuch']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /^veo: error: unknown command 'nosuch'\.$/m);
    assert.match(unknown.stderr, /hint: Run `veo --help` for usage\.$/m);
    assert.match((await world.veo(['nosuch'])).stderr, /hint: Run `veo --help` for usage\.$/m);
    const close = await world.veo(['help', 'creat']);
    assert.equal(close.code, 2);
    assert.match(close.stderr, /hint: Did you mean create\?/);
    const known = await world.veo(['help', 'create']);
    assert.equal(known.code, 0);
    assert.match(known.stdout, /^Usage: veo create /);
  });

  it('a prompt typed without quotes is named as such, with the quoted command ready to paste; nothing is sent', async () => {
    const run = await world.veo(['create', 'a', 'red', 'fox', "fox's", '--ar', '16:9', '-o', 'my fox.mp4']);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /create takes the prompt as one argument, but got 4 words: quote the prompt\./);
    const hint = /hint: Run: (.*)$/m.exec(run.stderr)?.[1];
    assert.equal(hint, `veo create 'a red fox fox'\\''s' --ar 16:9 -o 'my fox.mp4'`);
    assert.equal(world.sim.requests.length, 0);
    // Pasted into a shell, the hint's command gives veo one prompt (checked as a dry run).
    const words = await new Promise<string>((resolve, reject) =>
      execFile('sh', ['-c', `veo() { printf '%s\\n' "$@"; }; ${hint}`], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    assert.deepEqual(words.trimEnd().split('\n'), ['create', "a red fox fox's", '--ar', '16:9', '-o', 'my fox.mp4']);
  });

  it('a task id in upper case is the same id: accepted, and hints give it in lower case', async () => {
    const id = (await world.veo(['create', 'shouted id'])).stdout.trim();
    const result = await world.veo(['result', id.toUpperCase()]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^id {6}${id}$`, 'm'));
    const saved = await world.veo(['download', ` ${id.toUpperCase()}`, '-o', 'shouted.mp4']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout, `${join(world.workDir, 'shouted.mp4')}\n`);

    world.sim.configure({ taskMs: 60_000 });
    const slow = (await world.veo(['create', 'slow and shouted'])).stdout.trim();
    world.sim.configure({ taskMs: 1 });
    const waited = await world.veo(['wait', slow.toUpperCase(), '--timeout', '1', '--interval', '0.2']);
    assert.equal(waited.code, 5, waited.stderr);
    assert.match(waited.stderr, new RegExp(`hint: Resume with: veo wait ${slow}\\b`));
    assert.doesNotMatch(waited.stderr, new RegExp(slow.toUpperCase()));
  });

  it('option errors name their flag once', async () => {
    const id = '684e5b2214bed9a815408cb3';
    const cases: [string[], string][] = [
      [['wait', id, '--interval', '0'], 'veo: error: --interval must be between 0.001 and 3600 seconds\n'],
      [['wait', id, '--interval', 'x'], 'veo: error: --interval is a number of seconds, such as 5 or 0.5\n'],
      [['create', 'x', '--image', 'foo'], 'veo: error: --image must be a public http(s) URL\n'],
      [['wait', id, '--timeout', '0'], 'veo: error: --timeout must be more than zero\n'],
    ];
    for (const [args, stderr] of cases) {
      const run = await world.veo(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.equal(run.stderr, stderr);
    }
  });

  it('a file that cannot be read is said in words; --json keeps the system code as errno', async () => {
    const human = await world.veo(['create', '--prompt-file', 'nonexist.txt']);
    assert.equal(human.code, 2);
    assert.match(human.stderr, /^veo: error: Cannot read nonexist\.txt: no such file or folder\.$/m);
    assert.doesNotMatch(human.stderr, /ENOENT/);
    const json = await world.veo(['--json', 'create', '--prompt-file', 'nonexist.txt']);
    const document = JSON.parse(json.stderr) as { error: { message: string; errno: string } };
    assert.equal(document.error.errno, 'ENOENT');
    assert.doesNotMatch(document.error.message, /ENOENT/);
    const folder = await world.veo(['create', '--prompt-file', '.']);
    assert.match(folder.stderr, /Cannot read \.: it is a folder, not a file\./);
  });
});

describe('retries and task states, shown as they are', () => {
  const world = useWorld({ taskMs: 1 });

  it('--json: a retry is a JSON warning line on stderr, once per kind of failure, with its parts as fields', async () => {
    const id = (await world.veo(['create', 'json retries'])).stdout.trim();
    world.sim.inject('result', { kind: 'http', status: 503 }, 3);
    const run = await world.veo(['--json', 'wait', id, '--interval', '0.01'], { env: { VEO_RETRY_ATTEMPTS: '3' } });
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stderr).map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
    assert.ok(lines.length >= 1, run.stderr);
    const retries = lines.filter((line) => line.warning?.code === 'RETRYING');
    assert.equal(retries.length, lines.length, run.stderr);
    assert.equal(retries[0]?.warning?.error, 'SERVER_ERROR');
    assert.equal(retries[0]?.warning?.attempt, 2);
    assert.equal(retries[0]?.warning?.attempts, 3);
    assert.match(String(retries[0]?.warning?.message), /HTTP 503 Service Unavailable/);
    // Three failures of one kind in one episode: said once, not three times.
    assert.equal(retries.filter((line) => String(line.warning?.what).includes('request')).length, 1, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { id: string }).id, id);
  });

  it('on a terminal the live line of a wait says what is retried and until when: "… (1 failed in a row; polling until HH:MM)"', async (t) => {
    const missing = await ptyAvailable();
    if (missing) return t.skip(missing);
    const id = (await world.veo(['create', 'terminal retries'])).stdout.trim();
    world.sim.inject('result', { kind: 'http', status: 503 }, 2);
    const env = {
      ...world.env,
      VEO_MIN_INTERVAL_MS: '1',
      VEO_RETRY_ATTEMPTS: '3',
      VEO_RETRY_BASE_MS: '600',
      HOME: world.workDir,
    };
    // Wide enough for the whole note: a narrower terminal cuts the line before its last column.
    const command = `${process.execPath} ${VEO} wait ${id} --interval 0.2`;
    const screen = screenLines(await runInPty(command, env, 'cols 160 rows 30')).join('\n');
    assert.match(
      screen,
      /retrying in \d+(\.\d)? s: 503 Service Unavailable \(1 failed in a row; polling until \d\d:\d\d\)/,
    );
    assert.doesNotMatch(screen, /attempt \d of \d/);
  });

  it('on a terminal the spinner line never reaches the last column, at 40 and 100 columns', async (t) => {
    const missing = await ptyAvailable();
    if (missing) return t.skip(missing);
    world.sim.configure({ taskMs: 2500 });
    const id = (await world.veo(['create', 'a spinner that fits'])).stdout.trim();
    world.sim.configure({ taskMs: 1 });
    const env = { ...world.env, VEO_MIN_INTERVAL_MS: '1', HOME: world.workDir };
    for (const cols of [40, 100]) {
      const screen = await runInPty(
        `${process.execPath} ${VEO} wait ${id} --interval 0.2`,
        env,
        `cols ${cols} rows 30`,
      );
      // Each redraw starts after a cursor move or a carriage return: every frame is measured on its own.
      const frames = screen
        // eslint-disable-next-line no-control-regex
        .replace(/\u001b\[[0-9;]*m/g, '')
        // eslint-disable-next-line no-control-regex
        .split(/\u001b\[[0-9;?]*[A-Za-z]|\r|\n/)
        .filter((frame) => /^[\u2800-\u28ff] /.test(frame));
      assert.ok(frames.length > 0, screen);
      const wide = frames.filter((frame) => [...frame].length >= cols);
      assert.deepEqual(wide, [], `${cols} columns`);
    }
  });

  it('on a terminal the wait before the next try counts down', async (t) => {
    const missing = await ptyAvailable();
    if (missing) return t.skip(missing);
    const id = (await world.veo(['create', 'a countdown'])).stdout.trim();
    world.sim.inject('result', { kind: 'http', status: 503 }, 1);
    const env = { ...world.env, VEO_MIN_INTERVAL_MS: '1', VEO_RETRY_ATTEMPTS: '1', HOME: world.workDir };
    const screen = screenLines(await runInPty(`${process.execPath} ${VEO} wait ${id} --interval 2.5`, env)).join('\n');
    assert.match(screen, /retrying in 3 s: 503 Service Unavailable/);
    assert.match(screen, /retrying in 2 s: 503 Service Unavailable/);
  });

  it('a cancelled task is not a refused prompt: its hint does not say to change the prompt', async () => {
    const id = (await world.veo(['create', 'to be cancelled'])).stdout.trim();
    world.sim.inject('result', { kind: 'status', status: 'cancelled' });
    const run = await world.veo(['wait', id, '--interval', '0.01']);
    assert.equal(run.code, 6, run.stderr);
    assert.match(run.stderr, /hint: The task was cancelled, not refused/);
    assert.doesNotMatch(run.stderr, /change the prompt/);
    world.sim.inject('result', { kind: 'status', status: 'failed' });
    const failed = await world.veo(['wait', id, '--interval', '0.01']);
    assert.equal(failed.code, 6, failed.stderr);
    assert.match(
      failed.stderr,
      /hint: Nothing can be downloaded for this task\. If the reason concerns the content, change the prompt/,
    );
  });

  it('a task done without its link is shown as waiting for the link, not as still running', async () => {
    const id = (await world.veo(['create', 'done without a link'])).stdout.trim();
    world.sim.inject('result', { kind: 'done-without-url' }, Infinity);
    const run = await world.veo(['wait', id, '--interval', '0.2', '--timeout', '1']);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /it is done on the service, but its video link has not come yet\./);
    assert.doesNotMatch(run.stderr, /keeps running/);
    const result = await world.veo(['result', id]);
    assert.match(
      result.stdout,
      new RegExp(`^status  done \\(no video link yet: \`veo wait ${id}\` waits for it\\)$`, 'm'),
    );
  });

  it('a stalled download stops showing its speed and says it is stalled', async (t) => {
    const missing = await ptyAvailable();
    if (missing) return t.skip(missing);
    const id = (await world.veo(['create', 'a stalling download'])).stdout.trim();
    world.sim.configure({ videoBytes: 2 * 1024 * 1024 });
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 500_000 }, 1);
    const env = { ...world.env, VEO_REQUEST_TIMEOUT: '5', HOME: world.workDir };
    const path = join(world.workDir, 'stalled.mp4');
    try {
      const screen = screenLines(await runInPty(`${process.execPath} ${VEO} download ${id} -o ${path}`, env)).join(
        '\n',
      );
      assert.match(screen, /downloading \w+ 488(\.\d)? KiB \/ 2(\.0)? MiB \(23%\), stalled: nothing for [3-9] s/);
      // The retry warning counts the bytes on disk, not those of an attempt that never returned.
      assert.match(screen, /failed: The download broke off after 500000 bytes: /);
      assert.match(screen, /saved /);
    } finally {
      world.sim.configure({ videoBytes: null });
    }
  });
});
