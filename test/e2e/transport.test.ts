import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Fault } from '../../src/sim/index.js';
import { closedPort, KEY, ROOT, type RunResult, startWorld, type World } from '../helpers/cli.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';
import { makeTestPki, opensslMissing, type TestPki } from '../helpers/tls.js';

/** The name the simulator's certificate is made out to; only the proxy (or VEO_TEST_HOSTS) resolves it. */
const HOST = 'api.veo.test';
/** A name the proxy resolves too, but that the certificate does not cover. */
const OTHER_HOST = 'other.veo.test';
const CREDENTIALS = 'veo:tunnel-pass';
const UNCONFIRMED = /a task may have been created/;

const retries = (run: RunResult, what: string) =>
  run.stderr.split('\n').filter((line) => line.startsWith(`retrying ${what}`)).length;

/** A loopback TCP service that only counts the connections it gets: nothing may ever reach it. */
async function secretService(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server: Server = createTcpServer((socket) => {
    connections++;
    socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 14\r\n\r\ninternal-admin');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('transport: https with a private authority, through a CONNECT proxy', { skip: opensslMissing() }, () => {
  let pki: TestPki;
  let world: World;
  let proxy: ConnectProxy;
  let id: string;
  let port: string;

  before(async () => {
    pki = await makeTestPki([HOST, 'localhost', '127.0.0.1']);
    world = await startWorld({ taskMs: 50 }, { tls: pki.server, urlHost: HOST });
    proxy = await startConnectProxy({ credentials: CREDENTIALS, hosts: [HOST, OTHER_HOST] });
    port = new URL(world.sim.baseUrl).port;
    const created = await veo(['create', 'the task the downloads ask about', '--wait', '--interval', '0.05']);
    assert.equal(created.code, 0, created.stderr);
    id = world.sim.tasks()[0]?.id ?? '';
  });
  after(async () => {
    await proxy?.close();
    await world?.close();
    await pki?.close();
  });
  beforeEach(() => {
    world.sim.clearFaults();
    world.sim.requests.length = 0;
    proxy.tunnels.length = 0;
  });

  /** veo trusting the test authority, through the proxy with its password, retrying quickly. */
  function veo(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
    return world.veo(args, {
      env: {
        NODE_EXTRA_CA_CERTS: pki.caPath,
        HTTPS_PROXY: proxy.url(),
        VEO_RETRY_BASE_MS: '5',
        VEO_RETRY_ATTEMPTS: '3',
        ...env,
      },
    });
  }
  /**
   * One tunnel per request in the --verbose trace (a price lookup when the list is not cached, then the create),
   * and no request tried twice.
   */
  function assertNothingRepeated(run: RunResult, target: string): void {
    assert.doesNotMatch(run.stderr, /^retrying/m);
    const requests = run.stderr.split('\n').filter((line) => /^(GET|POST) https:/.test(line));
    assert.equal(requests.filter((line) => line.startsWith('POST')).length, 1, run.stderr);
    assert.equal(proxy.tunnels.length, requests.length, run.stderr);
    assert.ok(proxy.tunnels.every((tunnel) => tunnel.target === target));
  }
  const count = (route: string) => world.sim.requests.filter((request) => request.route === route).length;
  const finished = (url: string): Fault => {
    const task = world.sim.task(id);
    const answer = { code: 0, id, model: task?.model, prompt: task?.prompt, status: 'done', url, cost: task?.cost };
    return { kind: 'http', status: 200, body: JSON.stringify(answer), contentType: 'application/json' };
  };

  it('create -o saves the video over https, both origins reached only through the proxy tunnel', async () => {
    const run = await veo(['create', 'a lighthouse in fog', '-o', 'clip.mp4', '--interval', '0.05']);
    assert.equal(run.code, 0, run.stderr);
    const saved = await readFile(join(world.workDir, 'clip.mp4'));
    assert.equal(createHash('sha256').update(saved).digest('hex'), await world.sim.video().sha256());
    const { port: filePort } = new URL(world.sim.fileBaseUrl);
    const targets = new Set(proxy.tunnels.map((tunnel) => tunnel.target));
    assert.deepEqual([...targets].sort(), [`${HOST}:${filePort}`, `${HOST}:${port}`].sort());
    assert.ok(proxy.tunnels.every((tunnel) => tunnel.status === 200));
    for (const tunnel of proxy.tunnels) {
      assert.ok(!tunnel.head.includes(KEY) && !/^authorization:/im.test(tunnel.head), tunnel.head);
    }
    assert.equal(count('create'), 1);
    assert.ok(count('file') >= 1);
  });

  it('without a proxy, a real-looking host name resolving to this machine is reached directly over https', async () => {
    const run = await veo(['create', 'a lighthouse at dawn', '-o', 'direct.mp4', '--interval', '0.05'], {
      HTTPS_PROXY: undefined,
      VEO_TEST_HOSTS: `${HOST}=127.0.0.1`,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(join(world.workDir, 'direct.mp4')));
    assert.equal(proxy.tunnels.length, 0);
  });

  it('a proxy that wants a password (407): the proxy is named, nothing is maybe billed, nothing is retried', async () => {
    for (const credentials of ['', 'veo:wrong-pass']) {
      proxy.tunnels.length = 0;
      const run = await veo(['create', 'x', '--verbose'], { HTTPS_PROXY: proxy.url(credentials) });
      assert.equal(run.code, 7, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`proxy 127\\.0\\.0\\.1:${proxy.port} refused to open a tunnel to ${HOST}:${port}: HTTP 407`),
      );
      assert.match(run.stderr, /nothing was sent/);
      assert.match(run.stderr, /HTTPS_PROXY=http:\/\/user:password@host:port/);
      assert.doesNotMatch(run.stderr, UNCONFIRMED);
      assert.doesNotMatch(run.stderr, /wrong-pass/, 'the proxy password is never shown');
      assertNothingRepeated(run, `${HOST}:${port}`);
    }
    assert.equal(count('create'), 0);
  });

  it('a batch item whose create met a 407 is not held as unconfirmed: the next run creates it', async () => {
    const file = join(world.workDir, 'through-the-proxy.txt');
    await writeFile(file, 'a harbour seen through a proxy\n');
    const dir = join(world.workDir, 'through-the-proxy');
    const batch = (env: Record<string, string | undefined> = {}) =>
      veo(['batch', file, '--dir', dir, '--interval', '0.05'], env);
    const refused = await batch({ HTTPS_PROXY: proxy.url('') });
    assert.equal(refused.code, 7, refused.stderr);
    assert.match(refused.stderr, /HTTP 407/);
    assert.doesNotMatch(refused.stderr, /may exist|unconfirmed/);
    const listed = await veo(['list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const entries = JSON.parse(listed.stdout) as { state: string; prompt?: string }[];
    assert.ok(!entries.some((entry) => entry.state === 'unconfirmed'), listed.stdout);
    assert.equal(count('create'), 0);

    const again = await batch();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(count('create'), 1);
    const [path = ''] = again.stdout.trim().split('\n');
    const saved = await readFile(path);
    assert.equal(createHash('sha256').update(saved).digest('hex'), await world.sim.video().sha256());
  });

  it('a tunnel that fails once (502 from the proxy) is retried even for a create, which then succeeds once', async () => {
    const tasks = world.sim.tasks().length;
    proxy.failNext(502);
    const run = await veo(['create', 'y', '--verbose']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(retries(run, 'the create request'), 1, run.stderr);
    assert.match(run.stderr, /refused to open a tunnel to api\.veo\.test:\d+: HTTP 502/);
    assert.equal(count('create'), 1);
    assert.equal(world.sim.tasks().length, tasks + 1);
  });

  it('a TLS handshake reset once, straight to the API, is retried even for a create, which then succeeds', async () => {
    // In front of the simulator: a connection is reset during the handshake when asked, the others pass through.
    let resets = 0;
    const sockets = new Set<Socket>();
    const front = createTcpServer((socket) => {
      sockets.add(socket);
      if (resets > 0) {
        resets--;
        return socket.resetAndDestroy();
      }
      const upstream = connect(Number(port), '127.0.0.1');
      sockets.add(upstream);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const { port: frontPort } = front.address() as { port: number };
    try {
      const env = {
        HTTPS_PROXY: undefined,
        VEO_TEST_HOSTS: `${HOST}=127.0.0.1`,
        GPTUNNEL_BASE_URL: `https://${HOST}:${frontPort}`,
      };
      // The price list of this origin is fetched once beforehand, so the create is the first request to meet a reset.
      assert.equal((await veo(['models'], env)).code, 0);
      const tasks = world.sim.tasks().length;
      resets = 1;
      const run = await veo(['create', 'z', '--verbose'], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /reset while connecting, before the request was sent/);
      assert.equal(retries(run, 'the create request'), 1, run.stderr);
      assert.equal(count('create'), 1);
      assert.equal(world.sim.tasks().length, tasks + 1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => front.close(resolve));
    }
  });

  it('a proxy that cannot be reached is named as the proxy, not blamed on the API host; a create is retried', async () => {
    const dead = await closedPort();
    const run = await veo(['create', 'x', '--verbose'], { HTTPS_PROXY: `http://${CREDENTIALS}@127.0.0.1:${dead}` });
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, new RegExp(`Could not connect to the proxy 127\\.0\\.0\\.1:${dead}: connection refused`));
    assert.doesNotMatch(run.stderr, /Could not connect to api\.veo\.test/);
    assert.doesNotMatch(run.stderr, /tunnel-pass/);
    assert.doesNotMatch(run.stderr, UNCONFIRMED);
    assert.equal(retries(run, 'the create request'), 2);
  });

  it('an authority that is not trusted: told to use NODE_EXTRA_CA_CERTS, not retried, through the proxy or not', async () => {
    const proxied = await veo(['create', 'x', '--verbose'], { NODE_EXTRA_CA_CERTS: undefined });
    assert.equal(proxied.code, 7, proxied.stderr);
    assert.match(proxied.stderr, /certificate of api\.veo\.test:\d+ is not signed by an authority this machine trusts/);
    assert.match(proxied.stderr, /NODE_EXTRA_CA_CERTS=/);
    assert.doesNotMatch(proxied.stderr, UNCONFIRMED);
    assert.equal(retries(proxied, 'the create request'), 0);
    assertNothingRepeated(proxied, `${HOST}:${port}`);
    assert.equal(count('create'), 0);

    // localhost never goes through a proxy: the same verdict for a direct connection, on a read.
    const direct = await veo(['result', id, '--verbose'], {
      NODE_EXTRA_CA_CERTS: undefined,
      GPTUNNEL_BASE_URL: `https://localhost:${port}`,
    });
    assert.equal(direct.code, 7, direct.stderr);
    assert.match(direct.stderr, /not signed by an authority this machine trusts \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    assert.equal(retries(direct, `the result of ${id}`), 0, direct.stderr);
    assert.equal(count('result'), 0);
  });

  it('a certificate for another host name: says to check the host name, not retried', async () => {
    const run = await veo(['create', 'x', '--verbose'], { GPTUNNEL_BASE_URL: `https://${OTHER_HOST}:${port}` });
    assert.equal(run.code, 7, run.stderr);
    assert.match(run.stderr, /certificate presented for other\.veo\.test:\d+ is made out to another host name/);
    assert.match(run.stderr, /GPTUNNEL_BASE_URL/);
    assert.doesNotMatch(run.stderr, UNCONFIRMED);
    assertNothingRepeated(run, `${OTHER_HOST}:${port}`);
    assert.equal(world.sim.requests.length, 0);
  });

  it('an expired certificate, on the API or on the file host: points at the clock, not retried', async () => {
    const expired = await startWorld({ taskMs: 50 }, { tls: pki.expired, urlHost: 'localhost' });
    try {
      const run = await veo(['models', '--verbose'], { GPTUNNEL_BASE_URL: expired.sim.baseUrl });
      assert.equal(run.code, 7, run.stderr);
      assert.match(run.stderr, /certificate of localhost:\d+ has expired by this machine's clock/);
      assert.match(run.stderr, /date, time and time zone/);
      assert.equal(expired.sim.requests.length, 0);
      assert.doesNotMatch(run.stderr, /^retrying/m);

      // A sound API whose video link leads to a file host with an expired certificate: the download is not resumed.
      world.sim.inject('result', finished(`${expired.sim.fileBaseUrl}/clip.mp4`), Infinity);
      const download = await veo(['download', id, '-o', 'expired.mp4', '--verbose'], {
        HTTPS_PROXY: undefined,
        VEO_TEST_HOSTS: `${HOST}=127.0.0.1`,
      });
      assert.equal(download.code, 7, download.stderr);
      assert.match(download.stderr, /certificate of localhost:\d+ has expired/);
      assert.doesNotMatch(download.stderr, /download interrupted|resuming/);
      assert.equal(expired.sim.requests.length, 0);
      assert.ok(!existsSync(join(world.workDir, 'expired.mp4')));
    } finally {
      await expired.close();
    }
  });

  it('the veo-sim command serves https under the name given, and veo trusts it through NODE_EXTRA_CA_CERTS', async () => {
    const args = ['--tls-cert', join(pki.dir, 'server.pem'), '--tls-key', join(pki.dir, 'server.key')];
    const sim = spawn(process.execPath, [join(ROOT, 'bin', 'veo-sim.js'), ...args, '--url-host', HOST], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const lines = createInterface({ input: sim.stdout });
      // A simulator that fails to start ends the wait too, with no URL.
      const exited = once(sim, 'exit').then(() => ['']);
      const [url = ''] = (await Promise.race([once(lines, 'line'), exited])) as string[];
      lines.close();
      assert.match(url, /^https:\/\/api\.veo\.test:\d+$/);
      const run = await veo(['models', '--json'], {
        GPTUNNEL_BASE_URL: url,
        HTTPS_PROXY: undefined,
        VEO_TEST_HOSTS: `${HOST}=127.0.0.1`,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(Array.isArray(JSON.parse(run.stdout)), run.stdout);
    } finally {
      if (sim.exitCode === null && sim.signalCode === null) {
        sim.kill('SIGTERM');
        await once(sim, 'exit');
      }
    }
  });

  describe('where a video may come from, when the API is remote', () => {
    let secret: Awaited<ReturnType<typeof secretService>>;
    before(async () => {
      secret = await secretService();
    });
    after(() => secret.close());

    const refused = (run: RunResult, where: RegExp) => {
      assert.equal(run.code, 7, run.stderr);
      assert.match(run.stderr, where);
      assert.match(run.stderr, /the API is not local/);
      assert.doesNotMatch(run.stderr, /internal-admin/);
      assert.equal(secret.connections(), 0, 'the local service was never contacted');
      assert.doesNotMatch(run.stderr, /^retrying/m);
    };

    it('a link to a loopback address is refused before any connection', async () => {
      world.sim.inject('result', finished(`http://127.0.0.1:${secret.port}/clip.mp4`), Infinity);
      const run = await veo(['download', id, '-o', 'loopback.mp4', '--verbose']);
      refused(run, /Refused to fetch the video from 127\.0\.0\.1: a loopback address/);
      assert.ok(!existsSync(join(world.workDir, 'loopback.mp4')));
    });

    it('a link to a private address is refused before the proxy is asked', async () => {
      world.sim.inject('result', finished('https://10.1.2.3/clip.mp4'), Infinity);
      const run = await veo(['download', id, '-o', 'private.mp4']);
      refused(run, /Refused to fetch the video from 10\.1\.2\.3: a private address/);
      assert.ok(proxy.tunnels.length > 0, 'the API was reached through the proxy');
      assert.ok(
        proxy.tunnels.every((tunnel) => tunnel.target === `${HOST}:${port}`),
        'only the API was tunnelled to',
      );
    });

    it('a name that resolves to 127.0.0.1 is caught on the address it resolves to', async () => {
      world.sim.inject('result', finished(`http://sneaky.veo.test:${secret.port}/clip.mp4`), Infinity);
      const run = await veo(['download', id, '-o', 'sneaky.mp4'], {
        VEO_TEST_HOSTS: 'sneaky.veo.test=127.0.0.1',
        NO_PROXY: 'sneaky.veo.test',
      });
      refused(run, /Refused to fetch the video from sneaky\.veo\.test \(127\.0\.0\.1\): a loopback address/);
    });

    it('a redirect from the file host to a loopback service is refused', async () => {
      world.sim.inject(
        'file',
        { kind: 'http', status: 302, headers: { location: `http://127.0.0.1:${secret.port}/admin` } },
        Infinity,
      );
      const run = await veo(['download', id, '-o', 'redirected.mp4']);
      refused(run, /Refused to fetch the video from 127\.0\.0\.1: a loopback address/);
      assert.equal(count('file'), 1);
    });

    it('a body that is not a video is described by type and size, never shown', async () => {
      const page = '<html><body>internal-admin: reset every password here</body></html>';
      world.sim.inject('file', { kind: 'http', status: 200, body: page, contentType: 'text/html' }, Infinity);
      const run = await veo(['download', id, '-o', 'page.mp4']);
      assert.equal(run.code, 7, run.stderr);
      assert.match(run.stderr, new RegExp(`did not send a video: text/html, ${Buffer.byteLength(page)} bytes`));
      assert.doesNotMatch(run.stderr, /internal-admin|password/);
      assert.ok(!existsSync(join(world.workDir, 'page.mp4')));
    });
  });
});
