import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { MODELS } from '../../src/sim/models.js';
import { useWorld } from '../helpers/cli.js';

const VEO_IDS = ['glabs-veo-3', 'glabs-veo-3-1', 'glabs-veo-3-1-fast', 'glabs-veo-3-1-lite', 'glabs-veo-3-fast'];

describe('veo models, veo balance and what a clip costs', () => {
  const world = useWorld({ taskMs: 100 });
  beforeEach(() => {
    world.sim.configure({ balance: 1_000_000, creditLimit: 0 });
  });

  const routes = () => world.sim.requests.map((r) => r.route);
  /** A config folder of its own, for tests about what is (not) in the model cache. */
  const freshConfig = async () => ({ VEO_CONFIG_DIR: await mkdtemp(join(world.workDir, 'config-')) });
  const writeCache = async (dir: string, fetchedAt: number, models: { id: string; price: number | null }[]) =>
    writeFile(
      join(dir, 'models-cache.json'),
      JSON.stringify({ version: 1, origin: world.sim.baseUrl, fetchedAt, models }),
    );

  it('lists the Veo family with prices per clip, and every model with --all', async () => {
    const run = await world.veo(['models']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.deepEqual(
      lines.map((line) => line.split(/\s+/)[0]),
      VEO_IDS,
    );
    assert.match(run.stdout, /^glabs-veo-3-1-fast\s+49 RUB\s+yes \(default\)$/m);
    assert.match(run.stdout, /^glabs-veo-3-1-lite\s+30 RUB\s+yes$/m);
    assert.match(run.stdout, /^glabs-veo-3\s+480 RUB\s+yes$/m);
    assert.doesNotMatch(run.stdout, /gpt-image-1/);
    const all = await world.veo(['models', '--all']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout.trim().split('\n').length, MODELS.length);
    // What a model makes is not in the list: only the Veo family is known to make video, by its ids.
    assert.match(all.stdout, /^gpt-image-1\s+18 RUB\s+unknown$/m);
    assert.match(all.stdout, /^kling-2-1-standard\s+65 RUB\s+unknown$/m);
    assert.match(all.stdout, /^gpt-4o-mini\s+0\.05 RUB\s+unknown$/m);
    assert.match(all.stdout, /^glabs-veo-3-1\s+249 RUB\s+yes$/m);
    assert.match(all.stderr, /--any-model/);
  });

  it('prints the models as the API returned them with --json, fields kept', async () => {
    const run = await world.veo(['models', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const models = JSON.parse(run.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      models.map((m) => m.id),
      VEO_IDS,
    );
    assert.deepEqual(
      models.find((m) => m.id === 'glabs-veo-3-1-fast'),
      MODELS.find((m) => m.id === 'glabs-veo-3-1-fast'),
    );
    const all = JSON.parse((await world.veo(['models', '--all', '--json'])).stdout) as Record<string, unknown>[];
    assert.equal(all.length, MODELS.length);
    // The service's own fields, its spelling included, pass through untouched.
    assert.deepEqual(
      all.find((m) => m.id === 'gpt-4o'),
      { id: 'gpt-4o', price: 0.6, price_input: 0.3, modelration: 'none' },
    );
  });

  it('shows the balance, the credit limit and what can be spent, and the raw answer with --json', async () => {
    world.sim.configure({ balance: -51.54, creditLimit: 15000 });
    const run = await world.veo(['balance']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^balance\s+-51\.54 RUB$/m);
    assert.match(run.stdout, /^credit limit\s+15000\.00 RUB$/m);
    assert.match(run.stdout, /^available\s+14948\.46 RUB$/m);
    const json = await world.veo(['balance', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const balance = JSON.parse(json.stdout);
    assert.equal(balance.balance, -51.54);
    assert.equal(balance.creditLimit, 15000);
    assert.equal(balance.object, 'balance');
    assert.equal(typeof balance.orgId, 'string');
  });

  it('exits 3 when /v1/balance answers 401, without printing the key', async () => {
    const wrong = 'shds-wrong-key';
    for (const args of [['balance'], ['balance', '--json'], ['models']]) {
      const run = await world.veo(args, { env: { GPTUNNEL_API_KEY: wrong } });
      assert.equal(run.code, 3, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.ok(!run.stderr.includes(wrong), run.stderr);
      if (args.includes('--json')) assert.equal(JSON.parse(run.stderr).error.exitCode, 3);
    }
    assert.ok(world.sim.requests.some((r) => r.route === 'balance'));
  });

  it('shows the price and the balance in a dry run, from a private cache refreshed at most daily', async () => {
    const env = await freshConfig();
    const run = await world.veo(['create', 'a cat', '--dry-run'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /price: 49 RUB per clip \(glabs-veo-3-1-fast/);
    assert.match(run.stderr, /balance 1000000\.00 RUB, credit limit 0\.00 RUB/);
    assert.deepEqual(routes().toSorted(), ['balance', 'models']);
    const cache = join(env.VEO_CONFIG_DIR, 'models-cache.json');
    if (process.platform !== 'win32') assert.equal((await stat(cache)).mode & 0o777, 0o600);
    assert.ok(JSON.parse(await readFile(cache, 'utf8')).models.some((m: { id: string }) => m.id === 'glabs-veo-3'));

    world.sim.requests.length = 0;
    const json = await world.veo(['create', 'a cat', '--dry-run', '--json', '--model', 'glabs-veo-3-1'], { env });
    assert.equal(json.code, 0, json.stderr);
    const { cost } = JSON.parse(json.stdout);
    assert.equal(cost.price, 249);
    assert.equal(cost.priceFrom, 'cache');
    assert.equal(cost.balance.balance, 1_000_000);
    assert.deepEqual(routes(), ['balance'], 'a fresh cache is not fetched again');

    world.sim.requests.length = 0;
    const keyless = await world.veo(['create', 'a cat', '--dry-run'], { env: { ...env, GPTUNNEL_API_KEY: undefined } });
    assert.equal(keyless.code, 0, keyless.stderr);
    assert.match(keyless.stdout, /authorization: \(no key set\)/);
    assert.match(keyless.stderr, /price: 49 RUB per clip/);
    assert.deepEqual(routes(), [], 'without a key, the cache alone');
  });

  it('adds no request to a real create while the cache is fresh', async () => {
    const env = await freshConfig();
    assert.equal((await world.veo(['models'], { env })).code, 0);
    world.sim.requests.length = 0;
    const run = await world.veo(['create', 'a cat'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(routes(), ['create']);
  });

  it('refuses an unknown model with exit 2 before anything is created', async () => {
    for (const args of [
      ['create', 'a cat', '--model', 'glabs-veo-9'],
      ['create', 'a cat', '--model', 'glabs-veo-9', '-o', 'x.mp4'],
      ['create', 'a cat', '--model', 'glabs-veo-9', '--dry-run'],
    ]) {
      const run = await world.veo(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /Unknown model "glabs-veo-9"/);
      assert.match(run.stderr, /glabs-veo-3-1-fast/);
      assert.equal(run.stdout, '');
    }
    assert.equal(routes().filter((r) => r === 'create').length, 0);
  });

  it('refuses a model not known to make video before any request, unless --any-model is given', async () => {
    for (const args of [
      ['create', 'a cat', '--model', 'flux-1-1-pro'],
      ['create', 'a cat', '--model', 'flux-1-1-pro', '-o', 'x.mp4'],
      ['create', 'a cat', '--model', 'kling-2-1-standard', '--wait'],
      ['create', 'a cat', '--model', 'flux-1-1-pro', '--dry-run'],
      ['create', 'a cat', '--model', 'flux-1-1-pro', '--json'],
    ]) {
      world.sim.requests.length = 0;
      const run = await world.veo(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      if (args.includes('--json')) {
        assert.equal(JSON.parse(run.stderr).error.code, 'NOT_A_VIDEO_MODEL');
      } else {
        assert.match(run.stderr, /is not known to make video .*glabs-veo-\*.*nothing was sent/);
        assert.match(run.stderr, /--any-model/);
      }
      assert.deepEqual(routes(), [], 'not even the model list is asked for');
    }
    assert.equal(existsSync(join(world.workDir, 'x.mp4')), false);
    world.sim.requests.length = 0;
    const insisted = await world.veo(['create', 'a cat', '--model', 'kling-2-1-standard', '--any-model']);
    assert.equal(insisted.code, 0, insisted.stderr);
    const sent = world.sim.requests.filter((r) => r.route === 'create');
    assert.equal(sent.length, 1);
    assert.equal(JSON.parse(sent[0]?.body ?? '{}').model, 'kling-2-1-standard');
    // What the refusal spares: an image model's task is paid for, then leaves a picture, not a video.
    world.sim.requests.length = 0;
    const poster = join(world.workDir, 'poster.mp4');
    const paid = await world.veo(['create', 'a poster', '--model', 'flux-1-1-pro', '--any-model', '-o', poster]);
    assert.equal(paid.code, 6, paid.stderr);
    assert.match(paid.stderr, /result is not a video: the file host sent image\/png/);
    assert.equal(routes().filter((r) => r === 'create').length, 1);
    assert.equal(existsSync(poster), false);
  });

  it('an image result is its own outcome: exit 6, the link and how to fetch it, and sync reports it once', async () => {
    const env = await freshConfig();
    const files = () => world.sim.requests.filter((r) => r.origin === 'file').length;
    const made = await world.veo(['create', 'a poster', '--model', 'flux-1-1-pro', '--any-model'], { env });
    assert.equal(made.code, 0, made.stderr);
    const id = made.stdout.trim();
    const path = join(world.workDir, 'flux.mp4');
    const waited = await world.veo(['wait', id, '-o', path, '--interval', '0.05'], { env });
    assert.equal(waited.code, 6, waited.stderr);
    assert.match(waited.stderr, /The task's result is not a video: the file host sent image\/png, \d+ bytes/);
    assert.match(waited.stderr, /The model made image\/png, not a video/);
    assert.match(
      waited.stderr,
      /its link lives until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(4[78]h|its link lives until .* UTC \(47h/,
    );
    assert.match(waited.stderr, new RegExp(`curl -o result\\.png '?http://127\\.0\\.0\\.1:\\d+/[^ ]*${id}`));
    assert.doesNotMatch(waited.stderr, /try again|gave up/i);
    assert.equal(existsSync(path) || existsSync(`${path}.part`), false);
    const json = await world.veo(['wait', id, '-o', path, '--interval', '0.05', '--json'], { env });
    assert.equal(json.code, 6, json.stderr);
    assert.equal(JSON.parse(json.stderr).error.code, 'RESULT_NOT_VIDEO');
    // The command that found it reported it: sync neither fetches it again nor fails for it.
    const before = files();
    const synced = await world.veo(['sync', '--dir', join(world.workDir, 'synced-images')], { env });
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal(files(), before);
    const listed = await world.veo(['list', '--json'], { env });
    assert.equal(JSON.parse(listed.stdout)[0].state, 'failed');
    assert.match(JSON.parse(listed.stdout)[0].reason, /not a video \(image\/png\)/);
    // Found by sync itself: that sync fails once with exit 6 and says how to fetch it; the next one is quiet.
    const second = (
      await world.veo(['create', 'a logo', '--model', 'flux-1-1-pro', '--any-model'], { env })
    ).stdout.trim();
    await world.veo(['wait', second, '--interval', '0.05'], { env });
    const found = await world.veo(['sync', '--dir', join(world.workDir, 'synced-images')], { env });
    assert.equal(found.code, 6, found.stderr);
    assert.match(found.stderr, new RegExp(`${second}: The task's result is not a video.*curl -o result\\.png`));
    assert.match(found.stderr, /1 task made something other than a video .*later syncs do not try again/);
    const again = await world.veo(['sync', '--dir', join(world.workDir, 'synced-images')], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(files(), before + 1);
  });

  it('reads a cache written when the list carried a type and a name, and keeps only ids and prices', async () => {
    const env = await freshConfig();
    const old = [
      { id: 'glabs-veo-3-1-fast', name: 'Veo 3.1 Fast', type: 'video', price: 44, currency: 'RUB' },
      { id: 'flux-1-1-pro', name: 'FLUX', type: 'image', price: 12, currency: 'RUB' },
    ];
    await writeFile(
      join(env.VEO_CONFIG_DIR, 'models-cache.json'),
      JSON.stringify({ version: 1, origin: world.sim.baseUrl, fetchedAt: Date.now(), models: old }),
    );
    const run = await world.veo(['create', 'a cat', '--dry-run', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const { cost } = JSON.parse(run.stdout);
    assert.equal(cost.price, 44);
    assert.equal(cost.priceFrom, 'cache');
    assert.ok(!routes().includes('models'), 'the old cache was used as it is');
    // Fetched again, the list in the real shape replaces it.
    assert.equal((await world.veo(['models'], { env })).code, 0);
    const cache = JSON.parse(await readFile(join(env.VEO_CONFIG_DIR, 'models-cache.json'), 'utf8'));
    assert.deepEqual(
      cache.models.find((m: { id: string }) => m.id === 'glabs-veo-3-1-fast'),
      { id: 'glabs-veo-3-1-fast', price: 49 },
    );
  });

  it('checks a model missing from a fresh cache against the API before refusing it', async () => {
    const env = await freshConfig();
    await writeCache(env.VEO_CONFIG_DIR, Date.now(), [{ id: 'glabs-veo-3-1-fast', price: 49 }]);
    const run = await world.veo(['create', 'a cat', '--model', 'glabs-veo-3-1-lite'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(routes(), ['models', 'create']);
  });

  it('falls back to a stale cache, or to "price unknown", when the list cannot be had, and still sends', async () => {
    const env = await freshConfig();
    world.sim.inject('models', { kind: 'http', status: 503 }, Infinity);
    const unknown = await world.veo(['create', 'a cat', '--dry-run'], { env });
    assert.equal(unknown.code, 0, unknown.stderr);
    assert.match(unknown.stderr, /price: unknown \(the model list could not be read\)/);

    await writeCache(env.VEO_CONFIG_DIR, Date.now() - 3 * 24 * 3600 * 1000, [{ id: 'glabs-veo-3-1-fast', price: 45 }]);
    const stale = await world.veo(['create', 'a cat', '--dry-run'], { env });
    assert.equal(stale.code, 0, stale.stderr);
    assert.match(stale.stderr, /price: 45 RUB per clip/);
    // The stale list does not know glabs-veo-3-1-lite, but an old list may not refuse a model: the API decides.
    const sent = await world.veo(['create', 'a cat', '--model', 'glabs-veo-3-1-lite'], { env });
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(routes().filter((r) => r === 'create').length, 1);
  });

  it('warns with the numbers when the balance cannot cover the clip, and the API has the last word', async () => {
    world.sim.configure({ balance: 10, creditLimit: 5 });
    const run = await world.veo(['create', 'a cat']);
    assert.equal(run.code, 4, run.stderr);
    assert.match(
      run.stderr,
      /warning: The account cannot cover a glabs-veo-3-1-fast clip \(49 RUB\): balance 10\.00 RUB, credit limit 5\.00 RUB/,
    );
    assert.match(run.stderr, /Insufficient balance/);
    // A dry run fails as the create would, so that a script can rely on its exit code; the request is printed.
    const dry = await world.veo(['create', 'a cat', '--dry-run']);
    assert.equal(dry.code, 4, dry.stderr);
    assert.match(
      dry.stderr,
      /Dry run: the account cannot cover a glabs-veo-3-1-fast clip \(49 RUB\): balance 10\.00 RUB/,
    );
    assert.match(dry.stdout, /^POST /);
    const json = await world.veo(['create', 'a cat', '--dry-run', '--json']);
    assert.equal(json.code, 4, json.stderr);
    assert.equal(JSON.parse(json.stdout).cost.covered, false);
    assert.equal(JSON.parse(json.stderr).error.code, 'INSUFFICIENT_BALANCE');
  });
});
