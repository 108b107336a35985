import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useWorld } from '../helpers/cli.js';

describe('values from the environment and the config store', () => {
  const world = useWorld();

  // Every variable veo reads, with values it cannot use: each is refused with exit 2, naming the variable and
  // what it takes, before anything is sent.
  const refused: [string, string, RegExp][] = [
    ['VEO_RETRY_ATTEMPTS', 'abc', /a whole number from 1 to 100/],
    ['VEO_RETRY_ATTEMPTS', '0', /a whole number from 1 to 100/],
    ['VEO_RETRY_ATTEMPTS', '2.5', /a whole number from 1 to 100/],
    ['VEO_RETRY_ATTEMPTS', '1000', /a whole number from 1 to 100/],
    ['VEO_REQUEST_TIMEOUT', 'abc', /seconds above 0/],
    ['VEO_REQUEST_TIMEOUT', '0', /seconds above 0/],
    ['VEO_REQUEST_TIMEOUT', '-5', /seconds above 0/],
    ['VEO_REQUEST_TIMEOUT', '30s', /seconds above 0/],
    ['VEO_RETRY_BASE_MS', 'soon', /a whole number of milliseconds, 0 or more, in digits only/],
    ['VEO_RETRY_BASE_MS', '-1', /a whole number of milliseconds, 0 or more, in digits only/],
    ['VEO_RETRY_BASE_MS', '1e9', /a whole number of milliseconds, 0 or more, in digits only \(such as 1000\)/],
    ['VEO_MIN_INTERVAL_MS', 'fast', /a whole number of milliseconds, 0 or more, in digits only/],
    ['VEO_MAX_VIDEO_BYTES', '4GiB', /a whole number of bytes/],
    ['VEO_MAX_VIDEO_BYTES', '0', /a whole number of bytes/],
    ['VEO_MAX_VIDEO_BYTES', '1.5', /a whole number of bytes/],
    ['GPTUNNEL_BASE_URL', 'ftp://gptunnel.ru', /must use https/],
    ['GPTUNNEL_BASE_URL', 'not a url', /not a valid URL/],
    ['GPTUNNEL_API_KEY', 'shds-two words', /cannot travel in an HTTP header/],
  ];
  it('config get of a setting that is not set says so and what is in effect: exit 0, in --json too', async () => {
    const env = { VEO_CONFIG_DIR: await mkdtemp(join(tmpdir(), 'veo-unset-')) };
    const plain = await world.veo(['config', 'get', 'output-dir'], { env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, '');
    assert.match(
      plain.stderr,
      new RegExp(`output-dir is not set; the default is in effect: the current folder \\(${world.workDir}\\)`),
    );
    const json = await world.veo(['config', 'get', 'output-dir', '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { 'output-dir': null, default: world.workDir });
    const url = await world.veo(['config', 'get', 'base-url', '--json'], { env });
    assert.deepEqual(JSON.parse(url.stdout), { 'base-url': null, default: 'https://gptunnel.ru' });
  });

  for (const [name, value, accepted] of refused) {
    it(`${name}=${JSON.stringify(value)} is refused with exit 2, naming the variable`, async () => {
      const run = await world.veo(['balance'], { env: { [name]: value } });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(name));
      assert.match(run.stderr, accepted);
      assert.equal(run.stdout, '');
      assert.equal(world.sim.requests.length, 0, 'nothing sent');
    });
  }

  it('VEO_CONFIG_DIR naming a file is refused with exit 2, naming it', async () => {
    const file = join(world.workDir, 'not-a-folder');
    await writeFile(file, '');
    const run = await world.veo(['balance'], { env: { VEO_CONFIG_DIR: file } });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`${file} is not a folder`));
  });

  it('usable values, and empty ones (unset), are taken', async () => {
    for (const env of [
      { VEO_RETRY_ATTEMPTS: '3', VEO_REQUEST_TIMEOUT: '0.5', VEO_RETRY_BASE_MS: '0', VEO_MAX_VIDEO_BYTES: '1000000' },
      { VEO_RETRY_ATTEMPTS: '', VEO_REQUEST_TIMEOUT: ' ', VEO_MIN_INTERVAL_MS: '' },
    ]) {
      const run = await world.veo(['balance'], { env });
      assert.equal(run.code, 0, run.stderr);
    }
  });

  it('VEO_RETRY_ATTEMPTS is obeyed: 2 means two requests for a failing read', async () => {
    world.sim.inject('balance', { kind: 'http', status: 500 }, Infinity);
    const run = await world.veo(['balance'], { env: { VEO_RETRY_ATTEMPTS: '2', VEO_RETRY_BASE_MS: '1' } });
    assert.equal(run.code, 7, run.stderr);
    assert.equal(world.sim.requests.filter((r) => r.route === 'balance').length, 2);
  });

  it('config set output-dir stores an absolute folder, resolved where it was set, and says so', async () => {
    const here = await mkdtemp(join(world.workDir, 'here-'));
    const set = await world.veo(['config', 'set', 'output-dir', 'relative-od'], { cwd: here });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, '');
    assert.equal(set.stderr, `output-dir set to ${join(here, 'relative-od')} (from "relative-od").\n`);
    const stored = JSON.parse(await readFile(join(world.configDir, 'config.json'), 'utf8'));
    assert.equal(stored['output-dir'], join(here, 'relative-od'));
    // Read from elsewhere, it is the same folder.
    const get = await world.veo(['config', 'get', 'output-dir'], { cwd: tmpdir() });
    assert.equal(get.stdout, `${join(here, 'relative-od')}\n`);
    const json = await world.veo(['config', 'set', 'output-dir', '.', '--json'], { cwd: here });
    assert.deepEqual(JSON.parse(json.stdout), { 'output-dir': here });
    const absolute = await world.veo(['config', 'set', 'output-dir', '/tmp/videos']);
    assert.equal(absolute.stderr, 'output-dir set to /tmp/videos.\n');
  });

  it('config unset says whether the setting was there; unsetting one that was not is not an error', async () => {
    await world.veo(['config', 'set', 'output-dir', '/tmp/videos']);
    const first = await world.veo(['config', 'unset', 'output-dir']);
    assert.deepEqual([first.code, first.stdout, first.stderr], [0, '', 'output-dir removed.\n']);
    const again = await world.veo(['config', 'unset', 'output-dir']);
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', 'output-dir was not set; nothing changed.\n']);
    const json = await world.veo(['config', 'unset', 'output-dir', '--json']);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout), { 'output-dir': null, wasSet: false });
    const quiet = await world.veo(['config', 'unset', 'output-dir', '--quiet']);
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
  });
});
