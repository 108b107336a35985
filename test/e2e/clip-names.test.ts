import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, beforeEach, describe, it } from 'node:test';
import { Journal } from '../../src/store/journal.js';
import { jsonErrorOf, useWorld } from '../helpers/cli.js';

const ID = /^[0-9a-f]{24}$/;

describe('output templates, .info.json sidecars and variations', () => {
  const world = useWorld({ taskMs: 100 });
  let videoSha: string;
  before(async () => {
    videoSha = await world.sim.video().sha256();
  });
  beforeEach(async () => {
    world.sim.configure({ taskMs: 100 });
    for (const key of ['output-template', 'write-info-json', 'max-items']) {
      await world.veo(['config', 'unset', key]);
    }
  });

  const fast = ['--interval', '0.05'];
  const creates = () => world.sim.requests.filter((r) => r.route === 'create');
  const sentPrompts = () => creates().map((r) => (JSON.parse(r.body) as { prompt: string }).prompt);
  const sha = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const folder = async (name: string) => {
    const path = join(world.workDir, name);
    await mkdir(path, { recursive: true });
    return path;
  };

  it('names a created clip by an -o template and writes its .info.json beside it', async () => {
    const prompt = 'Кошка: a <cat> "plays" piano';
    const run = await world.veo([
      'create',
      prompt,
      '--ar',
      '9:16',
      '-o',
      'clips/{slug:20}-{ar}-{id}.{ext}',
      '--write-info-json',
      ...fast,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const [request] = creates();
    assert.ok(request);
    assert.equal(creates().length, 1);
    const id = world.sim.tasks().at(-1)?.id ?? '';
    assert.match(id, ID);
    const expected = join(world.workDir, 'clips', `кошка-a-cat-plays-9x16-${id}.mp4`);
    assert.equal(run.stdout, `${expected}\n`);
    assert.deepEqual((await readdir(join(world.workDir, 'clips'))).sort(), [
      `кошка-a-cat-plays-9x16-${id}.info.json`,
      `кошка-a-cat-plays-9x16-${id}.mp4`,
    ]);
    assert.equal(await sha(expected), videoSha);
    const info = JSON.parse(await readFile(expected.replace(/\.mp4$/, '.info.json'), 'utf8'));
    assert.equal(info.schema, 1);
    assert.equal(info.kind, 'veo-clip');
    assert.equal(info.id, id);
    assert.equal(info.prompt, prompt);
    assert.equal(info.model, 'glabs-veo-3-1-fast');
    assert.equal(info.ar, '9:16');
    assert.equal(info.image, null);
    assert.equal(info.sha256, videoSha);
    assert.equal(info.sourceSha256, videoSha);
    assert.equal(info.sourceBytes, info.bytes);
    assert.equal(info.bytes, (await readFile(expected)).length);
    assert.equal(info.file, `кошка-a-cat-plays-9x16-${id}.mp4`);
    assert.match(info.sourceUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(Date.parse(info.createdAt) && Date.parse(info.doneAt) && Date.parse(info.sourceExpiresAt));
    assert.equal(Date.parse(info.sourceExpiresAt) - Date.parse(info.doneAt), 48 * 3600 * 1000);
    assert.equal(info.variation, null);
    assert.equal(info.veoVersion, '0.1.0');
  });

  it('fills wait and download templates from the journal, sidecars included', async () => {
    const created = await world.veo(['create', 'a green door']);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    const waited = await world.veo(['wait', id, '-o', 'w/{slug}-{n}.{ext}', '--write-info-json', ...fast]);
    assert.equal(waited.code, 0, waited.stderr);
    const path = join(world.workDir, 'w', 'a-green-door-1.mp4');
    assert.equal(waited.stdout, `${path}\n`);
    assert.deepEqual((await readdir(join(world.workDir, 'w'))).sort(), [
      'a-green-door-1.info.json',
      'a-green-door-1.mp4',
    ]);
    assert.equal(JSON.parse(await readFile(join(world.workDir, 'w', 'a-green-door-1.info.json'), 'utf8')).id, id);
    assert.equal((await world.veo(['config', 'set', 'output-template', '{slug:7}-{id}.{ext}'])).code, 0);
    await folder('dl');
    const downloaded = await world.veo(['download', id, '-o', 'dl']);
    assert.equal(downloaded.code, 0, downloaded.stderr);
    assert.equal(downloaded.stdout, `${join(world.workDir, 'dl', `a-green-${id}.mp4`)}\n`);
    assert.equal(await sha(join(world.workDir, 'dl', `a-green-${id}.mp4`)), videoSha);
    assert.equal(creates().length, 1);
  });

  it('describes the file as saved and the video as served when tags were embedded', async () => {
    const run = await world.veo([
      'create',
      'a tagged owl',
      '-o',
      'tagged/{slug}.{ext}',
      '--embed-metadata',
      '--write-info-json',
      ...fast,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const path = join(world.workDir, 'tagged', 'a-tagged-owl.mp4');
    const info = JSON.parse(await readFile(join(world.workDir, 'tagged', 'a-tagged-owl.info.json'), 'utf8'));
    assert.equal(info.sha256, await sha(path));
    assert.equal(info.bytes, (await readFile(path)).length);
    assert.notEqual(info.sha256, videoSha, 'the tags changed the file');
    assert.equal(info.sourceSha256, videoSha);
  });

  it('keeps the video when its .info.json cannot be written, and says so', async () => {
    const dir = await folder('blocked');
    await mkdir(join(dir, 'clip.info.json'));
    const run = await world.veo(['create', 'a lamp', '-o', 'blocked/clip.mp4', '--write-info-json', ...fast]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${join(dir, 'clip.mp4')}\n`);
    assert.equal(await sha(join(dir, 'clip.mp4')), videoSha);
    assert.match(run.stderr, /clip\.mp4 is saved, but its \.info\.json could not be written/);
    assert.deepEqual((await readdir(join(dir, 'clip.info.json'))).length, 0);
    assert.deepEqual((await readdir(dir)).sort(), ['clip.info.json', 'clip.mp4']);
  });

  it('refuses a templated name that is taken before paying, and replaces it with --force', async () => {
    const dir = await folder('taken');
    await writeFile(join(dir, 'a-quiet-lake.mp4'), 'mine');
    const refused = await world.veo(['create', 'A quiet lake', '-o', 'taken/{slug}.{ext}', ...fast, '--json']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(jsonErrorOf(refused.stderr).code, 'FILE_EXISTS');
    assert.equal(creates().length, 0, 'nothing was paid for');
    assert.equal(await readFile(join(dir, 'a-quiet-lake.mp4'), 'utf8'), 'mine');
    const forced = await world.veo(['create', 'A quiet lake', '-o', 'taken/{slug}.{ext}', '--force', ...fast]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await sha(join(dir, 'a-quiet-lake.mp4')), videoSha);
  });

  it('names a folder target, sync and a templated --dir by the output-template setting', async () => {
    assert.equal((await world.veo(['config', 'set', 'output-template', '{model}/{slug:12}-{id}.{ext}'])).code, 0);
    assert.equal((await world.veo(['config', 'set', 'output-template', '{bogus}.mp4'])).code, 2);
    for (const climbing of ['{id}/../../x.{ext}', '../x/{id}.{ext}']) {
      const refused = await world.veo(['config', 'set', 'output-template', climbing]);
      assert.equal(refused.code, 2, `${climbing} is refused when set, not at every later save`);
      assert.match(refused.stderr, /climbs out of the output folder/);
    }
    assert.equal((await world.veo(['config', 'set', 'output-dir', 'out/{model}/../..'])).code, 2);
    const dir = await folder('by-setting');
    const saved = await world.veo(['create', 'a paper boat', '-o', 'by-setting/', ...fast]);
    assert.equal(saved.code, 0, saved.stderr);
    const first = world.sim.tasks().at(-1)?.id;
    assert.equal(saved.stdout, `${join(dir, 'glabs-veo-3-1-fast', `a-paper-boat-${first}.mp4`)}\n`);
    // Created without waiting: sync names it the same way, in its --dir, sidecar included.
    const created = await world.veo(['create', 'a red kite']);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    // sync asks once and saves what is finished: the task is let finish first, so the test does not race it.
    assert.equal((await world.veo(['wait', id, ...fast])).code, 0);
    const synced = await world.veo(['sync', '--dir', 'synced', '--write-info-json']);
    assert.equal(synced.code, 0, synced.stderr);
    const path = join(world.workDir, 'synced', 'glabs-veo-3-1-fast', `a-red-kite-${id}.mp4`);
    assert.match(synced.stdout, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.equal(await sha(path), videoSha);
    const info = JSON.parse(await readFile(path.replace(/\.mp4$/, '.info.json'), 'utf8'));
    assert.equal(info.id, id);
    assert.equal(info.prompt, 'a red kite');
  });

  it('expands variations and --repeat in a batch, names each by the template and resumes without paying twice', async () => {
    await world.veo(['config', 'set', 'write-info-json', 'true']);
    const file = join(world.workDir, 'kites.txt');
    await writeFile(file, 'a {red|blue} kite\n# comment\na boat\n');
    const args = [
      'batch',
      file,
      '--dir',
      'kites',
      '--template',
      '{n}-{variant}-{slug}.{ext}',
      '--repeat',
      '2',
      '--yes',
      ...fast,
    ];
    const dry = await world.veo([...args.slice(0, -2), '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout);
    assert.deepEqual(
      plan.items.map((item: { line: number; variant: number; prompt: string; choices: string[] }) => [
        item.line,
        item.variant,
        item.prompt,
        item.choices,
      ]),
      [
        [1, 1, 'a red kite', ['red']],
        [1, 2, 'a red kite', ['red']],
        [1, 3, 'a blue kite', ['blue']],
        [1, 4, 'a blue kite', ['blue']],
        [3, 1, 'a boat', []],
        [3, 2, 'a boat', []],
      ],
    );
    assert.equal(plan.total.clips, 6);
    assert.equal(creates().length, 0);
    const run = await world.veo(args);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(sentPrompts().sort(), [
      'a blue kite',
      'a blue kite',
      'a boat',
      'a boat',
      'a red kite',
      'a red kite',
    ]);
    const names = (await readdir(join(world.workDir, 'kites'))).sort();
    assert.deepEqual(names, [
      '1-1-a-red-kite.info.json',
      '1-1-a-red-kite.mp4',
      '1-2-a-red-kite.info.json',
      '1-2-a-red-kite.mp4',
      '1-3-a-blue-kite.info.json',
      '1-3-a-blue-kite.mp4',
      '1-4-a-blue-kite.info.json',
      '1-4-a-blue-kite.mp4',
      '3-1-a-boat.info.json',
      '3-1-a-boat.mp4',
      '3-2-a-boat.info.json',
      '3-2-a-boat.mp4',
    ]);
    const info = JSON.parse(await readFile(join(world.workDir, 'kites', '1-3-a-blue-kite.info.json'), 'utf8'));
    assert.deepEqual(info.variation, { line: 1, variant: 3, template: 'a {red|blue} kite', choices: ['blue'] });
    const { entries } = await new Journal(world.configDir).load();
    const tags = entries.filter((e) => e.batch?.line === 1).map((e) => [e.batch?.variant, e.batch?.choices]);
    assert.deepEqual(tags.sort(), [
      [1, ['red']],
      [2, ['red']],
      [3, ['blue']],
      [4, ['blue']],
    ]);
    // The gallery puts the clips of one written prompt side by side: two groups, not three prompts.
    const gallery = await world.veo(['gallery', '--dir', 'kites', '-o', 'kites.html', '--json']);
    assert.equal(gallery.code, 0, gallery.stderr);
    assert.deepEqual([JSON.parse(gallery.stdout).clips, JSON.parse(gallery.stdout).groups], [6, 2]);
    const again = await world.veo(args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(creates().length, 6, 'the re-run paid for nothing');
    assert.match(again.stderr, /6 items settled by an earlier run are skipped/);
  });

  it('refuses, before paying, items the template would give the same name', async () => {
    const file = join(world.workDir, 'same.txt');
    await writeFile(file, 'a {red|blue} kite\n');
    const run = await world.veo([
      'batch',
      file,
      '--dir',
      'same',
      '--template',
      '{n}-{slug:3}.{ext}',
      '--json',
      ...fast,
    ]);
    assert.equal(run.code, 2, run.stderr);
    const error = jsonErrorOf(run.stderr);
    assert.equal(error.code, 'BAD_BATCH_FILE');
    assert.match(JSON.stringify(error), /same name as another variation of this line \(1-a\.mp4\)/);
    const timed = await world.veo(['create', 'a {red|blue} kite', '-o', 'same/{time}.{ext}', '--json', ...fast]);
    assert.equal(timed.code, 2, timed.stderr);
    assert.equal(creates().length, 0);
  });

  it('caps the clips a create with variations makes without --yes, and resumes it when run again', async () => {
    await world.veo(['config', 'set', 'max-items', '2']);
    const args = ['create', 'a {fox|hare|owl} at dawn', '-o', 'dawn/', ...fast];
    const dry = await world.veo([...args, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^1\.1\t.*\ta fox at dawn$/m);
    assert.match(dry.stdout, /^1\.3\t.*\ta owl at dawn$/m);
    assert.match(dry.stderr, /needs --yes: 3 new clips is more than max-items \(2\)/);
    const capped = await world.veo([...args, '--json']);
    assert.equal(capped.code, 2, capped.stderr);
    assert.equal(jsonErrorOf(capped.stderr).code, 'TOO_MANY_ITEMS');
    assert.equal(creates().length, 0, 'nothing was paid for');
    const one = await world.veo(['create', 'a {fox|hare|owl} at dawn', '-o', 'dawn.mp4']);
    assert.equal(one.code, 2);
    assert.equal(
      jsonErrorOf((await world.veo(['create', 'a {fox|hare} at dawn', '-o', 'dawn.mp4', '--json'])).stderr).code,
      'ONE_FILE_FOR_SEVERAL',
    );
    const run = await world.veo([...args, '--yes']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(sentPrompts().sort(), ['a fox at dawn', 'a hare at dawn', 'a owl at dawn']);
    const ids = world.sim
      .tasks()
      .slice(-3)
      .map((t) => `${t.id}.mp4`);
    assert.deepEqual((await readdir(join(world.workDir, 'dawn'))).sort(), ids.sort());
    const again = await world.veo([...args, '--yes']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(creates().length, 3, 'the same command resumes instead of paying again');
  });
});
