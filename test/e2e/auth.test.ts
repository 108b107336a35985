import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { closedPort, KEY, useWorld } from '../helpers/cli.js';

/** The simulator refuses this one key; it accepts any other. */
const WRONG = 'shds-wrong-key';
const WRONG_MASKED = 'shds-…-key';

describe('auth: a key is checked before it is stored, and a refused key is named', () => {
  const world = useWorld();
  let configDir: string;
  beforeEach(async () => {
    configDir = await mkdtemp(join(world.workDir, 'config-'));
  });
  /** No key from the environment: the one under test comes from stdin, the flag or the store. */
  const veo = (args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
    world.veo(args, { env: { VEO_CONFIG_DIR: configDir, GPTUNNEL_API_KEY: undefined, ...env }, input });
  const stored = async () => {
    const file = join(configDir, 'config.json');
    return existsSync(file)
      ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>)['api-key']
      : undefined;
  };
  const routes = () => world.sim.requests.map((r) => r.route);

  it('login stores a key the API accepts, checked with one balance request', async () => {
    const run = await veo(['auth', 'login', '--with-token'], {}, `${KEY}\n`);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Stored key shds-…cdef in .*; the API accepted it\./);
    assert.equal(await stored(), KEY);
    assert.deepEqual(routes(), ['balance']);
    assert.equal(world.sim.requests[0]?.headers.authorization, KEY);
    const json = await veo(['auth', 'login', '--with-token', '--json'], {}, KEY);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { stored: true, key: 'shds-…cdef', configDir, verified: true });
  });

  it('login refuses a key the API refuses: exit 3, nothing stored, the key stored before kept', async () => {
    const first = await veo(['auth', 'login', '--with-token'], {}, WRONG);
    assert.equal(first.code, 3, first.stderr);
    assert.match(first.stderr, /The API refused the key shds-…-key: it was not stored/);
    assert.equal(first.stdout, '');
    assert.equal(await stored(), undefined);
    assert.ok(!first.stderr.includes(WRONG));
    assert.equal((await veo(['auth', 'login', '--with-token'], {}, KEY)).code, 0);
    const json = await veo(['auth', 'login', '--with-token', '--json'], {}, WRONG);
    assert.equal(json.code, 3);
    assert.equal(json.stdout, '');
    const { error } = JSON.parse(json.stderr);
    assert.equal(error.code, 'KEY_REJECTED');
    assert.equal(error.exitCode, 3);
    assert.equal(await stored(), KEY, 'the working key is still there');
  });

  it('login stores nothing when the key cannot be checked, unless --no-verify; then nothing is asked', async () => {
    const offline = { GPTUNNEL_BASE_URL: `http://127.0.0.1:${await closedPort()}`, VEO_RETRY_ATTEMPTS: '1' };
    const run = await veo(['auth', 'login', '--with-token'], offline, KEY);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /Could not check the key shds-…cdef, so it was not stored: .*connection refused/);
    assert.match(run.stderr, /--no-verify/);
    assert.equal(await stored(), undefined);
    const unchecked = await veo(['auth', 'login', '--with-token', '--no-verify'], {}, KEY);
    assert.equal(unchecked.code, 0, unchecked.stderr);
    assert.match(unchecked.stderr, /not checked \(--no-verify\)/);
    assert.equal(await stored(), KEY);
    assert.deepEqual(routes(), [], 'nothing reached the API');
  });

  it('status says where the key comes from and whether it works, with --json, exit 3 when refused', async () => {
    await veo(['auth', 'login', '--with-token', '--no-verify'], {}, KEY);
    const fromStore = await veo(['auth', 'status']);
    assert.equal(fromStore.code, 0, fromStore.stderr);
    assert.match(fromStore.stdout, /^key +shds-…cdef \(from the config store\)$/m);
    assert.match(fromStore.stdout, /^works +yes, the API accepted it$/m);
    const json = await veo(['auth', 'status', '--json'], { GPTUNNEL_API_KEY: 'shds-other-key-999999' });
    assert.equal(json.code, 0, json.stderr);
    const status = JSON.parse(json.stdout);
    assert.equal(status.source, 'env');
    assert.equal(status.from, 'GPTUNNEL_API_KEY');
    assert.equal(status.checked, true);
    assert.equal(status.works, true);

    const refused = await veo(['auth', 'status'], { GPTUNNEL_API_KEY: WRONG });
    assert.equal(refused.code, 3);
    assert.match(refused.stdout, /^key +shds-…-key \(from GPTUNNEL_API_KEY\)$/m);
    assert.match(refused.stdout, /^works +no, the API refused it$/m);
    assert.match(refused.stderr, /GPTUNNEL_API_KEY overrides the stored key/);
    const refusedJson = await veo(['auth', 'status', '--json', '--api-key', WRONG]);
    assert.equal(refusedJson.code, 3);
    assert.equal(JSON.parse(refusedJson.stdout).works, false);
    assert.equal(JSON.parse(refusedJson.stderr).error.code, 'KEY_REJECTED');
    for (const text of [refused.stdout, refused.stderr, refusedJson.stdout, refusedJson.stderr]) {
      assert.ok(!text.includes(WRONG), text);
    }

    world.sim.requests.length = 0;
    const quick = await veo(['auth', 'status', '--no-verify']);
    assert.equal(quick.code, 0, quick.stderr);
    assert.match(quick.stdout, /^works +not checked \(--no-verify\)$/m);
    assert.deepEqual(routes(), []);
    const offline = { GPTUNNEL_BASE_URL: `http://127.0.0.1:${await closedPort()}`, VEO_RETRY_ATTEMPTS: '1' };
    const unknown = await veo(['auth', 'status', '--json'], offline);
    assert.equal(unknown.code, 7);
    assert.equal(JSON.parse(unknown.stdout).works, null);
    assert.match(JSON.parse(unknown.stderr).error.message, /Could not check the key/);
  });

  it('every refused key says which key was used and where it was set, masked', async () => {
    await veo(['auth', 'login', '--with-token', '--no-verify'], {}, WRONG);
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [['balance'], {}, /from the config store/],
      [['create', 'a cat'], { GPTUNNEL_API_KEY: WRONG }, /from GPTUNNEL_API_KEY/],
      [['result', '684e5b2214bed9a815408cb3', '--api-key', WRONG], {}, /from --api-key/],
      [['models', '--json'], {}, /from the config store/],
    ];
    for (const [args, env, where] of cases) {
      const run = await veo(args, env);
      assert.equal(run.code, 3, `${args.join(' ')}: ${run.stderr}`);
      const message = args.includes('--json') ? JSON.parse(run.stderr).error.message : run.stderr;
      assert.ok(message.includes(`Key used: ${WRONG_MASKED}`), message);
      assert.match(message, where);
      assert.ok(!run.stderr.includes(WRONG), run.stderr);
    }
    // A batch whose items all met the refused key: the key is named, and the hint still says how to resume.
    const file = join(world.workDir, 'refused.txt');
    await writeFile(file, 'a fox\n');
    const batch = await veo(['batch', file, '--dir', join(world.workDir, 'refused')], { GPTUNNEL_API_KEY: WRONG });
    assert.equal(batch.code, 3, batch.stderr);
    assert.match(batch.stderr, /error: .*Key used: shds-…-key \(from GPTUNNEL_API_KEY\)/);
    assert.match(batch.stderr, /hint: GPTUNNEL_API_KEY overrides the stored key.*run veo batch /);
  });
});
