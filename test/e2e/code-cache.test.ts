import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, truncate, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runVeo } from '../helpers/cli.js';

// `veo models --help`-free commands would need the simulator; `veo config path` loads the bundle and needs nothing.
const ARGS = ['config', 'path'];

/** A run of veo that reports what it did with the code cache kept under `cacheHome`. */
async function veoWithCache(cacheHome: string) {
  const run = await runVeo(ARGS, { env: { XDG_CACHE_HOME: cacheHome, VEO_CODE_CACHE: 'debug' } });
  assert.equal(run.code, 0, run.stderr);
  const report = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('veo: code cache: '))
    .map((line) => line.slice('veo: code cache: '.length));
  return { ...run, report };
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
});
