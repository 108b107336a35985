// @ts-check
// The start-up, result and download groups: veo against bare node and curl.
import { cpSync, existsSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY, MiB, TARGETS, VEO, runs, sizes } from './options.js';
import { NODE_GET, NODE_POST, interleave, run, runWithRss, work } from './runner.js';
import { finishedTask, startSim, veoEnv } from './sim.js';
import { addRow, node, rssRow, timeRow } from './figures.js';

export async function benchStartup() {
  const bare = () => run([node, '-e', '0']);
  for (const flag of ['--version', '--help']) {
    const pair = await interleave(`start-up veo ${flag}`, runs.startup, {
      baseline: bare,
      veo: () => run([node, VEO, flag]),
    });
    timeRow(`startup${flag.replace('--', '_')}`, `start-up: veo ${flag} vs node -e 0`, pair, TARGETS.startup);
  }
}

export async function benchResult() {
  const sim = await startSim([]);
  try {
    const env = veoEnv(sim);
    const { id } = await finishedTask(sim, env);
    const curl = () =>
      run([
        'curl',
        '-s',
        '-f',
        '--noproxy',
        '*',
        '-X',
        'POST',
        `${sim.url}/v1/media/result`,
        '-H',
        `Authorization: ${API_KEY}`,
        '-H',
        'Content-Type: application/json',
        '-d',
        JSON.stringify({ task_id: id }),
      ]);
    // The floor: the same POST from a bare node process with node:http, what any Node CLI pays at least.
    const floor = () =>
      run([node, '-e', NODE_POST, `${sim.url}/v1/media/result`, API_KEY, JSON.stringify({ task_id: id })]);
    const pair = await interleave(
      'result',
      runs.result,
      { baseline: floor, floor: curl, veo: () => run([node, VEO, 'result', id], { env }) },
      sameJournal(env.VEO_CONFIG_DIR),
    );
    timeRow('result', 'result: veo result <id> vs node:http POST', pair, TARGETS.result);
    timeRow('result_curl', '  curl POST vs node:http POST', pair, undefined, 'floor');
  } finally {
    await sim.stop();
  }
}

/**
 * A `before` for interleave(): every run starts from the config folder (journal included) as it is now, so that
 * what one run writes (a journal line, a compaction) does not change the work of the next.
 */
export function sameJournal(configDir) {
  const snapshot = `${configDir}.snapshot`;
  rmSync(snapshot, { recursive: true, force: true });
  cpSync(configDir, snapshot, { recursive: true, preserveTimestamps: true });
  const journal = join(configDir, 'journal.jsonl');
  const before = statSync(journal, { throwIfNoEntry: false });
  return async () => {
    // The journal is cut back in place rather than copied: its summary is valid only for this very file (inode
    // and birth time), and a copy would make every run rebuild it, which no user's run does.
    const now = statSync(journal, { throwIfNoEntry: false });
    const inPlace = before !== undefined && now !== undefined && now.ino === before.ino && now.size >= before.size;
    if (inPlace) truncateSync(journal, before.size);
    for (const name of readdirSync(snapshot)) {
      if (inPlace && name === 'journal.jsonl') continue;
      rmSync(join(configDir, name), { recursive: true, force: true });
      cpSync(join(snapshot, name), join(configDir, name), { recursive: true, preserveTimestamps: true });
    }
    for (const name of readdirSync(configDir)) {
      if (!existsSync(join(snapshot, name))) rmSync(join(configDir, name), { recursive: true, force: true });
    }
  };
}

export function mib(bytes) {
  return `${bytes / MiB} MiB`;
}

/** Interleaved downloads of one size; wall time of each side, and peak RSS where it can be taken. */
export async function downloadsAt(bytes) {
  const sim = await startSim(['--video-bytes', String(bytes)]);
  try {
    const env = veoEnv(sim);
    const { id, videoUrl } = await finishedTask(sim, env);
    const veoOut = join(work, 'x.mp4');
    const curlOut = join(work, 'curl.mp4');
    const timeoutMs = 10 * 60_000;
    const check = (file) => (result) => {
      const size = statSize(file);
      if (size !== bytes) throw new Error(`${file} has ${size} bytes, expected ${bytes}`);
      return result;
    };
    const floorOut = join(work, 'floor.mp4');
    const pair = await interleave(
      `download ${mib(bytes)}`,
      runs.download,
      {
        baseline: () =>
          runWithRss(['curl', '-s', '-f', '--noproxy', '*', '-o', curlOut, videoUrl], { env, timeoutMs }).then(
            check(curlOut),
          ),
        floor: () =>
          runWithRss([node, '-e', NODE_GET, videoUrl, floorOut], { veoChild: true, env, timeoutMs }).then(
            check(floorOut),
          ),
        veo: () =>
          runWithRss([node, VEO, 'download', id, '-o', veoOut, '--force'], { veoChild: true, env, timeoutMs }).then(
            check(veoOut),
          ),
      },
      // Each run writes a new file, as a real download does, and the previous one does not crowd the page cache.
      async () => {
        rmSync(veoOut, { force: true });
        rmSync(`${veoOut}.part`, { force: true });
        rmSync(curlOut, { force: true });
        rmSync(floorOut, { force: true });
      },
    );
    return pair;
  } finally {
    await sim.stop();
  }
}

export function statSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}

export async function benchDownload() {
  // The large size is the one the wall-time target is about; the small one gives the RSS comparison point.
  const small = await downloadsAt(sizes.small);
  const large = await downloadsAt(sizes.large);
  // The small size is mostly start-up: shown, the target is about the large one.
  timeRow('download_small', `download ${mib(sizes.small)}: veo vs curl`, small, undefined);
  timeRow('download', `download ${mib(sizes.large)}: veo vs curl`, large, TARGETS.download);
  timeRow('download_floor', '  node floor: node:http -> file vs curl', large, undefined, 'floor');
  // Peak RSS: the baseline column is curl's, for scale.
  const rssSmall = rssRow('rss_small', `peak RSS, ${mib(sizes.small)} (baseline: curl)`, small);
  const rssLarge = rssRow('rss_large', `peak RSS, ${mib(sizes.large)} (baseline: curl)`, large);
  const growth = rssSmall === undefined || rssLarge === undefined ? undefined : rssLarge - rssSmall;
  addRow('rss_growth', {
    measurement: `peak RSS growth ${mib(sizes.small)} -> ${mib(sizes.large)}`,
    unit: 'MB',
    veo: growth,
    baseline: undefined,
    ratio: undefined,
    target: `<= ${TARGETS.rssGrowthMB} MB`,
    pass: growth === undefined ? undefined : Math.abs(growth) <= TARGETS.rssGrowthMB,
  });
}
