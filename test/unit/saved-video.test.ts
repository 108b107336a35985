import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stillSaved } from '../../src/store/saved-video.js';

describe('whether a saved video is still the one recorded', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'veo-saved-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const bytes = Buffer.from('the video that was paid for');
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  it('is when size and hash both match', async () => {
    const savedPath = join(dir, 'same.mp4');
    await writeFile(savedPath, bytes);
    assert.equal(await stillSaved({ savedPath, bytes: bytes.length, sha256 }), true);
  });

  it('is not when a file of the same size holds other bytes', async () => {
    const savedPath = join(dir, 'rewritten.mp4');
    await writeFile(savedPath, Buffer.alloc(bytes.length, 0x41));
    assert.equal(await stillSaved({ savedPath, bytes: bytes.length, sha256 }), false);
  });

  it('is not when the size differs, the file is gone, or nothing was recorded', async () => {
    const savedPath = join(dir, 'short.mp4');
    await writeFile(savedPath, bytes.subarray(1));
    assert.equal(await stillSaved({ savedPath, bytes: bytes.length, sha256 }), false);
    assert.equal(await stillSaved({ savedPath: join(dir, 'gone.mp4'), bytes: bytes.length, sha256 }), false);
    assert.equal(await stillSaved({ bytes: bytes.length, sha256 }), false);
  });

  it('judges an entry recorded without a hash by its size', async () => {
    const savedPath = join(dir, 'old-entry.mp4');
    await writeFile(savedPath, Buffer.alloc(bytes.length, 0x41));
    assert.equal(await stillSaved({ savedPath, bytes: bytes.length }), true);
  });
});
