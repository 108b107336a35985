import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseByteSize, parseCli, UsageError } from '../../src/sim/cli-args.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runSim(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/sim/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    for await (const line of lines) return line;
    throw new Error('veo-sim printed nothing');
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

async function collect(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('veo-sim command', () => {
  it('prints the API base URL as its first stdout line, serves it, and stops cleanly on SIGTERM', async () => {
    const child = runSim(['--port', '0', '--task-seconds', '0.2', '--balance', '77']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await firstLine(child);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const balance = (await fetch(`${url}/v1/balance`, { headers: { authorization: 'shds-k' } }).then((res) =>
        res.json(),
      )) as { balance: number };
      assert.equal(balance.balance, 77);
      const config = (await fetch(`${url}/__sim/config`).then((res) => res.json())) as { taskMs: number };
      assert.equal(config.taskMs, 200);
      assert.match(stderr, /GPTUNNEL_BASE_URL=/);
      assert.match(stderr, /__sim\/faults/);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('--detach prints the URL and exits, leaving a simulator that /__sim/shutdown stops', async () => {
    const { code, stdout, stderr } = await collect(runSim(['--detach', '--task-seconds', '0.1']));
    assert.equal(code, 0);
    const url = stdout.trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(stderr, /__sim\/shutdown/);
    try {
      const config = (await fetch(`${url}/__sim/config`).then((res) => res.json())) as { taskMs: number };
      assert.equal(config.taskMs, 100);
    } finally {
      const bye = await fetch(`${url}/__sim/shutdown`, { method: 'POST' }).then((res) => res.json());
      assert.deepEqual(bye, { stopping: true });
    }
    const deadline = Date.now() + 5000;
    for (;;) {
      const gone = await fetch(`${url}/__sim/config`, { signal: AbortSignal.timeout(1000) }).then(
        () => false,
        () => true,
      );
      if (gone) break;
      assert.ok(Date.now() < deadline, 'the detached simulator did not stop');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('rejects bad flags with exit 2 and a message on stderr', async () => {
    // The parsing itself is covered in-process below; one spawn checks the exit path.
    const { code, stdout, stderr } = await collect(runSim(['--port', 'eighty']));
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^veo-sim: --port expects/);
    for (const args of [['--bogus'], ['--task-seconds', '-1'], ['--fail-pattern', '('], ['--video-bytes', 'x']]) {
      assert.throws(() => parseCli(args), UsageError, args.join(' '));
    }
  });

  it('prints help and version on stdout', async () => {
    const [help, version] = await Promise.all([collect(runSim(['--help'])), collect(runSim(['--version']))]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: veo-sim/);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  });

  it('parses every flag into SimOptions', () => {
    const parsed = parseCli([
      '--port=8080',
      '--file-port',
      '8081',
      '--host',
      '127.0.0.2',
      '--task-seconds',
      '1.5',
      '--fail-pattern',
      'nsfw|gore',
      '--fail-reason',
      'Nope.',
      '--video-bytes',
      '512M',
      '--link-ttl-seconds',
      '60',
      '--wrong-key',
      'shds-bad',
      '--balance=-51.54',
      '--credit-limit',
      '15000',
    ]);
    assert.deepEqual(parsed, {
      action: 'run',
      options: {
        port: 8080,
        filePort: 8081,
        host: '127.0.0.2',
        taskMs: 1500,
        failPattern: 'nsfw|gore',
        failReason: 'Nope.',
        videoBytes: 512 * 1024 * 1024,
        linkTtlMs: 60_000,
        wrongKey: 'shds-bad',
        balance: -51.54,
        creditLimit: 15000,
      },
      detach: false,
    });
    assert.equal((parseCli(['--detach']) as { detach: boolean }).detach, true);
    assert.equal(parseByteSize('video-bytes', '1048576'), 1048576);
    assert.equal(parseByteSize('video-bytes', '2GiB'), 2 * 2 ** 30);
    assert.throws(() => parseByteSize('video-bytes', 'lots'), UsageError);
    assert.throws(() => parseCli(['stray']), UsageError);
  });

  it('parses the https flags apart from the options, and wants a certificate and a key together', () => {
    const parsed = parseCli(['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--url-host', 'api.veo.test']);
    assert.deepEqual(parsed, {
      action: 'run',
      options: {},
      detach: false,
      serving: { certPath: 'c.pem', keyPath: 'k.pem', urlHost: 'api.veo.test' },
    });
    assert.throws(() => parseCli(['--tls-cert', 'c.pem']), /--tls-cert and --tls-key go together/);
    assert.throws(() => parseCli(['--url-host', 'a b']), /--url-host expects a host name/);
  });
});
