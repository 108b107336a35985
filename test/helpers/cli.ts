import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync, statSync, watch } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createServer as createTcpServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { after, before, beforeEach } from 'node:test';
import { startSim, type Serving, type Sim, type SimOptions } from '../../src/sim/index.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const VEO = join(ROOT, 'bin', 'veo.js');
export const KEY = 'shds-test-key-0123456789abcdef';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  cwd?: string;
  /** Called once the process is running, e.g. to send it a signal when stderr shows something. */
  onStart?: (child: ChildProcess) => void;
  onStderr?: (text: string, child: ChildProcess) => void;
}

/** A clean environment: no proxy, no CI colour settings, no key from the developer's shell. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'SystemRoot']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.NODE_OPTIONS = `--import ${pathToFileURL(join(ROOT, 'test', 'helpers', 'offline-dns.mjs')).href}`;
  // The suite polls the local simulator in short intervals; veo itself never polls faster than once a second.
  env.VEO_MIN_INTERVAL_MS = '1';
  // The code cache goes to a folder of the suite's own, not to the cache folder of whoever runs it.
  env.XDG_CACHE_HOME = join(tmpdir(), 'veo-test-cache');
  return env;
}

export function runVeo(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...baseEnv(), ...options.env };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
    const child = spawn(process.execPath, [VEO, ...args], { env, cwd: options.cwd ?? ROOT, stdio: 'pipe' });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolvePromise({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr, stdoutBytes });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
    options.onStart?.(child);
  });
}

/** A simulator on port 0 and a private config folder, torn down together. */
export interface World {
  sim: Sim;
  configDir: string;
  workDir: string;
  env: Record<string, string>;
  veo(args: string[], options?: RunOptions): Promise<RunResult>;
  close(): Promise<void>;
}

export async function startWorld(simOptions: SimOptions = {}, serving: Serving = {}): Promise<World> {
  const sim = await startSim({ taskMs: 300, balance: 1_000_000, ...simOptions }, serving);
  const configDir = await mkdtemp(join(tmpdir(), 'veo-config-'));
  const workDir = await mkdtemp(join(tmpdir(), 'veo-work-'));
  const env = {
    VEO_CONFIG_DIR: configDir,
    GPTUNNEL_BASE_URL: sim.baseUrl,
    GPTUNNEL_API_KEY: KEY,
    VEO_RETRY_BASE_MS: '20',
    VEO_REQUEST_TIMEOUT: '5',
  };
  return {
    sim,
    configDir,
    workDir,
    env,
    veo: (args, options = {}) => runVeo(args, { cwd: workDir, ...options, env: { ...env, ...options.env } }),
    async close() {
      await sim.close();
      await rm(configDir, { recursive: true, force: true });
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers the hooks most suites share: a world started before the first test and closed after the last, with
 * faults and recorded requests cleared before each test. The object returned stands for that world.
 */
export function useWorld(simOptions: SimOptions = {}): World {
  let current: World | undefined;
  const world = (): World => {
    if (!current) throw new Error('the world is started in a before() hook');
    return current;
  };
  before(async () => {
    current = await startWorld(simOptions);
  });
  after(() => current?.close());
  beforeEach(() => {
    world().sim.clearFaults();
    world().sim.requests.length = 0;
  });
  return {
    get sim() {
      return world().sim;
    },
    get configDir() {
      return world().configDir;
    },
    get workDir() {
      return world().workDir;
    },
    get env() {
      return world().env;
    },
    veo: (args, options) => world().veo(args, options),
    close: () => world().close(),
  };
}

// eslint-disable-next-line no-control-regex -- escape codes are exactly what this looks for
export const ANSI = /\u001b\[|\r/;

/**
 * Runs a shell command inside a real pseudo-terminal through script(1) and returns everything the terminal showed.
 * script gives the pty no size when its own stdin is not a terminal; stty sets one, as a real terminal has.
 */
export function runInPty(command: string, env: Record<string, string>, size = 'cols 100 rows 30'): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('script', ['-qfec', `stty ${size}; ${command}`, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', ...env },
    });
    let text = '';
    // A spinner that hangs (ora on a terminal without a width) must fail the test, not stall the suite.
    const timer = setTimeout(() => {
      text += '\n[killed: still running after 20 s]';
      child.kill('SIGKILL');
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolvePromise(text);
    });
  });
}

/** For `RunOptions.onStart`: sends `signal` to the child once `<path>.part` holds at least `bytes` bytes. */
export function signalWhenPartHolds(
  path: string,
  bytes: number,
  signal: NodeJS.Signals,
): (child: ChildProcess) => void {
  return (child) => {
    const watcher = watch(dirname(path), () => {
      if (existsSync(`${path}.part`) && statSync(`${path}.part`).size >= bytes) {
        watcher.close();
        child.kill(signal);
      }
    });
    child.on('exit', () => watcher.close());
  };
}

/** A loopback port nothing listens on: a connection to it is refused at once. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const { port } = server.address() as { port: number };
  await new Promise((resolvePromise) => server.close(resolvePromise));
  return port;
}

/** For `RunOptions.onStart`: sends `signal` to the child the moment the simulator receives its create request. */
export function signalOnCreate(
  sim: Sim,
  signal: NodeJS.Signals,
  then?: (child: ChildProcess) => void,
): (child: ChildProcess) => void {
  return (child) => {
    void sim
      .waitForRequest((r) => r.route === 'create')
      .then(() => {
        child.kill(signal);
        then?.(child);
      });
  };
}

/**
 * The error document of a `--json` run's stderr. Every line there is a JSON document: warnings (one a line) may come
 * before the error, so the stream as a whole is not one document.
 */
export function jsonErrorOf(stderr: string): {
  code: string;
  message: string;
  exitCode: number;
  [key: string]: unknown;
} {
  const documents = stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { error?: ReturnType<typeof jsonErrorOf> });
  const errors = documents.flatMap((document) => (document.error ? [document.error] : []));
  if (errors.length !== 1) throw new Error(`expected one error document on stderr, found ${errors.length}:\n${stderr}`);
  return errors[0] as ReturnType<typeof jsonErrorOf>;
}
