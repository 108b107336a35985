import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWorld, type World } from '../helpers/cli.js';

const posix = process.platform !== 'win32';

describe('a damaged, unreadable or loosely protected config', () => {
  let world: World;
  let file: string;
  before(async () => {
    world = await startWorld();
    file = join(world.configDir, 'config.json');
  });
  after(() => world.close());

  it('an unreadable config file stops every command with exit 2, named, and is never replaced', async () => {
    // A folder where the file should be fails to read for root too (chmod 000 would not).
    await mkdir(file);
    await writeFile(join(file, 'keep'), 'x');
    for (const args of [['create', 'x'], ['config', 'set', 'output-dir', '/tmp'], ['list']]) {
      const run = await world.veo([...args, '--json']);
      assert.equal(run.code, 2, run.stderr);
      const { error } = JSON.parse(run.stderr);
      assert.equal(error.code, 'CONFIG_UNREADABLE');
      assert.ok(error.message.includes(file), error.message);
    }
    assert.equal(await readFile(join(file, 'keep'), 'utf8'), 'x');
    assert.equal(world.sim.requests.length, 0);
    await rm(file, { recursive: true });
  });

  it('a config folder and file open to other users are tightened, with a warning', { skip: !posix }, async () => {
    await writeFile(file, '{"output-dir": "/tmp/videos"}');
    await chmod(world.configDir, 0o755);
    await chmod(file, 0o644);
    const run = await world.veo(['config', 'get', 'output-dir']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '/tmp/videos\n');
    assert.match(run.stderr, /warning: .*accessible to other users; its permissions were tightened to 0700/);
    assert.match(run.stderr, /config\.json was accessible to other users; its permissions were tightened to 0600/);
    assert.equal((await stat(world.configDir)).mode & 0o777, 0o700);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const again = await world.veo(['config', 'get', 'output-dir']);
    assert.equal(again.stderr, '', 'warned once: the fix stays');
  });
});
