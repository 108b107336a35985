import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KEY, startWorld, type World, useWorld } from '../helpers/cli.js';

const ID = /^[0-9a-f]{24}$/;

describe('create and result against veo-sim', () => {
  const world = useWorld();

  const creates = () => world.sim.requests.filter((r) => r.route === 'create');

  it('prints only the task id and sends the bare key, model, prompt and ratio', async () => {
    const prompt = 'Кошка играет на "пианино" в \'баре\' за $5 и `echo hi` $(whoami)';
    const run = await world.veo(['create', prompt, '--ar', '16:9']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^[0-9a-f]{24}\n$/);
    assert.equal(run.stderr, '');
    const [request] = creates();
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.headers.authorization, KEY);
    assert.deepEqual(JSON.parse(request.body), { model: 'glabs-veo-3-1-fast', prompt, ar: '16:9' });
  });

  it('reads the prompt from stdin and from a file, and sends the image as the first frame', async () => {
    const fromStdin = await world.veo(['create', '-', '--image', 'https://example.com/frame.png'], {
      input: '  a lighthouse at dusk\n',
    });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const file = join(world.workDir, 'prompt.txt');
    await writeFile(file, 'a fox in snow\nsecond line\n');
    const fromFile = await world.veo(['create', '--prompt-file', file, '--model', 'glabs-veo-3-1-lite']);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const [first, second] = creates().map((r) => JSON.parse(r.body));
    assert.deepEqual(first, {
      model: 'glabs-veo-3-1-fast',
      prompt: 'a lighthouse at dusk',
      images: ['https://example.com/frame.png'],
    });
    assert.deepEqual(second, { model: 'glabs-veo-3-1-lite', prompt: 'a fox in snow\nsecond line' });
  });

  it('prints the task object as the API returned it with --json, unknown fields kept', async () => {
    const created = await world.veo(['create', 'a boat', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const task = JSON.parse(created.stdout);
    assert.match(task.id, ID);
    assert.equal(task.status, 'idle');
    const result = await world.veo(['result', task.id, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout);
    const apiAnswer = world.sim.requests.filter((r) => r.route === 'result').length;
    assert.equal(apiAnswer, 1);
    assert.equal(answer.id, task.id);
    assert.equal(answer.code, 0);
    assert.ok('cost' in answer, 'fields the client does not know are passed through');
  });

  it('shows the state in text form and exits 0 whatever it is', async () => {
    const id = (await world.veo(['create', 'will fail FAILME'])).stdout.trim();
    world.sim.configure({ failPattern: 'FAILME', taskMs: 1 });
    const result = await world.veo(['result', id]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^id\\s+${id}$`, 'm'));
    assert.match(result.stdout, /^status\s+\w+$/m);
    world.sim.configure({ failPattern: null, taskMs: 300 });
  });

  it('refuses a bad id, an empty prompt, a bad ratio or image before sending anything', async () => {
    const cases: string[][] = [
      ['result', '../x'],
      ['result', '684G5B2214BED9A815408CB3'],
      ['wait', '684e5b2214bed9a815408cb'],
      ['download', 'file:///etc/passwd'],
      ['create', '   '],
      ['create'],
      ['create', 'x', '--ar', '4:3'],
      ['create', 'x', '--image', 'file:///etc/passwd'],
      ['create', 'x', '--image', 'not a url'],
      ['create', 'x', '--interval', 'soon'],
      ['create', 'x', '--timeout', 'forever'],
      ['create', 'x', '--prompt-file', '/nonexistent/prompt.txt'],
      ['create', '--no-such-flag'],
    ];
    for (const args of cases) {
      const run = await world.veo(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /error/);
    }
    assert.equal(world.sim.requests.length, 0);
  });

  it('puts a usage error in a JSON envelope on stderr with --json', async () => {
    const run = await world.veo(['result', '../x', '--json']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    const { error } = JSON.parse(run.stderr);
    assert.equal(error.exitCode, 2);
    assert.equal(typeof error.code, 'string');
    assert.match(error.message, /task id/);
  });

  it('exits 3 with a hint when there is no key, sending nothing', async () => {
    const run = await world.veo(['create', 'x'], { env: { GPTUNNEL_API_KEY: undefined } });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /veo auth login/);
    assert.equal(world.sim.requests.length, 0);
  });

  it('exits 3 on a wrong key without ever printing it', async () => {
    const wrong = 'shds-wrong-key';
    for (const args of [
      ['create', 'x'],
      ['result', '684e5b2214bed9a815408cb3'],
      ['create', 'x', '--json', '--verbose'],
    ]) {
      const run = await world.veo(args, { env: { GPTUNNEL_API_KEY: wrong } });
      assert.equal(run.code, 3, run.stderr);
      assert.ok(!run.stderr.includes(wrong) && !run.stdout.includes(wrong), 'the key is never echoed');
    }
  });

  it('sends a key given as "Bearer ..." or with quotes and spaces as the bare key', async () => {
    for (const raw of [`Bearer ${KEY}`, `  "${KEY}"  `]) {
      const run = await world.veo(['create', 'x'], { env: { GPTUNNEL_API_KEY: raw } });
      assert.equal(run.code, 0, run.stderr);
    }
    assert.deepEqual(
      creates().map((r) => r.headers.authorization),
      [KEY, KEY],
    );
  });

  it('maps API error codes to exit codes', async () => {
    const cases: [number, number][] = [
      [2, 3],
      [3, 2],
      [5, 4],
      [7, 3],
      [99, 7],
      [1001, 6],
      [1002, 6],
    ];
    for (const [code, exit] of cases) {
      world.sim.inject('create', { kind: 'code', code }, 1);
      const run = await world.veo(['create', 'x']);
      assert.equal(run.code, exit, `API code ${code}: ${run.stderr}`);
      assert.equal(run.stdout, '');
    }
    world.sim.inject('result', { kind: 'code', code: 4 }, 1);
    const missing = await world.veo(['result', '684e5b2214bed9a815408cb3']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /not found/);
  });

  it('shows the issues of an invalid-input answer', async () => {
    world.sim.inject('create', { kind: 'code', code: 3 }, 1);
    const run = await world.veo(['create', 'x']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /code 3/);
  });

  it('exits 4 on an insufficient balance, after one request', async () => {
    world.sim.configure({ balance: 10 });
    const run = await world.veo(['create', 'x']);
    world.sim.configure({ balance: 1_000_000 });
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, /balance/i);
    assert.equal(creates().length, 1);
  });

  it('retries a create on heavy load and succeeds once it passes', async () => {
    world.sim.inject('create', { kind: 'code', code: 6 }, 2);
    const run = await world.veo(['create', 'x']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(creates().length, 3);
    assert.equal(world.sim.tasks().filter((t) => t.prompt === 'x').length >= 1, true);
  });

  it('exits 4 when heavy load outlasts the retries', async () => {
    world.sim.inject('create', { kind: 'code', code: 6 }, Infinity);
    const run = await world.veo(['create', 'x'], { env: { VEO_RETRY_ATTEMPTS: '3' } });
    assert.equal(run.code, 4, run.stderr);
    assert.equal(creates().length, 3);
  });

  it('never repeats a create after the connection broke once the request was sent', async () => {
    const before = world.sim.tasks().length;
    world.sim.inject('create', { kind: 'reset-after' }, 1);
    // A prompt of its own: left unconfirmed, a create of the same prompt is refused until the user says so.
    const run = await world.veo(['create', 'broken after sending']);
    assert.equal(run.code, 7, run.stderr);
    assert.equal(creates().length, 1);
    assert.equal(world.sim.tasks().length, before + 1, 'the simulator did create the task');
    assert.match(run.stderr, /may have/);
  });

  it('retries a read through a burst of 5xx and HTML pages', async () => {
    const id = (await world.veo(['create', 'x'])).stdout.trim();
    world.sim.inject('result', { kind: 'html' }, 2);
    world.sim.inject('result', { kind: 'http', status: 503, body: '' }, 1);
    const run = await world.veo(['result', id, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).id, id);
  });

  it('exits 7 when the origin is dead', async () => {
    const run = await world.veo(['result', '684e5b2214bed9a815408cb3'], {
      env: { GPTUNNEL_BASE_URL: 'http://127.0.0.1:9', VEO_RETRY_ATTEMPTS: '2' },
    });
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /connection refused; gave up after 2 attempts\./);
  });

  it('refuses plain http to a non-loopback origin before connecting', async () => {
    const run = await world.veo(['create', 'x', '--base-url', 'http://gptunnel.ru']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /plain http/);
  });

  it('prints the request of a dry run with the key masked, and sends nothing but price and balance look-ups', async () => {
    const run = await world.veo(['create', 'a cat', '--ar', '9:16', '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /POST http:\/\/127\.0\.0\.1:\d+\/v1\/media\/create/);
    assert.match(run.stdout, /"ar": "9:16"/);
    assert.ok(!run.stdout.includes(KEY));
    assert.match(run.stdout, /shds-…cdef/);
    assert.ok(world.sim.requests.every((r) => r.method === 'GET' && ['models', 'balance'].includes(r.route)));
  });

  it('traces requests with --verbose, the key masked', async () => {
    const run = await world.veo(['create', 'x', '--verbose']);
    assert.equal(run.code, 0);
    assert.match(run.stderr, /POST http:\/\/127\.0\.0\.1:\d+\/v1\/media\/create 200 \d+ms/);
    assert.ok(!run.stderr.includes(KEY));
  });
});

describe('auth and config', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(() => world.close());

  it('stores a key from stdin privately, reports it masked, and removes it', async () => {
    const env = { GPTUNNEL_API_KEY: undefined };
    const login = await world.veo(['auth', 'login', '--with-token'], { env, input: ` ${KEY}\n` });
    assert.equal(login.code, 0, login.stderr);
    assert.ok(!login.stderr.includes(KEY));
    assert.equal((await stat(world.configDir)).mode & 0o777, 0o700);
    assert.equal((await stat(join(world.configDir, 'config.json'))).mode & 0o777, 0o600);
    const status = await world.veo(['auth', 'status'], { env });
    assert.equal(status.code, 0);
    assert.match(status.stdout, /shds-…cdef \(from the config store\)/);
    assert.ok(!status.stdout.includes(KEY));
    const fromEnv = await world.veo(['auth', 'status', '--json'], {
      env: { GPTUNNEL_API_KEY: 'shds-other-key-999999' },
    });
    assert.equal(JSON.parse(fromEnv.stdout).source, 'env');
    const fromFlag = await world.veo(['auth', 'status', '--json', '--api-key', 'shds-flag-key-888888'], { env });
    assert.equal(JSON.parse(fromFlag.stdout).source, 'flag');
    const created = await world.veo(['create', 'with the stored key'], { env });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(world.sim.requests.at(-1)?.headers.authorization, KEY);
    const logout = await world.veo(['auth', 'logout'], { env });
    assert.equal(logout.code, 0);
    const gone = await world.veo(['auth', 'status'], { env });
    assert.equal(gone.code, 3);
    assert.ok(!(await readFile(join(world.configDir, 'config.json'), 'utf8')).includes(KEY));
  });

  it('sets, gets, lists and unsets settings', async () => {
    assert.equal((await world.veo(['config', 'set', 'output-dir', '/tmp/videos'])).code, 0);
    assert.equal((await world.veo(['config', 'get', 'output-dir'])).stdout, '/tmp/videos\n');
    assert.match((await world.veo(['config', 'list'])).stdout, /^output-dir=\/tmp\/videos$/m);
    assert.equal((await world.veo(['config', 'path'])).stdout.trim(), world.configDir);
    assert.equal((await world.veo(['config', 'unset', 'output-dir'])).code, 0);
    assert.equal((await world.veo(['config', 'get', 'output-dir'])).code, 0);
    assert.equal((await world.veo(['config', 'set', 'colour', 'red'])).code, 2);
    assert.equal((await world.veo(['config', 'set', 'base-url', 'http://gptunnel.ru'])).code, 2);
  });

  it('takes the base URL from the config store after the environment', async () => {
    await world.veo(['config', 'set', 'base-url', 'http://127.0.0.1:9']);
    const fromStore = await world.veo(['result', '684e5b2214bed9a815408cb3'], {
      env: { GPTUNNEL_BASE_URL: undefined, VEO_RETRY_ATTEMPTS: '1' },
    });
    assert.equal(fromStore.code, 7);
    const fromEnv = await world.veo(['result', '684e5b2214bed9a815408cb3'], { env: { VEO_RETRY_ATTEMPTS: '1' } });
    assert.notEqual(fromEnv.code, 7);
    await world.veo(['config', 'unset', 'base-url']);
  });

  it('reports a damaged config file and leaves it as it is', async () => {
    const file = join(world.configDir, 'config.json');
    await writeFile(file, '{"api-key": "shds-', { mode: 0o600 });
    // Without a key from elsewhere, the damaged file is what stops it (a key from the environment would do).
    const run = await world.veo(['create', 'x'], { env: { GPTUNNEL_API_KEY: undefined } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /damaged/);
    assert.equal(await readFile(file, 'utf8'), '{"api-key": "shds-');
    const set = await world.veo(['config', 'set', 'output-dir', '/tmp']);
    assert.equal(set.code, 2);
    assert.equal(await readFile(file, 'utf8'), '{"api-key": "shds-');
    await writeFile(file, '{}');
  });
});
