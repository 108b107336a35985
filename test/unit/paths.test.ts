import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeFolder } from '../../src/api/local-files.js';
import { probeWritable } from '../../src/task/output-target.js';

describe('output folders', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'veo-paths-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('the write check never touches a file it did not create, a planted link least of all', async () => {
    const folder = join(dir, 'shared');
    await mkdir(folder);
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious');
    const probeName = `.veo-write-check-${process.pid}`;
    await symlink(victim, join(folder, probeName));
    await probeWritable(folder);
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    assert.equal(await readlink(join(folder, probeName)), victim);
    assert.deepEqual(await readdir(folder), [probeName], 'its own probe is gone, the planted one stays');

    await rm(join(folder, probeName));
    await writeFile(join(folder, probeName), 'not ours');
    await probeWritable(folder);
    assert.equal(await readFile(join(folder, probeName), 'utf8'), 'not ours');
  });

  it('makes missing folders one by one, and fails at once where a parent refuses children (/proc)', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    await makeFolder(deep);
    assert.ok((await lstat(deep)).isDirectory());
    await makeFolder(deep);
    await assert.rejects(makeFolder('/proc/veo-never/clip'), (error: NodeJS.ErrnoException) => {
      assert.ok(['ENOENT', 'EACCES', 'EPERM', 'EROFS'].includes(error.code ?? ''), error.code);
      return true;
    });
    await writeFile(join(dir, 'a-file'), '');
    await assert.rejects(makeFolder(join(dir, 'a-file', 'sub')), { code: 'ENOTDIR' });
    await assert.rejects(probeWritable(join(dir, 'a-file', 'sub')), /a part of that path is a file, not a folder/);
  });
});
