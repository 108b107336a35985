import assert from 'node:assert/strict';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { jsonErrorOf, KEY, useWorld } from '../helpers/cli.js';

const posix = process.platform !== 'win32';
const root = process.getuid?.() === 0;
/** Another user's uid: `nobody` on Debian. */
const OTHER_UID = 65534;
const needsChown = !posix ? 'ownership is a Unix notion' : !root && 'needs root to give a file to another user';

/** A loopback server standing for the host a planted base-url points to: it must never be reached. */
async function planted() {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.end('{"balance": 1}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { seen, url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the config store: only what the user owns and nobody else can write is trusted', () => {
  const world = useWorld();
  let dir: string;
  let file: string;
  let thief: Awaited<ReturnType<typeof planted>>;
  before(async () => {
    thief = await planted();
  });
  after(() => thief.close());
  beforeEach(async () => {
    // A fresh config folder for each test, made the way veo makes it.
    dir = await mkdtemp(join(tmpdir(), 'veo-trust-'));
    file = join(dir, 'config.json');
    thief.seen.length = 0;
  });

  /** veo with this test's config folder; `env` replaces the world's (undefined removes a variable). */
  const veo = (args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
    world.veo(args, { env: { VEO_CONFIG_DIR: dir, ...env }, input });
  const errorOf = jsonErrorOf;

  it(
    'a config.json another user owns is not used: exit 2 when it would choose the origin or the key',
    { skip: needsChown },
    async () => {
      await writeFile(file, JSON.stringify({ 'base-url': thief.url, 'api-key': 'shds-planted-key-000000' }));
      await chown(file, OTHER_UID, OTHER_UID);
      const stolen = await veo(['balance', '--json'], { GPTUNNEL_BASE_URL: undefined });
      assert.equal(stolen.code, 2, stolen.stderr);
      const error = errorOf(stolen.stderr);
      assert.equal(error.code, 'CONFIG_UNSAFE');
      assert.ok(error.message.includes(file) && /another user \(uid 65534/.test(error.message), error.message);
      assert.deepEqual(thief.seen, [], 'the planted origin got nothing');

      const keyless = await veo(['result', '684e5b2214bed9a815408cb3'], { GPTUNNEL_API_KEY: undefined });
      assert.equal(keyless.code, 2, keyless.stderr);
      assert.match(keyless.stderr, /hint: Remove it/);

      // Flags and the environment still work: the file is left out, with a warning naming it.
      const flags = await veo(['balance']);
      assert.equal(flags.code, 0, flags.stderr);
      assert.match(flags.stderr, /warning: The config file .*config\.json is not used: .*Its settings are ignored/);
      assert.deepEqual(thief.seen, []);

      const write = await veo(['config', 'set', 'output-dir', '/tmp', '--json']);
      assert.equal(write.code, 2, write.stderr);
      const info = await stat(file);
      assert.equal(info.uid, OTHER_UID, 'never taken over');
      assert.match(await readFile(file, 'utf8'), /planted/);
    },
  );

  it(
    'a config.json its group or everyone can write is not used, and its mode is left alone',
    { skip: !posix },
    async () => {
      await writeFile(file, JSON.stringify({ 'base-url': thief.url }));
      for (const mode of [0o664, 0o646]) {
        await chmod(file, mode);
        const run = await veo(['balance', '--json'], { GPTUNNEL_BASE_URL: undefined });
        assert.equal(run.code, 2, run.stderr);
        assert.equal(errorOf(run.stderr).code, 'CONFIG_UNSAFE');
        assert.match(errorOf(run.stderr).message, /can write to it/);
        assert.equal((await stat(file)).mode & 0o777, mode, 'permissions are never changed');
      }
      const human = await veo(['balance'], { GPTUNNEL_BASE_URL: undefined });
      assert.match(human.stderr, new RegExp(`hint: Check what it says, then run \`chmod 600 ${file}\``));
      assert.deepEqual(thief.seen, []);
    },
  );

  it(
    'a config folder another user owns is refused before anything is read or written',
    { skip: needsChown },
    async () => {
      await chown(dir, OTHER_UID, OTHER_UID);
      for (const args of [['balance'], ['list'], ['create', 'x']]) {
        const run = await veo([...args, '--json']);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
        const error = errorOf(run.stderr);
        assert.equal(error.code, 'CONFIG_DIR_UNSAFE');
        assert.ok(error.message.includes(dir), error.message);
      }
      assert.deepEqual(await readdir(dir), [], 'no journal, no cache');
      assert.equal((await stat(dir)).uid, OTHER_UID);
      assert.equal(world.sim.requests.length, 0, 'nothing sent, nothing paid');
    },
  );

  it('a sticky world-writable VEO_CONFIG_DIR (like /tmp) is refused and never chmodded', { skip: !posix }, async () => {
    await chmod(dir, 0o1777);
    for (const [args, input] of [
      [['create', 'x'], undefined],
      [['list'], undefined],
      [['auth', 'login', '--with-token'], KEY],
      [['config', 'set', 'output-dir', '/tmp'], undefined],
    ] as const) {
      const run = await veo([...args], {}, input);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /Refusing the config folder .*every user can write to it \(mode 01777\)/);
      // The folder is the user's own: the hint is the chmod that fixes it, naming the folder.
      assert.ok(run.stderr.includes(`hint: Run \`chmod 700 ${dir}\``), run.stderr);
    }
    assert.equal((await stat(dir)).mode & 0o7777, 0o1777);
    assert.deepEqual(await readdir(dir), []);
    assert.equal(world.sim.requests.length, 0);
  });

  it(
    'a group-writable config folder of the user is refused with the chmod that fixes it',
    { skip: !posix },
    async () => {
      await chmod(dir, 0o770);
      const run = await veo(['list']);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /its group can write to it \(mode 0770\)/);
      assert.ok(run.stderr.includes(`hint: Run \`chmod 700 ${dir}\``), run.stderr);
      assert.equal((await stat(dir)).mode & 0o777, 0o770);
    },
  );

  it(
    'a symlinked config.json is never followed: not read, not written through, its target untouched',
    { skip: !posix },
    async () => {
      const elsewhere = await mkdtemp(join(tmpdir(), 'veo-target-'));
      try {
        const target = join(elsewhere, 'their-config.json');
        await writeFile(target, JSON.stringify({ 'base-url': thief.url }));
        await chmod(target, 0o644);
        await symlink(target, file);
        const read = await veo(['balance', '--json'], { GPTUNNEL_BASE_URL: undefined });
        assert.equal(read.code, 2, read.stderr);
        assert.equal(errorOf(read.stderr).code, 'CONFIG_SYMLINK');
        assert.ok(errorOf(read.stderr).message.includes(file));
        const login = await veo(['auth', 'login', '--with-token', '--json'], {}, KEY);
        assert.equal(login.code, 2, login.stderr);
        assert.equal(errorOf(login.stderr).code, 'CONFIG_SYMLINK');
        const flags = await veo(['balance']);
        assert.equal(flags.code, 0, 'the environment still works');
        assert.equal(await readFile(target, 'utf8'), JSON.stringify({ 'base-url': thief.url }));
        assert.equal((await stat(target)).mode & 0o777, 0o644, 'the target was not chmodded');
        assert.ok((await lstat(file)).isSymbolicLink());
        assert.deepEqual(thief.seen, []);
      } finally {
        await rm(elsewhere, { recursive: true, force: true });
      }
    },
  );

  it('a damaged config.json no longer blocks the environment; without a key it is the error', async () => {
    await writeFile(file, '{"api-key": "shds-');
    const env = await veo(['balance'], { GPTUNNEL_BASE_URL: world.sim.baseUrl });
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stderr, /warning: The config file .* is damaged .*Its settings are ignored/);
    const keyless = await veo(['balance', '--json'], { GPTUNNEL_API_KEY: undefined });
    assert.equal(keyless.code, 2, keyless.stderr);
    assert.equal(errorOf(keyless.stderr).code, 'CONFIG_DAMAGED');
    const set = await veo(['config', 'set', 'output-dir', '/tmp']);
    assert.equal(set.code, 2, 'a damaged file is never replaced');
    assert.equal(await readFile(file, 'utf8'), '{"api-key": "shds-');
  });

  it(
    'a folder and file of the user that others can read: used, with the chmod to run, never chmodded',
    { skip: !posix },
    async () => {
      await writeFile(file, '{"output-dir": "/tmp/videos"}');
      await chmod(dir, 0o755);
      await chmod(file, 0o644);
      const run = await veo(['config', 'get', 'output-dir']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, '/tmp/videos\n');
      assert.ok(run.stderr.includes(`can be read by other users (mode 0755); run \`chmod 700 ${dir}\``), run.stderr);
      assert.ok(run.stderr.includes(`run \`chmod 600 ${file}\``), run.stderr);
      assert.equal((await stat(dir)).mode & 0o777, 0o755);
      assert.equal((await stat(file)).mode & 0o777, 0o644);
    },
  );

  it('folders and files veo creates itself are private from the start', { skip: !posix }, async () => {
    const fresh = join(dir, 'nested', 'veo');
    const run = await world.veo(['auth', 'login', '--with-token'], { env: { VEO_CONFIG_DIR: fresh }, input: KEY });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await stat(fresh)).mode & 0o777, 0o700);
    assert.equal((await stat(join(fresh, 'config.json'))).mode & 0o777, 0o600);
    await mkdir(join(dir, 'unused'));
  });
});
