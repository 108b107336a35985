import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, watch } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, beforeEach, describe, it } from 'node:test';
import { ROOT, runInPty, useWorld, VEO, type RunOptions } from '../helpers/cli.js';

const ID = /^[0-9a-f]{24}$/;
const HOSTILE_PROMPT = `it's a "test" $(touch pwned) \`touch pwned\` \\ back\\slash; rm -rf nothing`;

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/** The arguments a hook wrote with printf '%s\0': each one exactly as it arrived. */
async function argsWritten(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  assert.ok(text.endsWith('\0'), `one NUL after each argument in ${path}`);
  return text.slice(0, -1).split('\0');
}

describe('--exec hooks', () => {
  const world = useWorld({ taskMs: 150, failPattern: 'FAIL' });
  let videoSha: string;
  let dir: string;
  let n = 0;
  before(async () => {
    videoSha = await world.sim.video().sha256();
  });
  beforeEach(async () => {
    // Each test in a folder of its own, which is also the hooks' working directory.
    dir = join(world.workDir, `t${++n}`);
    await mkdir(dir);
  });

  const veo = (args: string[], env: Record<string, string> = {}, onStderr?: RunOptions['onStderr']) =>
    world.veo([...args, '--interval', '0.05'], { cwd: dir, env, ...(onStderr ? { onStderr } : {}) });
  const creates = () => world.sim.requests.filter((r) => r.route === 'create');
  const createdId = async () => {
    const made = await veo(['create', 'a quiet lake']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout.trim(), ID);
    return made.stdout.trim();
  };

  it('passes a path and a prompt full of quotes and $(…) as one argument each, and runs nothing they contain', async () => {
    const out = join(dir, `out 'single' "double" $(touch pwned)`);
    const run = await veo([
      'create',
      HOSTILE_PROMPT,
      '-o',
      `${out}/`,
      '--exec',
      `printf '%s\\0' {path} {prompt} > args.bin`,
      '--exec',
      `printf '%s\\0' "{path}" '{prompt}' "$VEO_PROMPT" "$VEO_PATH" > quoted.bin`,
      '--exec',
      `printf '%s\\0' {id} {url} {sha256} "$VEO_ID" > fields.bin`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const path = run.stdout.trim();
    assert.ok(path.startsWith(`${out}/`), path);
    assert.equal(await sha(path), videoSha);
    assert.deepEqual(await argsWritten(join(dir, 'args.bin')), [path, HOSTILE_PROMPT]);
    assert.deepEqual(await argsWritten(join(dir, 'quoted.bin')), [path, HOSTILE_PROMPT, HOSTILE_PROMPT, path]);
    const [id = '', url = '', hash, idFromEnv] = await argsWritten(join(dir, 'fields.bin'));
    assert.match(id, ID);
    assert.equal(idFromEnv, id);
    assert.equal(hash, videoSha);
    assert.ok(url.startsWith('http://127.0.0.1:') && url.includes(id), url);
    assert.equal(existsSync(join(dir, 'pwned')), false, 'nothing in the prompt or the path ran');
    assert.equal(existsSync(join(ROOT, 'pwned')), false);
  });

  it('quotes a field inside $(…) and backticks afresh, even within double quotes', async () => {
    const id = await createdId();
    await writeFile(join(dir, 'glob-bait.mp4'), '');
    const run = await veo([
      'download',
      id,
      '-o',
      'sp ace dir/a  b*.mp4',
      '--exec',
      'printf \'%s\\0\' "base=[$(basename {path})]" "`basename {path}`" $(printf \'%s\' {path} | wc -c) > base.bin',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const path = join(dir, 'sp ace dir', 'a  b*.mp4');
    assert.equal(await sha(path), videoSha);
    assert.deepEqual(await argsWritten(join(dir, 'base.bin')), [
      'base=[a  b*.mp4]',
      'a  b*.mp4',
      String(Buffer.byteLength(path)),
    ]);
  });

  it('runs repeated --exec in order after wait -o and download, with the hook output on stderr only', async () => {
    const id = await createdId();
    const waited = await veo([
      'wait',
      id,
      '-o',
      'clip.mp4',
      '--exec',
      'echo one >> order.txt; echo from-the-hook',
      '--exec',
      'echo two >> order.txt; echo on-stderr >&2',
    ]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, `${join(dir, 'clip.mp4')}\n`);
    assert.equal(await readFile(join(dir, 'order.txt'), 'utf8'), 'one\ntwo\n');
    assert.match(waited.stderr, /hook clip\.mp4: from-the-hook\n/);
    assert.doesNotMatch(waited.stdout, /from-the-hook|on-stderr/);
    assert.match(waited.stderr, /hook clip\.mp4: on-stderr\n/);

    const downloaded = await veo([
      'download',
      id,
      '-o',
      'again.mp4',
      '--embed-metadata',
      '--exec',
      'printf "%s %s" {path} {sha256} > downloaded.txt',
    ]);
    assert.equal(downloaded.code, 0, downloaded.stderr);
    // {sha256} is the hash of the file as saved: here the video with the prompt embedded in it.
    const tagged = await sha(join(dir, 'again.mp4'));
    assert.notEqual(tagged, videoSha);
    assert.equal(await readFile(join(dir, 'downloaded.txt'), 'utf8'), `${join(dir, 'again.mp4')} ${tagged}`);
  });

  it('runs the hooks of every clip sync saves, and says so when a command saved none', async () => {
    const id = await createdId();
    // Finished first: sync saves finished videos only.
    assert.equal((await veo(['wait', id])).code, 0);
    const synced = await world.veo(
      ['sync', '--dir', 'synced', '--exec', 'printf "%s %s\\n" {id} {path} >> synced.txt'],
      {
        cwd: dir,
      },
    );
    assert.equal(synced.code, 0, synced.stderr);
    const lines = (await readFile(join(dir, 'synced.txt'), 'utf8')).trim().split('\n');
    assert.ok(lines.includes(`${id} ${join(dir, 'synced', `${id}.mp4`)}`), lines.join('\n'));
    const again = await veo(['download', id, '-o', join(dir, 'synced', `${id}.mp4`), '--exec', 'touch ran']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(existsSync(join(dir, 'ran')), false, 'a clip saved before is not given to the hooks again');
    assert.match(again.stderr, /--exec did not run: this run saved no clip to a file/);
  });

  it('runs hooks without the API key in their environment, and shows endless output without line breaks in pieces', async () => {
    const id = await createdId();
    const run = await veo([
      'wait',
      id,
      '-o',
      'keyless.mp4',
      '--exec',
      'printenv GPTUNNEL_API_KEY > key.txt; printenv VEO_ID > id.txt; head -c 20000 /dev/zero | tr "\\0" x',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await readFile(join(dir, 'key.txt'), 'utf8'), '');
    assert.equal((await readFile(join(dir, 'id.txt'), 'utf8')).trim(), id);
    const shown = run.stderr.split('\n').filter((line) => line.startsWith('hook keyless.mp4: x'));
    assert.ok(shown.length >= 5, run.stderr.slice(0, 300));
    assert.ok(shown.every((line) => line.length < 4200));
    assert.equal(shown.join('').replace(/hook keyless\.mp4: /g, '').length, 20000);
  });

  it('a batch run again does not fetch, nor hook, a clip its hooks moved away; nothing is paid again', async () => {
    await mkdir(join(dir, 'archive'));
    await writeFile(join(dir, 'moving.txt'), 'a clip that moves away\n');
    const batch = () =>
      veo(['batch', 'moving.txt', '--dir', 'out', '--exec', 'mv {path} archive/', '--exec', 'echo {id} >> hooked.txt']);
    const first = await batch();
    assert.equal(first.code, 0, first.stderr);
    const made = creates().length;
    const files = () => world.sim.requests.filter((r) => r.origin === 'file').length;
    const fetched = files();
    const again = await batch();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(creates().length, made, 'nothing paid again');
    assert.equal(files(), fetched, 'nothing fetched again');
    assert.equal((await readFile(join(dir, 'hooked.txt'), 'utf8')).trim().split('\n').length, 1);
    assert.match(again.stderr, /1 already saved/);
  });

  it('does not fetch again in later syncs a clip its hooks moved away, while a file deleted by hand is fetched', async () => {
    const moved = await createdId();
    assert.equal((await veo(['wait', moved])).code, 0);
    await mkdir(join(dir, 'archive'));
    const syncer = (args: string[]) => world.veo(args, { cwd: dir });
    const sync = (json = false) =>
      syncer([
        'sync',
        '--dir',
        'mv',
        '--exec',
        'mv {path} archive/',
        '--exec',
        'echo {id} >> hooked.txt',
        ...(json ? ['--json'] : []),
      ]);
    const first = await sync();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await sha(join(dir, 'archive', `${moved}.mp4`)), videoSha);
    const downloads = () => world.sim.requests.filter((r) => r.origin === 'file' && r.path.includes(moved)).length;
    const fetched = downloads();

    const second = await sync(true);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(downloads(), fetched, 'the clip handed on is not downloaded again');
    const hooked = (await readFile(join(dir, 'hooked.txt'), 'utf8')).split('\n').filter((line) => line === moved);
    assert.equal(hooked.length, 1, 'nor given to the hooks again');
    const document = JSON.parse(second.stdout) as { handedOff: string[]; videos: { id: string; state: string }[] };
    assert.ok(document.handedOff.includes(moved), second.stdout);
    assert.equal(document.videos.find((video) => video.id === moved)?.state, 'handed-off');
    const plain = await sync();
    assert.match(plain.stderr, /sync: .*\b\d+ handed off by hooks/);

    // Asked by id, it is fetched all the same; and a clip deleted by hand, without hooks, is fetched again by sync.
    const asked = await veo(['download', moved, '-o', 'asked.mp4']);
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(await sha(join(dir, 'asked.mp4')), videoSha);
    const deleted = await createdId();
    assert.equal((await veo(['wait', deleted])).code, 0);
    assert.equal((await syncer(['sync', '--dir', 'mv'])).code, 0);
    await rm(join(dir, 'mv', `${deleted}.mp4`));
    const refetched = await syncer(['sync', '--dir', 'mv']);
    assert.equal(refetched.code, 0, refetched.stderr);
    assert.equal(await sha(join(dir, 'mv', `${deleted}.mp4`)), videoSha);
  });

  it('ends with exit 10 when a hook fails, keeps the clip, skips the later hooks and says how to run it again', async () => {
    const run = await veo([
      'create',
      'a red kite',
      '-o',
      'kite.mp4',
      '--exec',
      'echo oops >&2; exit 3',
      '--exec',
      'touch second-ran',
    ]);
    assert.equal(run.code, 10, run.stderr);
    assert.equal(await sha(join(dir, 'kite.mp4')), videoSha);
    assert.equal(run.stdout, `${join(dir, 'kite.mp4')}\n`);
    assert.ok(
      run.stderr.includes(
        `The hook "echo oops >&2; exit 3" failed for ${join(dir, 'kite.mp4')} (exit status 3); the clip is kept`,
      ),
      run.stderr,
    );
    assert.match(run.stderr, /hook kite\.mp4: oops/);
    assert.match(run.stderr, /veo: error: A hook failed; its clip is saved\./);
    assert.match(run.stderr, /hint: Run it again by hand: sh -c 'echo oops >&2; exit 3'/);
    assert.equal(existsSync(join(dir, 'second-ran')), false, 'a later hook does not run after a failed one');
    assert.equal(creates().length, 1);
  });

  it('lets the other items of a batch go on when one hook fails, then exits 10', async () => {
    const file = join(dir, 'prompts.txt');
    await writeFile(file, 'first shot\nsecond bad shot\nthird shot\n');
    const run = await veo([
      'batch',
      file,
      '--dir',
      'clips',
      '--template',
      '{n}.{ext}',
      '--exec',
      'case {prompt} in *bad*) exit 4;; esac; touch "{path}.hooked"',
    ]);
    assert.equal(run.code, 10, run.stderr);
    for (const name of ['1.mp4', '2.mp4', '3.mp4']) assert.equal(await sha(join(dir, 'clips', name)), videoSha);
    assert.equal(existsSync(join(dir, 'clips', '1.mp4.hooked')), true);
    assert.equal(existsSync(join(dir, 'clips', '2.mp4.hooked')), false);
    assert.equal(existsSync(join(dir, 'clips', '3.mp4.hooked')), true);
    assert.ok(run.stderr.includes(`failed for ${join(dir, 'clips', '2.mp4')} (exit status 4)`), run.stderr);
    assert.match(run.stderr, /batch: 3 saved, 0 already saved, 0 failed/);
    assert.equal(creates().length, 3);
  });

  it('still tells a failed hook when a worse failure decides the exit code: error, step summary, event stream', async () => {
    const file = join(dir, 'prompts.txt');
    await writeFile(file, 'a hooked shot\na FAIL shot\n');
    const summary = join(dir, 'summary.md');
    const events = join(dir, 'events.jsonl');
    const run = await veo(
      ['batch', file, '--dir', 'clips', '--template', '{n}.{ext}', '--events', events, '--exec', 'exit 4'],
      { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
    );
    assert.equal(run.code, 6, run.stderr);
    const path = join(dir, 'clips', '1.mp4');
    assert.equal(await sha(path), videoSha);
    const final = run.stderr.slice(run.stderr.indexOf('veo: error:'));
    assert.match(final, /A hook failed; its clip is saved\./);
    assert.ok(final.includes(`${path}: "exit 4" exit status 4`), final);
    // The re-run the hint gives runs the same hooks and writes the same event stream.
    assert.match(
      final,
      /hint: .*veo batch \S+ --dir clips --interval 0\.05 --template '\{n\}\.\{ext\}' --exec 'exit 4' --events \S+events\.jsonl again/,
    );
    const row = (await readFile(summary, 'utf8')).split('\n').find((line) => line.includes('a hooked shot'));
    assert.match(row ?? '', /\| saved, hook failed \|/);
    const told = (await readFile(events, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((event) => event.type === 'failed' && event.code === 'HOOK_FAILED');
    assert.ok(told, 'a failed event for the hook');
    assert.match(String(told.id), ID);
    assert.equal(told.path, path);
    assert.equal(told.exitCode, 10);
  });

  it('keeps stderr JSON only under --json, with the output of a failed hook in its warning', async () => {
    const run = await veo([
      'create',
      'a green kite',
      '-o',
      'green.mp4',
      '--json',
      '--exec',
      'echo fine-on-stdout; echo fine-on-stderr >&2',
      '--exec',
      'echo to-stdout; echo to-stderr >&2; exit 5',
    ]);
    assert.equal(run.code, 10, run.stderr);
    const document = JSON.parse(run.stdout) as { download: { path: string } };
    assert.equal(document.download.path, join(dir, 'green.mp4'));
    const lines = run.stderr.split('\n').filter(Boolean);
    const docs = lines.map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
    const warning = docs.find((doc) => doc.warning?.code === 'HOOK_FAILED')?.warning;
    assert.ok(warning, run.stderr);
    assert.equal(warning.path, join(dir, 'green.mp4'));
    assert.equal(warning.exitCode, 5);
    assert.match(String(warning.output), /to-stdout\n/);
    assert.match(String(warning.output), /to-stderr\n/);
    assert.doesNotMatch(run.stderr + run.stdout, /fine-on-/, 'the output of a hook that worked is not shown');
    const error = docs.find((doc) => doc.error)?.error;
    assert.equal(error?.code, 'HOOK_FAILED');
    assert.equal(error?.exitCode, 10);
  });

  it('runs the hooks of many items at once, listening for signals once for all of them', async () => {
    const file = join(dir, 'many.txt');
    await writeFile(file, Array.from({ length: 12 }, (_, i) => `shot ${i + 1}`).join('\n'));
    const run = await veo([
      'batch',
      file,
      '--dir',
      'many',
      '--concurrency',
      '12',
      '--json',
      '--exec',
      'sleep 0.2; echo {id} >> ids.txt',
    ]);
    assert.equal(run.code, 0, run.stderr);
    // Twelve items and hooks at once: no warning about too many listeners (on the process or the abort signal),
    // and --json keeps stderr JSON only.
    assert.doesNotMatch(run.stderr, /MaxListenersExceededWarning/);
    for (const line of run.stderr.split('\n').filter(Boolean)) JSON.parse(line);
    const ids = (await readFile(join(dir, 'ids.txt'), 'utf8')).trim().split('\n');
    assert.equal(new Set(ids).size, 12);
  });

  it('stops a hook that runs past VEO_HOOK_TIMEOUT, with what it started, and counts it as failed', async () => {
    const run = await veo(
      ['create', 'a slow kite', '-o', 'slow.mp4', '--exec', 'sleep 30 & echo $! > sleeper.pid; wait'],
      { VEO_HOOK_TIMEOUT: '1' },
    );
    assert.equal(run.code, 10, run.stderr);
    assert.match(run.stderr, /still running after 1s, so it was stopped/);
    assert.equal(await sha(join(dir, 'slow.mp4')), videoSha);
    const pid = Number(await readFile(join(dir, 'sleeper.pid'), 'utf8'));
    // Gone, or dead and waiting to be reaped by whoever inherited it: either way no longer running.
    const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    assert.ok(
      state === undefined || /^\d+ \(sleep\) Z/.test(state),
      `the process the hook started is stopped too: ${state}`,
    );
  });

  it('gives a failed hook a hint that, pasted into bash or zsh, runs it again with the exact bytes', async (t) => {
    const prompt = "line one\nline 'two'\\n\tend";
    const run = await veo([
      'create',
      prompt,
      '-o',
      'tab\there.mp4',
      '--exec',
      "printf '%s\\0' {path} {prompt} > got.bin\nexit 4",
    ]);
    assert.equal(run.code, 10, run.stderr);
    const path = join(dir, 'tab\there.mp4');
    assert.deepEqual(await argsWritten(join(dir, 'got.bin')), [path, prompt]);
    const hint = /hint: Run it again by hand \(in bash or zsh\): (.*)$/m.exec(run.stderr)?.[1] ?? '';
    assert.match(hint, /^VEO_PATH=\$'.*' VEO_PROMPT=\$'.*' sh -c \$'.*'$/, run.stderr);
    for (const shell of ['bash', 'zsh']) {
      if (!existsSync(`/usr/bin/${shell}`) && !existsSync(`/bin/${shell}`)) {
        t.diagnostic(`${shell} is not installed: the hint is not pasted there`);
        continue;
      }
      await rm(join(dir, 'got.bin'));
      const pasted = spawnSync(shell, ['-c', hint], { cwd: dir, env: { PATH: process.env.PATH } });
      assert.equal(pasted.status, 4, `${shell}: ${pasted.stderr.toString()}`);
      assert.deepEqual(await argsWritten(join(dir, 'got.bin')), [path, prompt], shell);
    }
  });

  it('takes a VEO_HOOK_TIMEOUT of up to 7 days and refuses a longer one before anything is sent', async () => {
    const week = await veo(['create', 'a patient kite', '-o', 'week.mp4', '--exec', 'echo ran > week.txt'], {
      VEO_HOOK_TIMEOUT: '604800',
    });
    assert.equal(week.code, 0, week.stderr);
    assert.equal(await readFile(join(dir, 'week.txt'), 'utf8'), 'ran\n');
    const before = creates().length;
    const longer = await veo(['create', 'a kite', '-o', 'long.mp4', '--exec', 'echo ran > long.txt'], {
      VEO_HOOK_TIMEOUT: '3000000',
    });
    assert.equal(longer.code, 2, longer.stderr);
    assert.match(longer.stderr, /VEO_HOOK_TIMEOUT is set to "3000000"/);
    assert.doesNotMatch(longer.stderr, /TimeoutOverflowWarning/);
    assert.equal(creates().length, before, 'the simulator received no create');
    assert.equal(existsSync(join(dir, 'long.txt')), false);
  });

  it('passes Ctrl-C on to a running hook and ends with 130, not with a hook failure', async () => {
    let interrupted = false;
    const run = await world.veo(
      [
        'create',
        'an interrupted kite',
        '-o',
        'int.mp4',
        '--interval',
        '0.05',
        '--exec',
        "trap 'echo got-int > int.txt; exit 7' INT; echo started; while :; do sleep 0.05; done",
      ],
      {
        cwd: dir,
        // Once, as one Ctrl-C: a second one quits at once.
        onStderr: (text, child) => {
          if (text.includes('hook int.mp4: started') && !interrupted) child.kill('SIGINT');
          interrupted ||= text.includes('hook int.mp4: started');
        },
      },
    );
    assert.equal(run.code, 130, run.stderr);
    assert.equal(await readFile(join(dir, 'int.txt'), 'utf8'), 'got-int\n');
    assert.equal(await sha(join(dir, 'int.mp4')), videoSha);
    assert.doesNotMatch(run.stderr, /hook failed/i);
    // Said, not silent: which hook, which clip (kept), and how to run it by hand.
    assert.match(run.stderr, /veo: error: Interrupted: a hook did not finish; its clip is saved and kept\./);
    assert.ok(run.stderr.includes(`${join(dir, 'int.mp4')}: "trap `), run.stderr);
    assert.match(run.stderr, /" was stopped; by hand: sh -c 'trap /);
    assert.match(run.stderr, /hint: Run it by hand: sh -c 'trap /);
  });

  it('names in a stopped batch the hooks Ctrl-C cut, beside the command that resumes it', async () => {
    const file = join(dir, 'cut.txt');
    await writeFile(file, 'a cut shot\n');
    let interrupted = false;
    const hook = 'echo started; while :; do sleep 0.05; done';
    const run = await veo(
      ['batch', file, '--dir', 'cut', '--template', '{n}.{ext}', '--exec', hook],
      {},
      (text, child) => {
        if (!interrupted && text.includes('hook 1.mp4: started')) child.kill('SIGINT');
        interrupted ||= text.includes('hook 1.mp4: started');
      },
    );
    assert.equal(run.code, 130, run.stderr);
    const path = join(dir, 'cut', '1.mp4');
    assert.equal(await sha(path), videoSha);
    const final = run.stderr.slice(run.stderr.indexOf('veo: error:'));
    assert.match(final, /^veo: error: Interrupted: 1 of 1 items saved/);
    assert.match(final, /Interrupted: a hook did not finish; its clip is saved and kept\./);
    assert.ok(final.includes(`${path}: ${JSON.stringify(hook)} was stopped; by hand: sh -c `), final);
    assert.match(
      final,
      /hint: Re-run the same command to resume .* --exec 'echo started; while :; do sleep 0\.05; done'/,
    );
  });

  it('says under --json which hooks SIGTERM stopped or kept from running, and ends with 143', async () => {
    const run = await world.veo(
      [
        'create',
        'a terminated kite',
        '-o',
        'term.mp4',
        '--json',
        '--interval',
        '0.05',
        '--exec',
        'echo started > started.txt; while :; do sleep 0.05; done',
        '--exec',
        'touch never-ran',
      ],
      {
        cwd: dir,
        onStart: (child) => {
          // The hook is running once it wrote its file: SIGTERM then, told by the folder, not by a clock.
          const watcher = watch(dir, () => {
            if (!existsSync(join(dir, 'started.txt'))) return;
            watcher.close();
            child.kill('SIGTERM');
          });
          child.once('exit', () => watcher.close());
        },
      },
    );
    assert.equal(run.code, 143, run.stderr);
    assert.equal(await sha(join(dir, 'term.mp4')), videoSha);
    assert.equal(existsSync(join(dir, 'never-ran')), false);
    const docs = run.stderr
      .split('\n')
      .filter(Boolean)
      .map(
        (line) => JSON.parse(line) as { error?: { code: string; message: string; details?: string[]; hint?: string } },
      );
    const error = docs.find((doc) => doc.error)?.error;
    assert.ok(error, run.stderr);
    assert.equal(error.code, 'INTERRUPTED');
    assert.match(error.message, /^Terminated \(SIGTERM\): 2 hooks did not finish/);
    const path = join(dir, 'term.mp4');
    assert.ok(error.details?.[0]?.startsWith(`${path}: "echo started`), JSON.stringify(error));
    assert.match(error.details?.[0] ?? '', /was stopped; by hand: /);
    assert.match(error.details?.[1] ?? '', /"touch never-ran" did not run; by hand: sh -c 'touch never-ran'/);
  });

  it('refuses --exec on a command that saves no clip to a file, with exit 2 and nothing sent', async () => {
    const id = await createdId();
    const before = world.sim.requests.length;
    const runs = [
      ['create', 'no o', '--exec', 'touch ran'],
      ['create', 'a kite', '--wait', '--exec', 'touch ran'],
      ['create', 'a kite', '-o', '-', '--exec', 'touch ran'],
      ['rerun', id, '--yes', '--exec', 'touch ran'],
      ['download', id, '-o', '-', '--exec', 'touch ran'],
      ['wait', id, '--exec', 'touch ran'],
      ['wait', '--all', '--exec', 'touch ran'],
    ];
    for (const args of runs) {
      const run = await veo(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(
        run.stderr,
        /--exec runs after a clip is saved to a file, but this .* saves it to .*; nothing was sent/,
      );
      assert.equal(run.stdout, '');
    }
    assert.equal(world.sim.requests.length, before, 'the simulator received nothing');
    assert.equal(existsSync(join(dir, 'ran')), false);
  });

  it('refuses an unknown field with exit 2 before anything is created', async () => {
    const run = await veo(['create', 'a kite', '-o', 'k.mp4', '--exec', 'echo {pth}']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--exec "echo \{pth\}" names an unknown field \{pth\}/);
    const file = join(dir, 'p.txt');
    await writeFile(file, 'one\n');
    const batch = await veo(['batch', file, '--exec', 'true', '--exec', 'echo {Path}']);
    assert.equal(batch.code, 2, batch.stderr);
    assert.equal(creates().length, 0, 'the simulator received no create');
  });
});

describe('--notify and --bell', () => {
  const world = useWorld({ taskMs: 150, failPattern: 'FAIL' });
  let bin: string;
  let empty: string;
  let log: string;
  before(async () => {
    bin = join(world.workDir, 'bin');
    empty = join(world.workDir, 'empty-bin');
    log = join(world.workDir, 'notify.log');
    await mkdir(bin);
    await mkdir(empty);
    // A notifier of the test's own: it writes each argument it received, NUL after each, to the log.
    await writeFile(join(bin, 'notify-send'), `#!/bin/sh\nprintf '%s\\0' "$@" >> "${log}"\n`);
    await chmod(join(bin, 'notify-send'), 0o755);
  });
  beforeEach(() => rm(log, { force: true }));

  const veo = (args: string[], env: Record<string, string> = {}) =>
    world.veo([...args, '--interval', '0.05'], { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ...env } });
  const notified = async () => (existsSync(log) ? argsWritten(log) : []);
  const createdId = async () => {
    const made = await veo(['create', 'a quiet lake']);
    assert.equal(made.code, 0, made.stderr);
    return made.stdout.trim();
  };

  it('tells the desktop how a download and a batch ended, title and body as separate arguments', async () => {
    const id = await createdId();
    const run = await veo(['download', id, '-o', 'n.mp4', '--notify']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await notified(), ['--app-name=veo', '--', 'veo download', 'saved n.mp4']);

    await rm(log);
    const file = join(world.workDir, 'notify.txt');
    await writeFile(file, 'one\ntwo FAIL\nthree\n');
    const batch = await veo(['batch', file, '--dir', join(world.workDir, 'nb'), '--notify']);
    assert.equal(batch.code, 6, batch.stderr);
    const [app, dashes, title, body] = await notified();
    assert.deepEqual([app, dashes, title], ['--app-name=veo', '--', 'veo batch']);
    assert.equal(body, '2 saved, 1 failed (exit 6)');
  });

  it('stays silent when the run did nothing, and tells a failure always', async () => {
    const sync = ['sync', '--dir', join(world.workDir, 'quiet-sync')];
    const env = { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } };
    assert.equal((await world.veo(sync, env)).code, 0);
    await rm(log, { force: true });
    const idle = await world.veo([...sync, '--notify', '--bell'], env);
    assert.equal(idle.code, 0, idle.stderr);
    assert.deepEqual(await notified(), [], 'a sync with nothing new');
    const none = await veo(['wait', '--all', '--notify']);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stderr, /Nothing to wait for/);
    assert.deepEqual(await notified(), [], 'a wait --all with nothing to wait for');
    const file = join(world.workDir, 'quiet.txt');
    await writeFile(file, 'one quiet line\n');
    const batch = ['batch', file, '--dir', join(world.workDir, 'quiet-batch')];
    assert.equal((await veo(batch)).code, 0);
    const resumed = await veo([...batch, '--notify']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /0 saved, 1 already saved/);
    assert.deepEqual(await notified(), [], 'a batch already complete');
    const failed = await veo(['wait', '0123456789abcdef01234567', '--notify']);
    assert.notEqual(failed.code, 0);
    const [, , title, body] = await notified();
    assert.equal(title, 'veo wait');
    assert.match(body ?? '', /\(exit \d+\)$/);
  });

  it('stops a notifier that hangs after 5 s, with every process it started', async () => {
    const hung = join(world.workDir, 'hung-bin');
    const pidFile = join(world.workDir, 'notifier-child.pid');
    await mkdir(hung, { recursive: true });
    await writeFile(join(hung, 'notify-send'), `#!/bin/sh\nsleep 100 &\necho $! > "${pidFile}"\nwait\n`);
    await chmod(join(hung, 'notify-send'), 0o755);
    const id = await createdId();
    const run = await veo(['wait', id, '--notify'], { PATH: `${hung}:${process.env.PATH ?? ''}` });
    assert.equal(run.code, 0, run.stderr);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    // Gone, or dead and not yet reaped: either way no longer running.
    const state = existsSync(`/proc/${pid}/stat`)
      ? (await readFile(`/proc/${pid}/stat`, 'utf8')).split(' ')[2]
      : 'gone';
    assert.ok(state === 'gone' || state === 'Z', `the notifier's child is stopped too: ${state}`);
  });

  it('is silently nothing where no notifier exists, and changes no exit code', async () => {
    const id = await createdId();
    const run = await veo(['wait', id, '--notify', '--quiet'], { PATH: empty });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^http/);
    assert.equal(run.stderr, '');
    const failed = await veo(['wait', '0123456789abcdef01234567', '--notify', '--quiet'], { PATH: empty });
    const plain = await veo(['wait', '0123456789abcdef01234567', '--quiet'], { PATH: empty });
    assert.equal(failed.code, plain.code);
    assert.equal(failed.stderr, plain.stderr);
  });

  it('notifies by default once `config set notify true`, and --no-notify turns it off for one run', async () => {
    const id = await createdId();
    const set = await world.veo(['config', 'set', 'notify', 'true']);
    assert.equal(set.code, 0, set.stderr);
    try {
      const listed = await world.veo(['list'], { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(await notified(), [], 'only the commands that wait or save notify');
      const run = await veo(['wait', id]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await notified(), ['--app-name=veo', '--', 'veo wait', 'done']);
      await rm(log);
      const off = await veo(['wait', id, '--no-notify']);
      assert.equal(off.code, 0, off.stderr);
      assert.deepEqual(await notified(), []);
      const refused = await world.veo(['config', 'set', 'bell', 'loud']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /bell takes true or false, not "loud"/);
    } finally {
      await world.veo(['config', 'unset', 'notify']);
    }
  });

  it('rings the bell on a terminal, and never into a pipe or under --json', async () => {
    const id = await createdId();
    const env = { ...world.env, VEO_MIN_INTERVAL_MS: '1' };
    const command = (flags: string) => `${process.execPath} ${VEO} wait ${id} --interval 0.05 ${flags}`;
    const rung = await runInPty(command('--bell'), env);
    assert.match(rung, /http/);
    assert.ok(rung.includes('\u0007'), JSON.stringify(rung));
    const silent = await runInPty(command(''), env);
    assert.ok(!silent.includes('\u0007'), JSON.stringify(silent));
    const json = await runInPty(command('--bell --json'), env);
    assert.ok(!json.includes('\u0007'), JSON.stringify(json));
    const piped = await veo(['wait', id, '--bell']);
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(!piped.stderr.includes('\u0007'));
  });
});
