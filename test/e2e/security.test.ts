import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { KEY, type RunResult, useWorld } from '../helpers/cli.js';

const MASKED = 'shds-…cdef';
const linux = process.platform === 'linux';

/** Every file under `dir`, as text. */
async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const found: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.push({ path, text: await readFile(path, 'latin1') });
  }
  return found;
}

/** A loopback HTTP server that records what reaches it and answers 200 to everything. */
async function recordingServer() {
  const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    res.end('{"code":0}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { seen, port, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A loopback proxy that records the raw bytes it gets and refuses every tunnel. */
async function refusingProxy() {
  const received: string[] = [];
  const server = createTcpServer((socket) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      received.push(text);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { received, url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('security: where the key goes, and where files go', () => {
  const world = useWorld({ taskMs: 1 });
  let id: string;
  before(async () => {
    id = (await world.veo(['create', 'the task'])).stdout.trim();
  });

  it('the key never shows in stdout, stderr, --verbose, --dry-run, errors, JSON errors or any file', async () => {
    const runs: RunResult[] = [];
    const veo = async (args: string[], env: Record<string, string | undefined> = {}) => {
      const run = await world.veo(args, { env: { VEO_RETRY_ATTEMPTS: '1', ...env } });
      runs.push(run);
      return run;
    };
    await veo(['create', 'x', '--verbose', '--json']);
    await veo(['create', 'x', '--dry-run']);
    await veo(['create', 'x', '--dry-run', '--json', '--verbose']);
    // An API that echoes the key back in its messages, in an envelope and in an error page.
    world.sim.inject('result', { kind: 'code', code: 2, message: `Invalid token ${KEY}` }, 1);
    assert.equal((await veo(['result', id, '--verbose'])).code, 3);
    world.sim.inject('result', { kind: 'http', status: 500, body: `<h1>no such key: ${KEY}</h1>` }, 1);
    assert.equal((await veo(['result', id, '--verbose', '--json'])).code, 7);
    await veo(['wait', id, '-o', 'clip.mp4', '--verbose']);
    await veo(['download', id, '--verbose', '--json', '--force']);
    await veo(['auth', 'status']);
    await veo(['result', id, '--verbose', '--api-key', KEY], { GPTUNNEL_API_KEY: undefined });
    for (const run of runs) {
      assert.ok(!run.stdout.includes(KEY) && !run.stderr.includes(KEY), `${run.stdout}\n${run.stderr}`);
    }
    const traced = runs.map((run) => run.stderr).join('\n');
    assert.ok(traced.includes(MASKED), 'the masked form is what is shown');
    assert.match(traced, /POST http:\/\/127\.0\.0\.1:\d+\/v1\/media\/result/);
    const files = [...(await filesUnder(world.configDir)), ...(await filesUnder(world.workDir))];
    assert.ok(files.some((file) => file.path.endsWith('journal.jsonl')));
    for (const file of files) assert.ok(!file.text.includes(KEY), file.path);
  });

  it(
    'ps never shows the key: not from the environment, and --api-key is masked in the title',
    { skip: !linux },
    async () => {
      world.sim.configure({ taskMs: 60_000 });
      const slow = (await world.veo(['create', 'slow'])).stdout.trim();
      world.sim.configure({ taskMs: 1 });
      const flagKey = 'shds-flag-key-5555555555';
      const commandLines: string[] = [];
      for (const [args, env] of [
        [[], {}],
        [['--api-key', flagKey], { GPTUNNEL_API_KEY: undefined }],
      ] as const) {
        const run = await world.veo(['wait', slow, '--interval', '0.05', ...args], {
          env,
          onStderr: (text, child) => {
            if (!/: (idle|processing)$/m.test(text) || child.killed) return;
            commandLines.push(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0+/g, ' '));
            child.kill('SIGINT');
          },
        });
        assert.equal(run.code, 130, run.stderr);
      }
      const [fromEnv, fromFlag] = commandLines;
      assert.ok(fromEnv && !fromEnv.includes(KEY), fromEnv);
      assert.ok(fromFlag && !fromFlag.includes(flagKey), fromFlag);
      assert.match(fromFlag, /--api-key shds-…5555/);
    },
  );

  it('the key is never sent to the file host, nor along its redirects', async () => {
    world.sim.inject('file', { kind: 'redirect', location: `${world.sim.fileUrl(id)}?hop=1` }, 1);
    const run = await world.veo(['download', id, '-o', 'hops.mp4']);
    assert.equal(run.code, 0, run.stderr);
    const files = world.sim.requests.filter((r) => r.origin === 'file');
    assert.equal(files.length, 2);
    for (const request of files) assert.equal(request.headers.authorization, undefined);
    assert.equal(world.sim.requests.find((r) => r.origin === 'api')?.headers.authorization, KEY);
  });

  it('an API redirect to another origin is not followed: the other server gets nothing', async () => {
    const other = await recordingServer();
    try {
      const location = `http://127.0.0.1:${other.port}/v1/media/result`;
      world.sim.inject('result', { kind: 'redirect', location, status: 307 }, 1);
      const read = await world.veo(['result', id]);
      assert.equal(read.code, 7, read.stderr);
      assert.match(read.stderr, /redirects are not followed/);
      world.sim.inject('create', { kind: 'redirect', location: `http://127.0.0.1:${other.port}/steal` }, 1);
      const create = await world.veo(['create', 'x']);
      assert.equal(create.code, 7, create.stderr);
      assert.doesNotMatch(create.stderr, /may have been created/, 'a redirect processed nothing');
      assert.deepEqual(other.seen, []);
    } finally {
      await other.close();
    }
  });

  it('plain http to anything but loopback is refused before connecting, *.localhost included', async () => {
    const other = await recordingServer();
    try {
      for (const base of [`http://api.localhost:${other.port}`, 'http://[::ffff:7f00:1]']) {
        const run = await world.veo(['result', id], { env: { GPTUNNEL_BASE_URL: base } });
        assert.equal(run.code, 2, `${base}: ${run.stderr}`);
        assert.match(run.stderr, /Refusing plain http/);
      }
      assert.deepEqual(other.seen, []);
    } finally {
      await other.close();
    }
  });

  it('a url from the API cannot steer the file outside the chosen folder', async () => {
    const cases: [string, string][] = [
      ['..%2F..%2F..%2Fescape.mp4', '_.._.._escape.mp4'],
      ['%2e%2e%2f%2e%2e%2fescape2.mp4', '_.._escape2.mp4'],
      ['bad%E0%A4escape4', 'bad_E0_A4escape4.mp4'],
    ];
    for (const [tail, name] of cases) {
      // The file host sends the real video whatever the path asked for, as a malicious or broken one might.
      world.sim.inject('file', { kind: 'redirect', location: world.sim.fileUrl(id) }, 1);
      const run = await world.veo(['download', `${world.sim.fileBaseUrl}/predication/${tail}`]);
      assert.equal(run.code, 0, `${tail}: ${run.stderr}`);
      assert.equal(run.stdout, `${join(world.workDir, name)}\n`);
    }
    assert.ok(!(await readdir(dirname(world.workDir))).some((entry) => entry.startsWith('escape')));
    const body = JSON.stringify({ code: 0, id, status: 'done', url: 'file:///etc/passwd' });
    world.sim.inject('result', { kind: 'http', status: 200, body }, 1);
    const local = await world.veo(['download', id, '-o', 'passwd.mp4', '--force']);
    assert.equal(local.code, 2, local.stderr);
    assert.match(local.stderr, /Only http\(s\) video URLs/);
  });

  it('proxies: loopback and NO_PROXY hosts bypass them; a remote https API is reached only through a CONNECT tunnel', async () => {
    const proxy = await refusingProxy();
    try {
      const env = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, http_proxy: proxy.url, https_proxy: proxy.url };
      const local = await world.veo(['result', id, '--json'], { env });
      assert.equal(local.code, 0, local.stderr);
      assert.equal(proxy.received.length, 0, 'the plain-http loopback request never met the proxy');

      const remote = await world.veo(['result', id], {
        env: { HTTPS_PROXY: proxy.url, GPTUNNEL_BASE_URL: 'https://api.example.invalid', VEO_RETRY_ATTEMPTS: '1' },
      });
      assert.equal(remote.code, 7, remote.stderr);
      assert.equal(proxy.received.length, 1);
      const head = proxy.received[0] ?? '';
      assert.match(head, /^CONNECT api\.example\.invalid:443 HTTP\/1\.1\r\n/);
      assert.ok(!head.includes(KEY) && !/authorization/i.test(head), head);

      const bypassed = await world.veo(['result', id], {
        env: {
          HTTPS_PROXY: proxy.url,
          NO_PROXY: 'example.invalid',
          GPTUNNEL_BASE_URL: 'https://api.example.invalid',
          VEO_RETRY_ATTEMPTS: '1',
        },
      });
      assert.equal(bypassed.code, 7, bypassed.stderr);
      assert.match(bypassed.stderr, /Could not resolve api\.example\.invalid/, 'NO_PROXY: straight to DNS');
      assert.equal(proxy.received.length, 1);
    } finally {
      await proxy.close();
    }
  });
});
