import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { modelsCachePath, readModelsCache, writeModelsCache } from '../../src/store/models-cache.js';

describe('the model cache', () => {
  let dir: string;
  before(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'veo-cache-')), 'config');
  });
  after(() => rm(join(dir, '..'), { recursive: true, force: true }));

  const cache = {
    version: 1 as const,
    origin: 'https://gptunnel.ru',
    fetchedAt: 1_700_000_000_000,
    models: [
      { id: 'glabs-veo-3-1-fast', price: 49 },
      { id: 'free-thing', price: null },
    ],
  };

  it('is written privately and atomically, creating the folder, and read back', async () => {
    await writeModelsCache(dir, cache);
    if (process.platform !== 'win32') {
      assert.equal((await stat(modelsCachePath(dir))).mode & 0o777, 0o600);
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
    }
    assert.deepEqual(await readdir(dir), ['models-cache.json'], 'no temp file left behind');
    assert.deepEqual(await readModelsCache(dir, 'https://gptunnel.ru'), cache);
  });

  it('reads as missing for another origin, and when damaged or of another shape', async () => {
    assert.equal(await readModelsCache(dir, 'http://127.0.0.1:8787'), undefined);
    for (const text of [
      '{"version":1,',
      '[]',
      '{"version":2,"origin":"https://gptunnel.ru","fetchedAt":1,"models":[]}',
    ]) {
      await writeFile(modelsCachePath(dir), text);
      assert.equal(await readModelsCache(dir, 'https://gptunnel.ru'), undefined, text);
    }
    assert.equal(await readModelsCache(join(dir, 'nowhere'), 'https://gptunnel.ru'), undefined);
  });
});
