import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, runVeo } from '../helpers/cli.js';

// `veo models --help`-free commands would need the simulator; `veo config path` loads the bundle and needs nothing.
const ARGS = ['config', 'path'];

/** A run of veo that reports what it did with the code cache kept under `cacheHome`. */
async function veoWithCache(cacheHome: string) {
  const run = await runVeo(ARGS, { env: { XDG_CACHE_HOME: cacheHome, VEO_CODE_CACHE: 'debug' } });
  assert.equal(run.code, 0, run.stderr);
  return { ...run, report: reportOf(run.stderr) };
}

/** What VEO_CODE_CACHE=debug told about the cache. */
function reportOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('veo: code cache: '))
    .map((line) => line.slice('veo: code cache: '.length));
}

/** Runs `command` to its end; a hang is left to the test's timeout. */
function finish(command: string, args: string[], env: Record<string, string>, cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the V8 code cache of the bundle', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'veo-code-cache-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('is written on the first run, private, and used on the second', async () => {
    const home = join(root, 'fresh');
    const first = await veoWithCache(home);
    assert.match(first.report[0] ?? '', /^none used/);
    assert.match(first.report.at(-1) ?? '', /^saved .*veo\/code-cache\.bin$/);
    const file = join(home, 'veo', 'code-cache.bin');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(home, 'veo'))).mode & 0o777, 0o700);
    const second = await veoWithCache(home);
    assert.deepEqual(second.report, [`used ${file}`]);
    assert.equal(second.stdout, first.stdout);
  });

  for (const [name, damage] of [
    ['truncated', (file: string) => truncate(file, 100)],
    ['cut in the middle of its data', async (file: string) => truncate(file, (await stat(file)).size - 1000)],
    ['garbage', (file: string) => writeFile(file, Buffer.alloc(4096, 0x5a))],
    [
      'altered inside its data',
      async (file: string) => {
        const bytes = await readFile(file);
        const middle = bytes.length >> 1;
        bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
        await writeFile(file, bytes);
      },
    ],
    [
      'stale (made for another version of the bundle)',
      async (file: string) => {
        const bytes = await readFile(file);
        // The key follows the first line: another key is another veo, Node, bundle or set of V8 flags.
        const key = bytes.indexOf(0x0a) + 1;
        bytes[key] = bytes[key] === 0x30 ? 0x31 : 0x30;
        await writeFile(file, bytes);
      },
    ],
  ] as const) {
    it(`is ignored and replaced when it is ${name}`, async () => {
      const home = join(root, name.replace(/\W+/g, '-'));
      const first = await veoWithCache(home);
      const file = join(home, 'veo', 'code-cache.bin');
      await damage(file);
      const damaged = await veoWithCache(home);
      assert.equal(damaged.stdout, first.stdout);
      assert.match(damaged.report[0] ?? '', /^none used \((stale or damaged|not a cache file of ours)\)$/);
      assert.match(damaged.report.at(-1) ?? '', /^saved /);
      assert.deepEqual((await veoWithCache(home)).report, [`used ${file}`]);
    });
  }

  it('is not followed through a link in its place, neither read nor written through', async () => {
    const home = join(root, 'linked');
    await veoWithCache(join(root, 'source'));
    const real = join(root, 'source', 'veo', 'code-cache.bin');
    const before = await readFile(real);
    await mkdir(join(home, 'veo'), { recursive: true, mode: 0o700 });
    const file = join(home, 'veo', 'code-cache.bin');
    await symlink(real, file);
    const run = await veoWithCache(home);
    assert.match(run.report[0] ?? '', /^none used \(cannot open it \(ELOOP\)\)$/);
    assert.match(run.report.at(-1) ?? '', /^saved /);
    // The link was replaced by a file of veo's own; what it pointed to is untouched.
    assert.ok((await stat(file)).isFile());
    assert.deepEqual(await readFile(real), before);
    assert.deepEqual((await veoWithCache(home)).report, [`used ${file}`]);
  });

  it('is not used from, or written into, a cache folder that is a link', async () => {
    const home = join(root, 'folder-link');
    await veoWithCache(join(root, 'elsewhere'));
    await mkdir(home, { recursive: true });
    await symlink(join(root, 'elsewhere', 'veo'), join(home, 'veo'));
    const run = await veoWithCache(home);
    assert.match(run.report[0] ?? '', /^none used \(no cache folder of ours\)$/);
    assert.match(run.report.at(-1) ?? '', /^not saved \(.* is not a folder of ours\)$/);
  });

  it('cannot be written where the cache folder cannot be made, and the command runs all the same', async () => {
    const home = join(root, 'a-file');
    await writeFile(home, 'not a folder');
    const run = await veoWithCache(home);
    assert.match(run.report[0] ?? '', /^none used/);
    assert.match(run.report.at(-1) ?? '', /^not saved \(ENOTDIR/);
    assert.equal(run.stderr.replace(/^veo: code cache: .*\n/gm, ''), '');
  });

  it('cannot be written into a read-only cache folder, and the command runs all the same', async (t) => {
    if (process.getuid?.() === 0) return t.skip('root writes into a read-only folder all the same');
    const home = join(root, 'read-only');
    await mkdir(join(home, 'veo'), { recursive: true, mode: 0o700 });
    await chmod(join(home, 'veo'), 0o500);
    const run = await veoWithCache(home);
    assert.match(run.report.at(-1) ?? '', /^not saved \(EACCES/);
  });

  it('is neither read nor written with VEO_CODE_CACHE=off', async () => {
    const home = join(root, 'off');
    const run = await runVeo(ARGS, { env: { XDG_CACHE_HOME: home, VEO_CODE_CACHE: 'off' } });
    assert.equal(run.code, 0);
    await assert.rejects(stat(join(home, 'veo')), { code: 'ENOENT' });
  });

  it('is not kept, and the command runs all the same, when no home folder can be found', async (t) => {
    const setprivWorks =
      spawnSync('setpriv', ['--reuid=12345', '--regid=12345', '--clear-groups', 'true']).status === 0;
    if (!setprivWorks) return t.skip('setpriv (util-linux) cannot switch to a user without a passwd entry here');
    const work = join(root, 'homeless');
    await mkdir(join(work, 'config'), { recursive: true });
    await chmod(work, 0o777);
    await chmod(join(work, 'config'), 0o777);
    // Not HOME, not XDG_CACHE_HOME, and uid 12345 has no passwd entry: os.homedir() throws.
    const env = { PATH: process.env.PATH ?? '', VEO_CONFIG_DIR: join(work, 'config') };
    const asNobody = [
      '--reuid=12345',
      '--regid=12345',
      '--clear-groups',
      process.execPath,
      join(ROOT, 'bin', 'veo.js'),
    ];
    for (const mode of ['off', 'on', 'debug']) {
      const run = await finish('setpriv', [...asNobody, 'result', 'nothex'], { ...env, VEO_CODE_CACHE: mode }, work);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /"nothex" is not a task id/);
      assert.doesNotMatch(run.stderr, /cli\.cjs|veo\.cjs|TypeError|SystemError/);
    }
    const run = await finish('setpriv', [...asNobody, ...ARGS], { ...env, VEO_CODE_CACHE: 'debug' }, work);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(reportOf(run.stderr), ['none used (no home folder to keep it in)']);
    assert.deepEqual(await readdir(work), ['config']);
  });

  it('is never written into the current folder: an empty or relative HOME means no cache', async () => {
    for (const home of ['', 'relative-home']) {
      const work = await mkdtemp(join(root, 'cwd-'));
      const run = await runVeo(ARGS, {
        cwd: work,
        env: { HOME: home, XDG_CACHE_HOME: undefined, VEO_CODE_CACHE: 'debug', VEO_CONFIG_DIR: join(root, 'cfg') },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(reportOf(run.stderr), ['none used (no home folder to keep it in)']);
      assert.deepEqual(await readdir(work), []);
    }
  });

  it('ignores a relative XDG_CACHE_HOME and goes to HOME/.cache', async () => {
    const work = await mkdtemp(join(root, 'cwd-'));
    const home = join(root, 'xdg-relative-home');
    const env = {
      HOME: home,
      XDG_CACHE_HOME: 'relative-cache',
      VEO_CODE_CACHE: 'debug',
      VEO_CONFIG_DIR: join(root, 'cfg'),
    };
    const run = await runVeo(ARGS, { cwd: work, env });
    assert.equal(run.code, 0, run.stderr);
    const file = join(home, '.cache', 'veo', 'code-cache.bin');
    assert.equal(reportOf(run.stderr).at(-1), `saved ${file}`);
    assert.deepEqual(await readdir(work), []);
    assert.deepEqual(reportOf((await runVeo(ARGS, { cwd: work, env })).stderr), [`used ${file}`]);
  });

  it('does not hang on a FIFO in its place, and replaces it', { timeout: 60_000 }, async () => {
    const home = join(root, 'fifo');
    await mkdir(join(home, 'veo'), { recursive: true, mode: 0o700 });
    const file = join(home, 'veo', 'code-cache.bin');
    execFileSync('mkfifo', [file]);
    const run = await veoWithCache(home);
    assert.deepEqual(run.report, ['none used (not a cache file of ours)', `saved ${file}`]);
    assert.ok((await stat(file)).isFile());
  });

  it('is neither used from nor written into a cache folder others can write into', async () => {
    const home = join(root, 'shared');
    await veoWithCache(home);
    await chmod(join(home, 'veo'), 0o777);
    const run = await veoWithCache(home);
    assert.match(run.report[0] ?? '', /^none used \(no cache folder of ours\)$/);
    assert.match(run.report.at(-1) ?? '', /^not saved \(.* is not a folder of ours\)$/);
  });

  it('is rejected and rewritten when the bundle changes but keeps its length', async () => {
    // A copy of the built veo, to edit without touching the one the other tests run.
    const copy = join(root, 'copy');
    await mkdir(join(copy, 'dist'), { recursive: true });
    await cp(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    for (const name of ['cli.cjs', 'veo.cjs', 'veo.cjs.map', 'help.txt']) {
      await cp(join(ROOT, 'dist', name), join(copy, 'dist', name));
    }
    await cp(join(ROOT, 'package.json'), join(copy, 'package.json'));
    await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const cache = join(root, 'copy-cache');
    const env = { XDG_CACHE_HOME: cache, VEO_CODE_CACHE: 'debug' };
    const run = () =>
      finish(
        process.execPath,
        [join(copy, 'bin', 'veo.js'), 'result', 'nothex'],
        { ...process.env, ...env } as Record<string, string>,
        copy,
      );
    const first = await run();
    assert.match(first.stderr, /"nothex" is not a task id/);
    const file = join(cache, 'veo', 'code-cache.bin');
    assert.equal(reportOf(first.stderr).at(-1), `saved ${file}`);
    const bundle = join(copy, 'dist', 'veo.cjs');
    const original = await readFile(bundle, 'latin1');
    const edited = original.replace('is not a task id', 'is NOT a task id');
    assert.notEqual(edited, original);
    await writeFile(bundle, edited, 'latin1');
    const second = await run();
    assert.equal(second.code, 2);
    assert.match(second.stderr, /"nothex" is NOT a task id/);
    assert.deepEqual(reportOf(second.stderr), ['none used (stale or damaged)', `saved ${file}`]);
    assert.deepEqual(reportOf((await run()).stderr), [`used ${file}`]);
  });
});
