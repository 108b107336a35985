import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseCli, USAGE, UsageError } from './cli-args.js';
import { startSim } from './server.js';
import { servingFromFiles } from './serving.js';
import type { Sim } from './types.js';

/** Set for the background copy that --detach starts, which must not chat on pipes nobody reads. */
const DETACHED_ENV = 'VEO_SIM_DETACHED';

function version(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function describe(sim: Sim): string {
  const url = sim.baseUrl;
  const lines = [
    `veo-sim: API        ${url}`,
    `veo-sim: file host  ${sim.fileBaseUrl}`,
    `veo-sim: try        GPTUNNEL_BASE_URL=${url} GPTUNNEL_API_KEY=shds-anything veo create "a cat surfing" --wait`,
    `veo-sim: faults     curl -X POST ${url}/__sim/faults -d '{"route":"create","fault":{"kind":"code","code":6},"times":2}'`,
    `veo-sim: inspect    curl ${url}/__sim/requests   (also /__sim/tasks, /__sim/config; GET ${url}/__sim lists all)`,
    `veo-sim: tasks take ${sim.options.taskMs / 1000} s; Ctrl-C stops.`,
  ];
  if (!isLoopback(sim.options.host)) {
    lines.push('veo-sim: warning: listening beyond loopback; the control endpoints need no key.');
  }
  return lines.join('\n') + '\n';
}

/**
 * `URL=$(veo-sim | head -1)` would wait forever, because the shell waits for every process of the pipeline.
 * So --detach starts a second copy in its own session, passes its first line on, and leaves it running.
 */
async function detach(argv: string[]): Promise<void> {
  const args = [...process.execArgv, process.argv[1] ?? '', ...argv.filter((arg) => arg !== '--detach')];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [DETACHED_ENV]: '1' },
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const lines = createInterface({ input: child.stdout });
  const url = await Promise.race([
    (async () => {
      for await (const line of lines) return line;
      return undefined;
    })(),
    exited.then(() => undefined),
  ]);
  if (url === undefined) {
    process.stderr.write(errors);
    process.exitCode = await exited;
    return;
  }
  process.stdout.write(url + '\n');
  process.stderr.write(
    `veo-sim: running in the background as pid ${child.pid}; stop it with: curl -X POST ${url}/__sim/shutdown\n`,
  );
  lines.close();
  child.stdout.destroy();
  child.stderr.destroy();
  child.unref();
}

async function main(argv: string[]): Promise<void> {
  let request;
  try {
    request = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`veo-sim: ${error.message}\nTry 'veo-sim --help'.\n`);
    process.exitCode = 2;
    return;
  }
  if (request.action === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (request.action === 'version') {
    process.stdout.write(version() + '\n');
    return;
  }
  if (request.detach) {
    await detach(argv);
    return;
  }

  // A reader that went away (`| head -1`, a detaching parent) must not take the simulator down with EPIPE.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  let sim: Sim;
  try {
    sim = await startSim(request.options, servingFromFiles(request.serving ?? {}));
  } catch (error) {
    process.stderr.write(`veo-sim: cannot start: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }

  process.stdout.write(sim.baseUrl + '\n');
  if (process.env[DETACHED_ENV] !== '1') process.stderr.write(describe(sim));

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main(process.argv.slice(2));
