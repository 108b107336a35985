import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { identityOf, PartFile } from '../../src/api/download-part.js';
import { FileExistsError, UsageError } from '../../src/core/errors.js';

const VIDEO = new URL('http://127.0.0.1:9/predication/aaaaaaaaaaaaaaaaaaaaaaaa_result.mp4?sig=1');
const OTHER = new URL('http://127.0.0.1:9/predication/bbbbbbbbbbbbbbbbbbbbbbbb_result.mp4');

describe('the part file', () => {
  let dir: string;
  let n = 0;
  const target = () => join(dir, `clip-${++n}.mp4`);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'veo-part-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function written(part: PartFile, bytes: string): Promise<void> {
    await part.describe({ etag: '"e1"', lastModified: 'Sun, 29 Nov 2026 10:00:00 GMT' }, 100);
    const handle = await part.openAt(0);
    await handle.write(bytes);
    await handle.close();
  }

  it('resumes a part of the same video (even under a fresh signed query), with its validators', async () => {
    const path = target();
    await written(new PartFile(path, identityOf(VIDEO, 'aaaaaaaaaaaaaaaaaaaaaaaa')), 'head');
    const again = new PartFile(
      path,
      identityOf(new URL(`${VIDEO.origin}${VIDEO.pathname}?sig=2`), 'aaaaaaaaaaaaaaaaaaaaaaaa'),
    );
    assert.deepEqual(await again.resumable(), {
      offset: 4,
      validators: { etag: '"e1"', lastModified: 'Sun, 29 Nov 2026 10:00:00 GMT' },
      total: 100,
      discarded: false,
    });
  });

  it("discards another video's part, and a part nobody described", async () => {
    const path = target();
    await written(new PartFile(path, identityOf(VIDEO, 'aaaaaaaaaaaaaaaaaaaaaaaa')), "A's head");
    const other = new PartFile(path, identityOf(OTHER, 'bbbbbbbbbbbbbbbbbbbbbbbb'));
    assert.deepEqual(await other.resumable(), { offset: 0, discarded: true });
    await assert.rejects(lstat(`${path}.part`), { code: 'ENOENT' });
    await assert.rejects(lstat(`${path}.part.json`), { code: 'ENOENT' });

    const bare = target();
    await writeFile(`${bare}.part`, 'left by something else');
    assert.deepEqual(await new PartFile(bare, identityOf(VIDEO)).resumable(), { offset: 0, discarded: true });
  });

  it('never writes through a link planted as the part or its sidecar', async () => {
    const path = target();
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious');
    await symlink(victim, `${path}.part`);
    await symlink(victim, `${path}.part.json`);
    const part = new PartFile(path, identityOf(VIDEO));
    assert.equal((await part.resumable()).offset, 0, 'a link is no part');
    await symlink(victim, `${path}.part`);
    await assert.rejects(part.openAt(8), (error: unknown) => error instanceof UsageError);
    await part.describe({}, undefined);
    const handle = await part.openAt(0);
    await handle.write('video');
    await handle.close();
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    assert.ok((await lstat(`${path}.part`)).isFile());
  });

  it('appends only to a part of exactly the size it was judged to have', async () => {
    const path = target();
    const part = new PartFile(path, identityOf(VIDEO));
    await written(part, '12345');
    await assert.rejects(part.openAt(3), { code: 'PART_CHANGED' });
    const handle = await part.openAt(5);
    await handle.write('678');
    await handle.close();
    const hash = createHash('sha256');
    await part.hashInto(hash);
    assert.equal(hash.digest('hex'), createHash('sha256').update('12345678').digest('hex'));
  });

  it('moves into place: never over a file that appeared, with --force only over a regular file', async () => {
    const path = target();
    const part = new PartFile(path, identityOf(VIDEO));
    await written(part, 'video');
    await writeFile(path, 'appeared meanwhile');
    await assert.rejects(part.moveIntoPlace(false), FileExistsError);
    assert.equal(await readFile(path, 'utf8'), 'appeared meanwhile');
    await part.moveIntoPlace(true);
    assert.equal(await readFile(path, 'utf8'), 'video');
    await assert.rejects(lstat(`${path}.part.json`), { code: 'ENOENT' }, 'the sidecar goes with the part');

    const fifo = target();
    execFileSync('mkfifo', [fifo]);
    const toFifo = new PartFile(fifo, identityOf(VIDEO));
    await written(toFifo, 'video');
    await assert.rejects(toFifo.moveIntoPlace(true), { code: 'NOT_A_REGULAR_FILE' });
    assert.ok((await lstat(fifo)).isFIFO());

    const link = target();
    await symlink('elsewhere', link);
    const toLink = new PartFile(link, identityOf(VIDEO));
    await written(toLink, 'video');
    await assert.rejects(toLink.moveIntoPlace(true), { code: 'NOT_A_REGULAR_FILE' });
    assert.equal(await readlink(link), 'elsewhere');
  });
});
