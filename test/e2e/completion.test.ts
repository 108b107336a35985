import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Journal } from '../../src/store/journal.js';
import { taskId } from '../helpers/journal-fixtures.js';
import { useWorld, VEO } from '../helpers/cli.js';

// Each shell completes partial command lines in a real process of its own, with the script `veo completion`
// printed: bash through its completion function, zsh through its completion system in a pseudo-terminal (zpty),
// fish through `complete -C`. The scripts call `veo` from PATH for task ids and models, as they do for a user.

function hasShell(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runShell(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // A completion that never comes must fail the test, not stall the suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Like bash: words split at spaces outside double quotes, and at ':' and '=' (COMP_WORDBREAKS), each of which is
 * a word of its own; a line that ends with a space has an empty word last.
 */
function bashWords(line: string): string[] {
  const words = (line.match(/(?:"[^"]*"|[^ ])+/g) ?? []).flatMap((word) =>
    word.startsWith('"') ? [word] : (word.match(/[:=]|[^:=]+/g) ?? []),
  );
  return line.endsWith(' ') ? [...words, ''] : words;
}

const BASH_DRIVER = `
source "$1"
COMP_LINE=$2
COMP_POINT=\${#COMP_LINE}
COMP_WORDS=("\${@:3}")
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_veo
printf '%s\\n' "\${COMPREPLY[@]}"
`;

// The interactive zsh's startup file: compinit, the script, and a compadd that also writes every match it adds
// (with what the menu shows beside it) to a file. Tab completes, then prints a marker the driver waits for.
const ZSHRC = `
PS1='> '
unsetopt beep
# Installed as an autoloaded _veo on $fpath, or sourced after compinit: the two ways the README gives.
[[ -n $VEO_TEST_FPATH ]] && fpath=("$VEO_TEST_FPATH" $fpath)
autoload -Uz compinit && compinit -u -D
[[ -n $VEO_TEST_FPATH ]] || source "$VEO_TEST_SCRIPT"
compadd() {
  local -a __found __shown
  local __i __dname
  for (( __i = 1; __i < $#; __i++ )); do
    [[ \${@[__i]} == -d ]] && __dname=\${@[__i+1]}
  done
  builtin compadd -O __found "$@"
  [[ -n $__dname ]] && __shown=("\${(@P)__dname}")
  for (( __i = 1; __i <= $#__found; __i++ )); do
    print -r -- "\${__found[__i]}"$'\\t'"\${__shown[__i]-}" >> "$VEO_TEST_OUT"
  done
  builtin compadd "$@"
}
__test_tab() {
  zle complete-word
  print -r -- '@@completed@@' > /dev/tty
}
zle -N __test_tab
bindkey '^I' __test_tab
`;

const ZSH_DRIVER = `
zmodload zsh/zpty || exit 3
: > "$VEO_TEST_OUT"
zpty veo zsh -i
zpty -w -n veo "$1"$'\\t'
zpty -r -m veo typed '*@@completed@@*' || exit 4
zpty -d veo
`;

const HOSTILE_PROMPT = 'a fox $(touch pwned) `touch pwned` "quoted\' \n second line\twith a tab';

describe('shell completion', () => {
  const world = useWorld();
  let dir: string;
  let shellEnv: Record<string, string>;
  /** Newest first, as the scripts offer them. */
  let ids: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'veo-completion-'));
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'veo'), `#!/bin/sh\nexec "${process.execPath}" "${VEO}" "$@"\n`);
    await chmod(join(bin, 'veo'), 0o755);
    shellEnv = {
      ...world.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: dir,
      TERM: 'dumb',
      XDG_CACHE_HOME: join(tmpdir(), 'veo-test-cache'),
    };
    ids = [];
    for (const prompt of ['a red kite', HOSTILE_PROMPT]) {
      const created = await world.veo(['create', prompt]);
      assert.equal(created.code, 0, created.stderr);
      ids.unshift(created.stdout.trim());
    }
    const models = await world.veo(['models']);
    assert.equal(models.code, 0, models.stderr);
    for (const shell of ['bash', 'zsh', 'fish']) {
      const printed = await world.veo(['completion', shell]);
      assert.equal(printed.code, 0, printed.stderr);
      assert.equal(printed.stderr, '');
      await writeFile(join(dir, `veo.${shell}`), printed.stdout);
    }
    await writeFile(join(world.workDir, 'clip.mp4'), 'not really a video');
    await mkdir(join(world.workDir, 'clips'), { recursive: true });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /**
   * Nothing a journal says was run (the hostile prompt's `touch pwned` made no file anywhere), and completing
   * asked the API nothing.
   */
  function assertNothingRanOrSent(): void {
    assert.equal(existsSync(join(world.workDir, 'pwned')), false);
    assert.equal(existsSync(join(dir, 'pwned')), false);
    assert.deepEqual(world.sim.requests, []);
  }

  async function bash(line: string): Promise<string[]> {
    await writeFile(join(dir, 'drive.bash'), BASH_DRIVER);
    const run = await runShell(
      'bash',
      ['--norc', '--noprofile', join(dir, 'drive.bash'), join(dir, 'veo.bash'), line, ...bashWords(line)],
      shellEnv,
      world.workDir,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', line);
    return run.stdout.split('\n').filter(Boolean);
  }

  /** Each match zsh added, as `value<TAB>what the menu shows`. */
  async function zsh(line: string, fpath = ''): Promise<string[]> {
    const zdot = join(dir, 'zdot');
    await mkdir(zdot, { recursive: true });
    await writeFile(join(zdot, '.zshrc'), ZSHRC);
    await writeFile(join(dir, 'drive.zsh'), ZSH_DRIVER);
    const out = join(dir, 'zsh-matches.txt');
    const env = {
      ...shellEnv,
      ZDOTDIR: zdot,
      VEO_TEST_SCRIPT: join(dir, 'veo.zsh'),
      VEO_TEST_OUT: out,
      VEO_TEST_FPATH: fpath,
    };
    const run = await runShell('zsh', ['-f', join(dir, 'drive.zsh'), line], env, world.workDir);
    assert.equal(run.code, 0, `zsh driver failed for "${line}": ${run.stderr}`);
    return [...new Set((await readFile(out, 'utf8')).split('\n').filter(Boolean))];
  }

  /** `value<TAB>description` lines, as fish's `complete -C` prints them. */
  async function fish(line: string): Promise<string[]> {
    const run = await runShell(
      'fish',
      ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', join(dir, 'veo.fish'), line],
      shellEnv,
      world.workDir,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', line);
    return run.stdout.split('\n').filter(Boolean);
  }

  const values = (lines: string[]) => lines.map((line) => line.split('\t')[0] ?? '');

  function skipWithout(t: TestContext, shell: string): boolean {
    if (hasShell(shell)) return false;
    t.skip(`${shell} is not installed (Debian package ${shell})`);
    return true;
  }

  it('bash: commands, options, aspect ratios, models, task ids and paths', async (t) => {
    if (skipWithout(t, 'bash')) return;
    assert.deepEqual(await bash('veo wa'), ['wait']);
    assert.deepEqual(await bash('veo co'), ['config', 'completion']);
    assert.deepEqual(await bash('veo auth l'), ['login', 'logout']);
    assert.deepEqual(await bash('veo config set output-d'), ['output-dir']);
    const waitOptions = await bash('veo wait --');
    for (const option of ['--output', '--timeout', '--force', '--json', '--help'])
      assert.ok(waitOptions.includes(option));
    assert.ok(!waitOptions.includes('--ar'));
    assert.deepEqual(await bash('veo create --ar '), ['1:1', '16:9', '9:16']);
    // bash counts only ":" or "9" as the word being completed: the reply completes just that part.
    assert.deepEqual(await bash('veo create --ar 16:'), [':9']);
    assert.deepEqual(await bash('veo create --ar=9'), ['9:16']);
    assert.deepEqual(await bash('veo --json create "a kite" --ar 9'), ['9:16']);
    const models = await bash('veo create --model glabs-veo-3-1');
    assert.ok(models.includes('glabs-veo-3-1-fast'), models.join(' '));
    assert.ok(models.every((model) => model.startsWith('glabs-veo-3-1')));
    for (const command of ['wait', 'result', 'download']) assert.deepEqual(await bash(`veo ${command} `), ids);
    assert.deepEqual(await bash(`veo wait ${ids[1]}`), [ids[1]]);
    assert.deepEqual(await bash('veo wait --timeout 30m '), ids);
    assert.deepEqual((await bash('veo inspect cl')).sort(), ['clip.mp4', 'clips']);
    assert.deepEqual((await bash('veo create -o cli')).sort(), ['clip.mp4', 'clips']);
    assert.deepEqual(await bash('veo sync --dir cl'), ['clips']);
    assert.deepEqual(await bash('veo completion '), ['bash', 'zsh', 'fish']);
    assert.deepEqual(await bash(`veo wait ${ids[0]} `), []);
    assertNothingRanOrSent();
  });

  it('zsh: the same, with descriptions beside commands and task ids', async (t) => {
    if (skipWithout(t, 'zsh')) return;
    assert.deepEqual(values(await zsh('veo wa')), ['wait']);
    const waitOptions = values(await zsh('veo wait --'));
    for (const option of ['--output', '--timeout', '--json', '--help']) assert.ok(waitOptions.includes(option));
    assert.ok(!waitOptions.includes('--ar'));
    assert.deepEqual(values(await zsh('veo create --ar ')).sort(), ['16:9', '1:1', '9:16']);
    assert.deepEqual(values(await zsh('veo create --ar=1')).sort(), ['16:9', '1:1']);
    const models = values(await zsh('veo create --model glabs-veo-3-1'));
    assert.ok(models.includes('glabs-veo-3-1-fast'), models.join(' '));
    assert.ok(models.every((model) => model.startsWith('glabs-veo-3-1')));
    for (const command of ['wait', 'result', 'download']) {
      const tasks = await zsh(`veo ${command} `);
      assert.deepEqual(values(tasks), ids);
      // The prompt as the description, on one line: its newline and tab are spaces, nothing of it was run.
      const hostile = tasks[0]?.split('\t')[1] ?? '';
      assert.match(hostile, new RegExp(`^${ids[0]} -- .*a fox \\$\\(touch pwned\\) \`touch pwned\` "quoted' second`));
      assert.match(tasks[1] ?? '', /a red kite/);
    }
    const fpath = join(dir, 'fpath');
    await mkdir(fpath, { recursive: true });
    await writeFile(join(fpath, '_veo'), await readFile(join(dir, 'veo.zsh')));
    assert.deepEqual(values(await zsh('veo wa', fpath)), ['wait']);
    assert.deepEqual(values(await zsh('veo result ', fpath)), ids);
    assert.ok(values(await zsh('veo inspect cl')).includes('clip.mp4'));
    const dirs = values(await zsh('veo sync --dir cl'));
    assert.ok(dirs.includes('clips') && !dirs.includes('clip.mp4'), dirs.join(' '));
    assertNothingRanOrSent();
  });

  it('fish: the same, with descriptions beside commands and task ids', async (t) => {
    if (skipWithout(t, 'fish')) return;
    const wa = await fish('veo wa');
    assert.deepEqual(values(wa), ['wait']);
    assert.match(wa[0] ?? '', /\tpoll a task until it finishes/);
    const waitOptions = values(await fish('veo wait --'));
    for (const option of ['--output', '--timeout', '--json', '--help']) assert.ok(waitOptions.includes(option));
    assert.ok(!waitOptions.includes('--ar'));
    assert.deepEqual(values(await fish('veo create --ar ')).sort(), ['16:9', '1:1', '9:16']);
    const models = values(await fish('veo create --model glabs-veo-3-1'));
    assert.ok(models.includes('glabs-veo-3-1-fast'), models.join(' '));
    assert.ok(models.every((model) => model.startsWith('glabs-veo-3-1')));
    for (const command of ['wait', 'result', 'download']) {
      const tasks = await fish(`veo ${command} `);
      assert.deepEqual(values(tasks), ids);
      assert.match(tasks[0] ?? '', /\t.*a fox \$\(touch pwned\) `touch pwned` "quoted' second \.\.\.$/);
    }
    assert.deepEqual(values(await fish('veo inspect cl')), ['clip.mp4', 'clips/']);
    assert.deepEqual(values(await fish('veo sync --dir cl')), ['clips/']);
    assert.deepEqual(values(await fish('veo auth ')).sort(), ['login', 'logout', 'status']);
    assertNothingRanOrSent();
  });
});

describe('the completion callback', () => {
  const world = useWorld();

  it('answers nothing, silently and with exit 0, when there is nothing to read or it cannot be read', async () => {
    for (const args of [['models'], ['tasks'], ['nosuch'], []]) {
      const run = await world.veo(['__complete', ...args]);
      assert.deepEqual([run.code, run.stdout, run.stderr], [0, '', ''], args.join(' '));
    }
    // A journal that is a link is never followed; a models cache that is not JSON is no cache.
    await symlink('/etc/passwd', join(world.configDir, 'journal.jsonl'));
    await writeFile(join(world.configDir, 'models-cache.json'), '{not json');
    for (const kind of ['tasks', 'models']) {
      const run = await world.veo(['__complete', kind]);
      assert.deepEqual([run.code, run.stdout, run.stderr], [0, '', ''], kind);
    }
    await rm(join(world.configDir, 'journal.jsonl'));
    assert.deepEqual(world.sim.requests, []);
  });

  it('offers at most 50 task ids, newest first, and only plain model ids from the cache of the API in use', async () => {
    const journal = new Journal(world.configDir);
    for (let n = 1; n <= 60; n++) {
      await journal.record({
        id: taskId(n),
        prompt: `prompt ${n}\u001b[31m`,
        createdAt: new Date(n * 1000).toISOString(),
      });
    }
    const tasks = await world.veo(['__complete', 'tasks']);
    assert.equal(tasks.code, 0);
    const lines = tasks.stdout.trim().split('\n');
    assert.equal(lines.length, 50);
    assert.equal(lines[0], `${taskId(60)}\tprompt 60 [31m`);
    assert.equal(lines[49]?.split('\t')[0], taskId(11));
    const prefixed = await world.veo(['__complete', 'tasks', taskId(59)]);
    assert.deepEqual(prefixed.stdout.trim().split('\n'), [`${taskId(59)}\tprompt 59 [31m`]);
    // An older task than the newest 50 is found once its id is begun.
    const older = await world.veo(['__complete', 'tasks', taskId(3)]);
    assert.deepEqual(
      older.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t')[0]),
      [taskId(3)],
    );

    const cache = (origin: string) =>
      JSON.stringify({
        version: 1,
        origin,
        fetchedAt: Date.now(),
        models: [
          { id: 'glabs-veo-3-1-fast', price: 49 },
          { id: 'glabs-veo-$(touch pwned)', price: 1 },
          { id: 'glabs-veo-x\nrm -rf ~', price: 1 },
          { id: 'gpt-4o', price: 1 },
        ],
      });
    await writeFile(join(world.configDir, 'models-cache.json'), cache(new URL(world.sim.baseUrl).origin));
    const models = await world.veo(['__complete', 'models']);
    assert.deepEqual([models.code, models.stdout, models.stderr], [0, 'glabs-veo-3-1-fast\t49 RUB\n', '']);
    // A list fetched from another API is not the one this machine would use.
    await writeFile(join(world.configDir, 'models-cache.json'), cache('https://elsewhere.example'));
    assert.equal((await world.veo(['__complete', 'models'])).stdout, '');
  });

  it('is no command of the help, and `veo completion` refuses a shell it does not know', async () => {
    const help = await world.veo(['--help']);
    assert.match(help.stdout, /completion <shell>/);
    assert.doesNotMatch(help.stdout, /__complete/);
    const unknown = await world.veo(['completion', 'tcsh']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /'tcsh' is invalid.*bash, zsh, fish/);
    // No key is needed, and nothing is asked of the API.
    const keyless = await world.veo(['completion', 'zsh'], { env: { GPTUNNEL_API_KEY: undefined } });
    assert.equal(keyless.code, 0, keyless.stderr);
    assert.match(keyless.stdout, /^#compdef veo$/m);
    assert.deepEqual(world.sim.requests, []);
    const json = await world.veo(['--json', 'completion', 'fish']);
    assert.equal(json.code, 0);
    assert.match((JSON.parse(json.stdout) as { script: string }).script, /^complete -c veo -f$/m);
  });
});
