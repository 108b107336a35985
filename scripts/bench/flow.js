// @ts-check
// The flow groups: how soon a finished video is on disk, and how close `veo batch` comes to its ideal time.
//   saved    `veo create <prompt> -o <file>` one after another: from the moment the simulator turns the task done
//            to the moment veo exits with the file saved (median), and how often each task was asked about
//   batch    `veo batch` of many prompts: wall time against ceil(items / concurrency) x the task time
// Both start from a journal that has seen one task of the same length, as a user's journal has: the schedule of
// status checks learns how long tasks take from it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { TARGETS, VEO, log, opts } from './options.js';
import { median, run, work } from './runner.js';
import { startSim, veoEnv } from './sim.js';
import { addRow } from './figures.js';

const node = process.execPath;

/** @returns {Promise<any>} a control endpoint's JSON answer */
function simGet(sim, path) {
  return new Promise((resolve, reject) => {
    get(`${sim.url}${path}`, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`veo-sim ${path}: HTTP ${response.statusCode}`));
        else resolve(JSON.parse(text));
      });
    }).on('error', reject);
  });
}

/** Result requests per task id, oldest first, from what the simulator recorded. */
async function resultRequests(sim) {
  const byTask = new Map();
  for (const request of await simGet(sim, '/__sim/requests')) {
    if (request.route !== 'result') continue;
    let id = request.query?.task_id;
    if (!id && request.body) id = JSON.parse(request.body).task_id;
    if (!byTask.has(id)) byTask.set(id, []);
    byTask.get(id).push(request.at);
  }
  return byTask;
}

/** The shortest gap between two result requests about one task, over every task: at least 1 s is the rule. */
function shortestGap(byTask) {
  let shortest = Infinity;
  for (const times of byTask.values()) {
    for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i] - times[i - 1]);
  }
  return shortest;
}

/** One `veo create -o` to its end; the task id and when veo exited (epoch ms). */
async function createAndSave(env, prompt, file) {
  const { stdout } = await run([node, VEO, 'create', prompt, '-o', file, '--json'], { env, stdout: 'pipe' });
  const exitedAt = Date.now();
  return { id: JSON.parse(stdout).id, exitedAt };
}

export async function benchSaved() {
  const taskSeconds = 3;
  const count = opts.runs ?? (opts.quick ? 3 : 7);
  const sim = await startSim(['--task-seconds', String(taskSeconds), '--balance', '100000']);
  try {
    const env = veoEnv(sim);
    const dir = join(work, 'saved');
    mkdirSync(dir, { recursive: true });
    log(`done to saved: warm-up (one ${taskSeconds} s task for the journal's history)`);
    await createAndSave(env, 'warm-up', join(dir, 'warm.mp4'));
    const runs = [];
    for (let i = 0; i < count; i++) runs.push(await createAndSave(env, `clip ${i}`, join(dir, `clip-${i}.mp4`)));
    log(`done to saved: ${count} tasks done`);
    const tasks = new Map((await simGet(sim, '/__sim/tasks')).map((task) => [task.id, task]));
    const latencies = runs.map(({ id, exitedAt }) => exitedAt - tasks.get(id).finishesAtMs);
    const requests = await resultRequests(sim);
    const perTask = runs.map(({ id }) => requests.get(id)?.length ?? 0);
    const value = median(latencies);
    addRow('saved_latency', {
      measurement: `done to saved: veo create -o, ${taskSeconds} s tasks (median of ${count})`,
      unit: 'ms',
      veo: value,
      baseline: undefined,
      ratio: undefined,
      target: `<= ${TARGETS.savedMs} ms`,
      pass: value <= TARGETS.savedMs,
      samples: { veo: latencies },
    });
    const gap = shortestGap(requests);
    addRow('saved_requests', {
      measurement: `  ${median(perTask)} result requests per task (median); shortest gap between two`,
      unit: 'ms',
      veo: gap,
      baseline: undefined,
      ratio: undefined,
      target: `>= 1000 ms`,
      pass: gap >= 1000,
      samples: { veo: perTask },
    });
  } finally {
    await sim.stop();
  }
}

/** The batch rows: task length in seconds, items and concurrency. */
function batchCases() {
  if (opts.quick) {
    return [
      { seconds: 3, items: 16, concurrency: 8 },
      { seconds: 3.5, items: 16, concurrency: 8 },
      { seconds: 20, items: 8, concurrency: 8 },
    ];
  }
  return [
    { seconds: 3, items: 40, concurrency: 8 },
    { seconds: 3.5, items: 40, concurrency: 8 },
    { seconds: 20, items: 16, concurrency: 8 },
  ];
}

export async function benchBatch() {
  for (const { seconds, items, concurrency } of batchCases()) {
    const sim = await startSim(['--task-seconds', String(seconds), '--balance', '1000000']);
    try {
      const env = veoEnv(sim);
      const dir = join(work, `batch-${seconds}`);
      mkdirSync(dir, { recursive: true });
      log(`batch ${seconds} s: warm-up (one task for the journal's history)`);
      await createAndSave(env, 'warm-up', join(dir, 'warm.mp4'));
      const file = join(dir, 'prompts.txt');
      writeFileSync(file, Array.from({ length: items }, (_, i) => `prompt ${i + 1}\n`).join(''));
      log(`batch ${seconds} s: ${items} prompts, concurrency ${concurrency}`);
      const { ms } = await run([node, VEO, 'batch', file, '--concurrency', String(concurrency), '--dir', dir], {
        env,
        timeoutMs: 10 * 60_000,
      });
      const ideal = Math.ceil(items / concurrency) * seconds * 1000;
      const gap = shortestGap(await resultRequests(sim));
      addRow(`batch_${seconds}s`, {
        measurement: `batch: ${items} prompts, concurrency ${concurrency}, ${seconds} s tasks vs ideal`,
        unit: 'ms',
        veo: ms,
        baseline: ideal,
        ratio: ms / ideal,
        target: `<= ${TARGETS.batch}x`,
        pass: ms / ideal <= TARGETS.batch && gap >= 1000,
        note: `shortest gap between two result requests for one task: ${gap} ms`,
      });
    } finally {
      await sim.stop();
    }
  }
}
