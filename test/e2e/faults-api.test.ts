import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { before, describe, it } from 'node:test';
import type { Fault } from '../../src/sim/index.js';

// Each create a prompt of its own: a create left unconfirmed by one fault would otherwise make the next create of
// the same prompt refuse to pay again (exit 2), which is not what these rows are about.
let prompts = 0;
const nextPrompt = () => `x ${++prompts}`;
import { closedPort, jsonErrorOf, type RunResult, useWorld } from '../helpers/cli.js';

// Two attempts and a 5 ms backoff: enough to see what is retried, and fast.
const QUICK = { VEO_RETRY_ATTEMPTS: '2', VEO_RETRY_BASE_MS: '5' };
const UNCONFIRMED = /a task may have been created/;

/** A port nothing listens on: bound once, then released. */

const retries = (run: RunResult, what: string) =>
  run.stderr.split('\n').filter((line) => line.startsWith(`retrying ${what}`)).length;

describe('API faults against veo-sim', () => {
  const world = useWorld({ taskMs: 200 });
  let id: string;
  before(async () => {
    id = (await world.veo(['create', 'the task every read asks about'])).stdout.trim();
  });

  const count = (route: string) => world.sim.requests.filter((r) => r.route === route).length;
  const veo = (args: string[], env: Record<string, string> = {}) => world.veo(args, { env: { ...QUICK, ...env } });
  const inject = (route: 'create' | 'result', fault: Fault, times = Infinity) => world.sim.inject(route, fault, times);

  it('connection refused: even a create is retried (nothing was sent), then exit 7', async () => {
    const env = { GPTUNNEL_BASE_URL: `http://127.0.0.1:${await closedPort()}`, VEO_RETRY_ATTEMPTS: '3' };
    const run = await veo(['create', nextPrompt(), '--verbose'], env);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /connection refused/);
    assert.equal(retries(run, 'the create request'), 2, run.stderr);
    assert.doesNotMatch(run.stderr, UNCONFIRMED);
  });

  it('DNS failure: a host that cannot resolve fails with exit 7 at once, a create retried as never sent', async () => {
    const run = await veo(['create', nextPrompt(), '--verbose'], { GPTUNNEL_BASE_URL: 'https://nonexistent.invalid' });
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /Could not resolve nonexistent\.invalid/);
    assert.equal(retries(run, 'the create request'), 1);
    assert.doesNotMatch(run.stderr, UNCONFIRMED);
  });

  it('a reset while connecting (TLS handshake) is retried even for a create: nothing was sent', async () => {
    // Speaks no TLS: every connection is reset during the handshake, before a request byte can be written.
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => {
      sockets.push(socket);
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const run = await veo(['create', nextPrompt(), '--verbose'], { GPTUNNEL_BASE_URL: `https://127.0.0.1:${port}` });
      assert.equal(run.code, 7, run.stderr);
      assert.match(run.stderr, /before the request was sent/);
      assert.equal(retries(run, 'the create request'), 1);
      assert.doesNotMatch(run.stderr, UNCONFIRMED);
      assert.ok(sockets.length >= 2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a reset once the request is out: a read is retried, a create is not repeated and says how to find the task', async () => {
    inject('result', { kind: 'reset-before' }, 1);
    inject('result', { kind: 'reset-after' }, 1);
    const read = await veo(['result', id, '--json'], { VEO_RETRY_ATTEMPTS: '3' });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(JSON.parse(read.stdout).id, id);
    assert.equal(count('result'), 3);
    // The simulator processed nothing, but veo cannot know that: the request had been written.
    const tasks = world.sim.tasks().length;
    inject('create', { kind: 'reset-before' }, 1);
    const create = await veo(['create', nextPrompt()]);
    assert.equal(create.code, 7, create.stderr);
    assert.equal(count('create'), 1);
    assert.equal(world.sim.tasks().length, tasks);
    assert.match(create.stderr, UNCONFIRMED);
    assert.match(create.stderr, /veo wait <id>/);
  });

  it('no answer (stall) or slow headers: a read is retried then exit 7; a create is reported, not repeated', async () => {
    const env = { VEO_REQUEST_TIMEOUT: '0.3' };
    inject('result', { kind: 'stall' });
    const read = await veo(['result', id], env);
    assert.equal(read.code, 7, read.stderr);
    assert.match(read.stderr, /did not answer in time/);
    assert.equal(count('result'), 2);
    inject('create', { kind: 'stall' });
    const create = await veo(['create', nextPrompt()], env);
    assert.equal(create.code, 7, create.stderr);
    assert.match(create.stderr, UNCONFIRMED);
    assert.equal(count('create'), 1);
    world.sim.clearFaults();
    world.sim.requests.length = 0;
    // Too slow for the timeout, then slow but within it.
    inject('result', { kind: 'slow', ms: 2000 }, 1);
    inject('result', { kind: 'slow', ms: 50 }, 1);
    const slow = await veo(['result', id, '--verbose'], env);
    assert.equal(slow.code, 0, slow.stderr);
    assert.match(slow.stderr, /retrying .*did not answer in time/);
    assert.equal(count('result'), 2);
  });

  it('an answer whose body stalls half way: a read is retried, a create is reported, not repeated', async () => {
    const env = { VEO_REQUEST_TIMEOUT: '0.3' };
    inject('result', { kind: 'stall-body', afterBytes: 10 }, 1);
    const read = await veo(['result', id, '--json'], env);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(count('result'), 2);
    const tasks = world.sim.tasks().length;
    inject('create', { kind: 'stall-body', afterBytes: 10 }, 1);
    const create = await veo(['create', nextPrompt()], env);
    assert.equal(create.code, 7, create.stderr);
    assert.match(create.stderr, /stopped sending its answer/);
    assert.match(create.stderr, UNCONFIRMED);
    assert.equal(count('create'), 1);
    assert.equal(world.sim.tasks().length, tasks + 1, 'the task exists: that is why it must not be sent again');
  });

  it('service failures come with a hint: a base URL answering an HTML 400 names where it was set; 503s say the task is safe', async () => {
    inject('result', {
      kind: 'http',
      status: 400,
      body: '<html><body>Bad Request</body></html>',
      contentType: 'text/html',
    });
    const page = await veo(['result', id]);
    assert.equal(page.code, 7, page.stderr);
    assert.match(page.stderr, /HTTP 400 Bad Request \(an HTML page\)/);
    assert.ok(
      page.stderr.includes(`hint: Check the base URL ${world.sim.baseUrl} (set by GPTUNNEL_BASE_URL): it is an origin`),
      page.stderr,
    );
    world.sim.clearFaults();
    inject('result', { kind: 'http', status: 503 });
    const busy = await veo(['result', id]);
    assert.equal(busy.code, 7, busy.stderr);
    assert.match(busy.stderr, /hint: The service is failing; try again in a few minutes\. The task is not affected/);
    world.sim.clearFaults();
  });

  it('5xx and HTML pages: reads retried; a create retried after 503 and 429 only, reported after a 502', async () => {
    inject('result', { kind: 'html' });
    const read = await veo(['result', id]);
    assert.equal(read.code, 7, read.stderr);
    assert.match(read.stderr, /The service failed with HTTP 502 Bad Gateway; gave up after 2 attempts\.$/m);
    assert.doesNotMatch(read.stderr, /nginx|<|Bad Gateway.*Bad Gateway/);
    assert.equal(count('result'), 2);
    world.sim.clearFaults();
    world.sim.requests.length = 0;
    inject('create', { kind: 'http', status: 503, body: '<html><body>Service Unavailable</body></html>' }, 1);
    inject('create', { kind: 'http', status: 429, body: '', headers: { 'retry-after': '0' } }, 1);
    const turnedAway = await veo(['create', nextPrompt()], { VEO_RETRY_ATTEMPTS: '3' });
    assert.equal(turnedAway.code, 0, turnedAway.stderr);
    assert.equal(count('create'), 3);
    world.sim.requests.length = 0;
    inject('create', { kind: 'html' }, 1);
    const create = await veo(['create', nextPrompt()]);
    assert.equal(create.code, 7, create.stderr);
    assert.match(create.stderr, UNCONFIRMED);
    assert.equal(count('create'), 1);
  });

  it('API codes on create: 1 and 500 reported as maybe created, 4 as a usage error, none repeated', async () => {
    for (const [code, exit] of [
      [1, 7],
      [500, 7],
      [4, 2],
    ] as const) {
      world.sim.requests.length = 0;
      inject('create', { kind: 'code', code }, 1);
      const run = await veo(['create', nextPrompt(), '--json']);
      assert.equal(run.code, exit, run.stderr);
      assert.equal(run.stdout, '');
      const error = jsonErrorOf(run.stderr);
      assert.equal(error.exitCode, exit);
      assert.equal(error.code, code === 4 ? 'RECORD_NOT_FOUND' : 'CREATE_UNCONFIRMED');
      assert.doesNotMatch(error.message, /Task unknown/);
      assert.equal(count('create'), 1);
    }
  });

  it('every API code on result maps to its exit code; 1, 500 and 6 are retried', async () => {
    const table: [number, number, number][] = [
      [1, 7, 2],
      [2, 3, 1],
      [3, 2, 1],
      [5, 4, 1],
      [6, 4, 2],
      [7, 3, 1],
      [99, 7, 1],
      [500, 7, 2],
      [1001, 6, 1],
      [1002, 6, 1],
    ];
    for (const [code, exit, attempts] of table) {
      world.sim.clearFaults();
      world.sim.requests.length = 0;
      inject('result', { kind: 'code', code });
      const run = await veo(['result', id, '--json']);
      assert.equal(run.code, exit, `code ${code}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      const error = jsonErrorOf(run.stderr);
      assert.equal(error.exitCode, exit);
      assert.equal(error.taskId, id);
      assert.equal(count('result'), attempts, `code ${code} attempts`);
    }
  });

  it('malformed JSON, empty bodies and unexpected shapes: a read is retried, a create is not repeated', async () => {
    inject('result', { kind: 'malformed' }, 1);
    inject('result', { kind: 'empty' }, 1);
    const healed = await veo(['result', id, '--json'], { VEO_RETRY_ATTEMPTS: '3' });
    assert.equal(healed.code, 0, healed.stderr);
    assert.equal(count('result'), 3);
    world.sim.requests.length = 0;
    inject('result', { kind: 'shape' });
    const read = await veo(['result', id]);
    assert.equal(read.code, 7, read.stderr);
    assert.match(read.stderr, /unexpected shape/);
    assert.equal(count('result'), 2);
    world.sim.requests.length = 0;
    inject('create', { kind: 'malformed' }, 1);
    const create = await veo(['create', nextPrompt()]);
    assert.equal(create.code, 7, create.stderr);
    assert.match(create.stderr, UNCONFIRMED);
    assert.equal(count('create'), 1);
  });

  it('an answer about another task, or an id that is not 24 hex, is refused', async () => {
    for (const other of ['0123456789abcdef01234567', '../../../../tmp/evil']) {
      const body = JSON.stringify({ code: 0, id: other, status: 'done', url: null });
      inject('result', { kind: 'http', status: 200, body }, 1);
    }
    const run = await veo(['result', id, '--json', '--verbose']);
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /with another task \(0123456789abcdef01234567\)/);
    assert.equal(JSON.parse(run.stderr.trim().split('\n').at(-1) ?? '').error.code, 'UNEXPECTED_ANSWER');
    assert.equal(count('result'), 2);
  });

  it('terminal statuses error and cancelled end a wait with exit 6; done without url is shown by result', async () => {
    for (const status of ['error', 'cancelled']) {
      inject('result', { kind: 'status', status }, 1);
      const run = await veo(['wait', id, '--interval', '0.02']);
      assert.equal(run.code, 6, run.stderr);
      assert.match(run.stderr, new RegExp(`status "${status}"`));
    }
    inject('result', { kind: 'done-without-url' }, 1);
    const shown = await veo(['result', id, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual([JSON.parse(shown.stdout).status, JSON.parse(shown.stdout).url], ['done', null]);
  });
});
