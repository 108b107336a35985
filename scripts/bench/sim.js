// @ts-check
// A veo-sim child on 127.0.0.1 for the bench, a private config folder per veo side, and a finished task to measure.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { API_KEY, SIM, VEO } from './options.js';
import { baseEnv, live, run, work } from './runner.js';

// --- the simulator -------------------------------------------------------------------------------------------

export async function startSim(extra) {
  const sim = spawn(process.execPath, [SIM, '--port', '0', '--host', '127.0.0.1', '--task-seconds', '0.2', ...extra], {
    env: baseEnv,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  live.add(sim);
  const lines = createInterface({ input: sim.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line),
    once(sim, 'exit').then(([code]) => {
      throw new Error(`veo-sim exited (${code}) before printing its URL`);
    }),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('veo-sim did not start within 15 s')), 15_000).unref(),
    ),
  ]);
  lines.close();
  sim.stdout.resume();
  const url = first.trim();
  if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(url)) throw new Error(`veo-sim printed an unexpected URL: ${url}`);
  return {
    url: url.replace(/\/$/, ''),
    async stop() {
      if (sim.exitCode === null && sim.signalCode === null) {
        sim.kill('SIGTERM');
        await once(sim, 'exit');
      }
      live.delete(sim);
    },
  };
}

export let configSeq = 0;
export function veoEnv(sim) {
  return {
    ...baseEnv,
    GPTUNNEL_BASE_URL: sim.url,
    GPTUNNEL_API_KEY: API_KEY,
    VEO_CONFIG_DIR: join(work, `config-${++configSeq}`),
  };
}

/** Creates a task with `veo create "bench"` and waits for it with `veo wait`; returns its id and video url. */
export async function finishedTask(sim, env) {
  const id = (await run([process.execPath, VEO, 'create', 'bench'], { env, stdout: 'pipe' })).stdout.trim();
  if (!/^[0-9a-f]{24}$/.test(id)) throw new Error(`veo create printed an unexpected id: ${JSON.stringify(id)}`);
  await run([process.execPath, VEO, 'wait', id, '--interval', '0.1'], { env });
  const task = JSON.parse((await run([process.execPath, VEO, 'result', id, '--json'], { env, stdout: 'pipe' })).stdout);
  if (task.status !== 'done' || typeof task.url !== 'string') throw new Error(`task ${id} is not done: ${task.status}`);
  const videoUrl = new URL(task.url);
  if (videoUrl.hostname !== '127.0.0.1') throw new Error(`the video URL is not on loopback: ${task.url}`);
  return { id, videoUrl: task.url };
}
