import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWorld, type World } from '../helpers/cli.js';

describe('an unreadable config', () => {
  let world: World;
  let file: string;
  before(async () => {
    world = await startWorld();
    file = join(world.configDir, 'config.json');
  });
  after(() => world.close());

  it('an unreadable config file is named and never replaced; flags and the environment still work', async () => {
    // A folder where the file should be fails to read for root too (chmod 000 would not).
    await mkdir(file);
    await writeFile(join(file, 'keep'), 'x');
    for (const [args, env] of [
      [['create', 'x'], { GPTUNNEL_API_KEY: undefined }],
      [['config', 'set', 'output-dir', '/tmp'], {}],
    ] as const) {
      const run = await world.veo([...args, '--json'], { env });
      assert.equal(run.code, 2, run.stderr);
      // Every stderr line a JSON document: a warning that the file is ignored may come before the error.
      const documents = run.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { error?: { code: string; message: string } });
      const { error } = documents.at(-1) ?? {};
      assert.ok(error, run.stderr);
      assert.equal(error.code, 'CONFIG_UNREADABLE');
      assert.ok(error.message.includes(file), error.message);
    }
    assert.equal(world.sim.requests.length, 0);
    const list = await world.veo(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, /warning: Cannot read the config file .*Its settings are ignored/);
    const created = await world.veo(['create', 'x', '--json']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(await readFile(join(file, 'keep'), 'utf8'), 'x');
    await rm(file, { recursive: true });
  });
});
