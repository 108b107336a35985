#!/usr/bin/env node
// `npm run bench`: how veo compares with the floor it cannot beat, on this machine, as ratios of medians.
//   start-up      `veo --version` and `veo --help`       against bare `node -e 0`
//   result        `veo result <id>`                      against the same POST made with curl
//   download      `veo download <id> -o x.mp4 --force`   against `curl -s -o x.mp4 <video url>`
//   peak RSS      of that download, at a small and a large size, and how much it grows between them
//   journal       `veo create`, `veo result`, `veo wait` and `veo list --limit 20` with 100,000 tasks in the
//                 journal against the same commands with an empty one; list also as an absolute time
// Every pair is run interleaved (baseline, veo, baseline, veo, ...) so machine noise hits both alike, after one
// untimed warm-up each. Everything runs against a veo-sim started here on 127.0.0.1; nothing leaves the machine.
// Node built-ins only.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VEO = join(root, 'bin', 'veo.js');
const SIM = join(root, 'bin', 'veo-sim.js');
const API_KEY = 'shds-bench-key-0000';
const MiB = 1024 * 1024;

const TARGETS = {
  startup: 1.2, // at most 1.2x bare node
  result: 1.5, // at most 1.5x curl
  download: 1.25, // at most 1.25x curl
  rssMB: 150, // peak RSS under 150 MB
  rssGrowthMB: 10, // within 10 MB between the small and the large download
  journal: 1.2, // create, result and wait with 100,000 tasks journaled: at most 1.2x an empty journal
  listMs: 500, // veo list --limit 20 with 100,000 tasks journaled: under 0.5 s
};
const JOURNAL_TASKS = 100_000;

const HELP = `Usage: npm run bench -- [options]    (or: node scripts/bench.js [options])

Measures veo against bare node and curl, as ratios of medians of interleaved runs, using a veo-sim started
on 127.0.0.1. Needs dist/ (built by npm ci or npm run build) and curl.

Options:
  --runs N          repetitions for every measurement (default: 15 start-up, 15 result, 3 per download)
  --quick           a fast smoke run: 5 start-up, 5 result, 1 download each, 64 MiB instead of 512 MiB
                    (peak RSS compared between 16 MiB and 64 MiB)
  --json            print the figures as JSON instead of the table
  --only WHAT       run only some groups: a comma-separated list of startup, result, download, journal
  --rss-via WAY     how peak RSS is taken: auto (default), time (/usr/bin/time -f %M), preload (a tiny --import
                    in the veo child that writes process.resourceUsage().maxRSS at exit), none
  -h, --help        show this help

Targets: start-up <= ${TARGETS.startup}x node; result <= ${TARGETS.result}x curl; download <= ${TARGETS.download}x curl;
peak RSS < ${TARGETS.rssMB} MB, and within ${TARGETS.rssGrowthMB} MB between the small and the large download;
with ${JOURNAL_TASKS.toLocaleString('en')} tasks journaled, create, result and wait <= ${TARGETS.journal}x their time with an empty
journal, and list --limit 20 under ${TARGETS.listMs} ms.
`;

function usageError(message) {
  process.stderr.write(`bench: ${message}\n\n${HELP}`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { runs: undefined, quick: false, json: false, rssVia: 'auto', only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const inline = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined;
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) usageError(`${arg} needs a value`);
      return argv[++i];
    };
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (name === '--runs') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) usageError('--runs must be a whole number >= 1');
      opts.runs = n;
    } else if (name === '--quick') opts.quick = true;
    else if (name === '--json') opts.json = true;
    else if (name === '--rss-via') {
      opts.rssVia = value();
      if (!['auto', 'time', 'preload', 'none'].includes(opts.rssVia))
        usageError('--rss-via: auto, time, preload or none');
    } else if (name === '--only') {
      opts.only = new Set(value().split(','));
      for (const group of opts.only)
        if (!['startup', 'result', 'download', 'journal'].includes(group)) usageError(`--only: unknown group ${group}`);
    } else if (name === '-h' || name === '--help') {
      process.stdout.write(HELP);
      process.exit(0);
    } else usageError(`unknown option ${arg}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const runs = {
  startup: opts.runs ?? (opts.quick ? 5 : 15),
  result: opts.runs ?? (opts.quick ? 5 : 15),
  download: opts.runs ?? (opts.quick ? 1 : 3),
  journal: opts.runs ?? (opts.quick ? 5 : 15),
};
const sizes = opts.quick ? { small: 16 * MiB, large: 64 * MiB } : { small: 64 * MiB, large: 512 * MiB };

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

// --- preconditions -------------------------------------------------------------------------------------------

for (const file of ['dist/cli.js', 'dist/main.js', 'dist/sim/main.js']) {
  if (!existsSync(join(root, file))) {
    process.stderr.write(
      `bench: ${file} is missing: dist/ is not built. Run \`npm ci\` (or \`npm run build\`) first.\n`,
    );
    process.exit(1);
  }
}
const curlCheck = spawnSync('curl', ['--version'], { stdio: 'ignore' });
if (curlCheck.error || curlCheck.status !== 0) {
  process.stderr.write('bench: curl is needed for the baselines and was not found on PATH.\n');
  process.exit(1);
}

const GNU_TIME = '/usr/bin/time';
function gnuTimeWorks() {
  if (!existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ['-f', '%M', process.execPath, '-e', '0'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr ?? '');
}
const rssVia = opts.rssVia === 'auto' ? (gnuTimeWorks() ? 'time' : 'preload') : opts.rssVia;
if (rssVia === 'time' && !gnuTimeWorks()) usageError(`--rss-via time: ${GNU_TIME} is missing or not GNU time`);

// The fallback: the veo child itself writes its high-water RSS (KiB on Linux) when it exits.
const PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    "import{writeFileSync}from'node:fs';const f=process.env.VEO_BENCH_RSS_FILE;" +
      'process.on("exit",()=>{try{writeFileSync(f,String(process.resourceUsage().maxRSS))}catch{}});',
  );

// The floors: what a bare Node process needs for the same request, with node:http and nothing else.
const NODE_POST =
  "const [u,k,b]=process.argv.slice(1);const q=require('node:http').request(u,{method:'POST',headers:" +
  "{authorization:k,'content-type':'application/json','content-length':Buffer.byteLength(b)}},(r)=>{" +
  "r.resume();r.on('end',()=>{process.exitCode=r.statusCode===200?0:1})});q.on('error',(e)=>{throw e});q.end(b)";
const NODE_GET =
  "const [u,f]=process.argv.slice(1);require('node:http').get(u,(r)=>{if(r.statusCode!==200)process.exit(1);" +
  "require('node:stream').pipeline(r,require('node:fs').createWriteStream(f),(e)=>{if(e)throw e})}).on('error',(e)=>{throw e})";

// --- cleanup: the sims die and the temp folder goes, whatever happens ----------------------------------------

const work = mkdtempSync(join(tmpdir(), 'veo-bench-'));
const live = new Set(); // child processes to kill on the way out
let cleanedUp = false;
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
process.on('exit', cleanup);

// --- running things ------------------------------------------------------------------------------------------

// Only loopback traffic: no proxy may be in the way of either side.
const baseEnv = { ...process.env };
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) {
  delete baseEnv[name];
}
baseEnv.NO_PROXY = baseEnv.no_proxy = '*';

/**
 * Runs one command to its end. The wall time is process.hrtime around spawn -> exit; stdout goes to /dev/null,
 * stderr is kept (the last 8 KiB) to explain a failure.
 */
async function run(argv, { env = baseEnv, timeoutMs = 120_000, stdout = 'ignore' } = {}) {
  const started = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', stdout, 'pipe'] });
  live.add(child);
  let err = '';
  let out = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => (err = (err + text).slice(-8192)));
  if (child.stdout) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => (out += text));
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await once(child, 'exit');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearTimeout(timer);
  live.delete(child);
  if (child.stdio[2] && !child.stdio[2].readableEnded) await once(child.stdio[2], 'end').catch(() => undefined);
  if (code !== 0) {
    throw new Error(`${argv.join(' ')} failed (${signal ?? `exit ${code}`}):\n${err.trim()}`);
  }
  return { ms, stdout: out, stderr: err };
}

/** Like run(), and also the peak RSS in KiB (undefined when it cannot be taken). */
async function runWithRss(argv, { veoChild = false, env = baseEnv, timeoutMs } = {}) {
  if (rssVia === 'time') {
    const file = join(work, 'rss.txt');
    rmSync(file, { force: true });
    const result = await run([GNU_TIME, '-f', '%M', '-o', file, ...argv], { env, timeoutMs });
    return { ...result, rssKiB: Number(readFileSync(file, 'utf8').trim()) };
  }
  if (rssVia === 'preload' && veoChild) {
    const file = join(work, 'rss.txt');
    rmSync(file, { force: true });
    const [node, ...rest] = argv;
    const result = await run([node, '--import', PRELOAD, ...rest], {
      env: { ...env, VEO_BENCH_RSS_FILE: file },
      timeoutMs,
    });
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    return { ...result, rssKiB: text ? Number(text) : undefined };
  }
  return { ...(await run(argv, { env, timeoutMs })), rssKiB: undefined };
}

function median(values) {
  const sorted = values.filter((v) => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One untimed warm-up each, then baseline, floor (if any) and veo in turn, `n` times. `before` runs untimed
 * ahead of every single run (e.g. removing the previous output file).
 */
async function interleave(label, n, { baseline, veo, floor }, before = async () => {}) {
  const sides = [
    ['base', baseline],
    ['floor', floor],
    ['veo', veo],
  ].filter(([, fn]) => fn);
  log(`${label}: warm-up`);
  for (const [, fn] of sides) {
    await before();
    await fn();
  }
  const results = { base: [], veo: [], floor: floor ? [] : undefined };
  for (let i = 0; i < n; i++) {
    for (const [key, fn] of sides) {
      await before();
      results[key].push(await fn());
    }
  }
  log(`${label}: ${n} runs each done`);
  return results;
}

// --- the simulator -------------------------------------------------------------------------------------------

async function startSim(extra) {
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

let configSeq = 0;
function veoEnv(sim) {
  return {
    ...baseEnv,
    GPTUNNEL_BASE_URL: sim.url,
    GPTUNNEL_API_KEY: API_KEY,
    VEO_CONFIG_DIR: join(work, `config-${++configSeq}`),
  };
}

/** Creates a task with `veo create "bench"` and waits for it with `veo wait`; returns its id and video url. */
async function finishedTask(sim, env) {
  const id = (await run([process.execPath, VEO, 'create', 'bench'], { env, stdout: 'pipe' })).stdout.trim();
  if (!/^[0-9a-f]{24}$/.test(id)) throw new Error(`veo create printed an unexpected id: ${JSON.stringify(id)}`);
  await run([process.execPath, VEO, 'wait', id, '--interval', '0.1'], { env });
  const task = JSON.parse((await run([process.execPath, VEO, 'result', id, '--json'], { env, stdout: 'pipe' })).stdout);
  if (task.status !== 'done' || typeof task.url !== 'string') throw new Error(`task ${id} is not done: ${task.status}`);
  const videoUrl = new URL(task.url);
  if (videoUrl.hostname !== '127.0.0.1') throw new Error(`the video URL is not on loopback: ${task.url}`);
  return { id, videoUrl: task.url };
}

// --- the measurements ----------------------------------------------------------------------------------------

const node = process.execPath;
const rows = [];
const figures = { runs, sizes, rssVia, measurements: {} };

function addRow(key, row) {
  rows.push(row);
  figures.measurements[key] = row;
}

/** A row of wall-time medians; `side` picks what stands in the veo column (the node floor for info rows). */
function timeRow(key, measurement, pair, target, side = 'veo') {
  const veo = median(pair[side].map((r) => r.ms));
  const base = median(pair.base.map((r) => r.ms));
  const ratio = veo / base;
  addRow(key, {
    measurement,
    unit: 'ms',
    veo,
    baseline: base,
    ratio,
    target: target === undefined ? 'info' : `<= ${target}x`,
    pass: target === undefined ? undefined : ratio <= target,
    samples: { [side]: pair[side].map((r) => round(r.ms)), baseline: pair.base.map((r) => round(r.ms)) },
  });
}

function round(value, digits = 1) {
  return value === undefined ? undefined : Math.round(value * 10 ** digits) / 10 ** digits;
}

async function benchStartup() {
  const bare = () => run([node, '-e', '0']);
  for (const flag of ['--version', '--help']) {
    const pair = await interleave(`start-up veo ${flag}`, runs.startup, {
      baseline: bare,
      veo: () => run([node, VEO, flag]),
    });
    timeRow(`startup${flag.replace('--', '_')}`, `start-up: veo ${flag} vs node -e 0`, pair, TARGETS.startup);
  }
}

async function benchResult() {
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
    const pair = await interleave('result', runs.result, {
      baseline: curl,
      floor,
      veo: () => run([node, VEO, 'result', id], { env }),
    });
    timeRow('result', 'result: veo result <id> vs curl POST', pair, TARGETS.result);
    timeRow('result_floor', '  node floor: node:http POST vs curl', pair, undefined, 'floor');
  } finally {
    await sim.stop();
  }
}

function mib(bytes) {
  return `${bytes / MiB} MiB`;
}

/** Interleaved downloads of one size; wall time of each side, and peak RSS where it can be taken. */
async function downloadsAt(bytes) {
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

function statSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}

const MB = 1e6;
function rssRow(key, measurement, pair) {
  const veoKiB = median(pair.veo.map((r) => r.rssKiB));
  const baseKiB = median(pair.base.map((r) => r.rssKiB));
  const veo = veoKiB === undefined ? undefined : (veoKiB * 1024) / MB;
  const base = baseKiB === undefined ? undefined : (baseKiB * 1024) / MB;
  addRow(key, {
    measurement,
    unit: 'MB',
    veo,
    baseline: base,
    ratio: veo !== undefined && base !== undefined ? veo / base : undefined,
    target: `< ${TARGETS.rssMB} MB`,
    pass: veo === undefined ? undefined : veo < TARGETS.rssMB,
    samples: {
      veo: pair.veo.map((r) => round(r.rssKiB && (r.rssKiB * 1024) / MB)),
      baseline: pair.base.map((r) => round(r.rssKiB && (r.rssKiB * 1024) / MB)),
    },
  });
  return veo;
}

async function benchDownload() {
  // The large size is the one the wall-time target is about; the small one gives the RSS comparison point.
  const small = await downloadsAt(sizes.small);
  const large = await downloadsAt(sizes.large);
  timeRow('download_small', `download ${mib(sizes.small)}: veo vs curl`, small, TARGETS.download);
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

async function benchJournal() {
  // Every timed create is paid for in the simulator: a balance for all of them.
  const sim = await startSim(['--balance', '1000000']);
  try {
    const empty = veoEnv(sim);
    const full = veoEnv(sim);
    writeJournal(full.VEO_CONFIG_DIR, JOURNAL_TASKS);
    const { id } = await finishedTask(sim, empty);
    const veo =
      (env, ...args) =>
      () =>
        run([node, VEO, ...args], { env });
    const rowsFor = [
      ['create', ['create', 'bench']],
      ['result', ['result', id]],
      ['wait', ['wait', id, '--interval', '0.1']],
    ];
    for (const [name, args] of rowsFor) {
      const pair = await interleave(`journal ${name}`, runs.journal, {
        baseline: veo(empty, ...args),
        veo: veo(full, ...args),
      });
      timeRow(`journal_${name}`, `${name}: ${JOURNAL_TASKS / 1000}k journaled vs empty`, pair, TARGETS.journal);
    }
    const list = await interleave('journal list --limit 20', runs.journal, {
      baseline: veo(empty, 'list', '--limit', '20'),
      veo: veo(full, 'list', '--limit', '20'),
    });
    timeRow('journal_list_ratio', `  list --limit 20: ${JOURNAL_TASKS / 1000}k journaled vs empty`, list, undefined);
    const ms = median(list.veo.map((r) => r.ms));
    addRow('journal_list', {
      measurement: `list --limit 20, ${JOURNAL_TASKS / 1000}k journaled (absolute)`,
      unit: 'ms',
      veo: ms,
      baseline: undefined,
      ratio: undefined,
      target: `< ${TARGETS.listMs} ms`,
      pass: ms < TARGETS.listMs,
      samples: { veo: list.veo.map((r) => round(r.ms)) },
    });
  } finally {
    await sim.stop();
  }
}

/**
 * A journal of `count` tasks as veo leaves it after compaction, one line per task: created over the past months,
 * finished, mostly saved, a few failed. Written directly, so the first veo command also builds its summary (in
 * the untimed warm-up).
 */
function writeJournal(dir, count) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const start = Date.now() - 90 * 24 * 3600 * 1000;
  const step = Math.floor((90 * 24 * 3600 * 1000 - 3600 * 1000) / count);
  const lines = [];
  for (let i = 0; i < count; i++) {
    const created = start + i * step;
    const id =
      Math.floor(created / 1000)
        .toString(16)
        .padStart(8, '0') + i.toString(16).padStart(16, '0');
    const failed = i % 50 === 7;
    const doneAt = new Date(created + 90_000).toISOString();
    const fields = failed
      ? { status: 'failed', url: null, reason: 'the prompt was rejected by moderation' }
      : {
          status: 'done',
          url: `https://storage.example/predication/${id}_result.mp4`,
          doneAt,
          expiresAt: new Date(created + 90_000 + 48 * 3600 * 1000).toISOString(),
          ...(i % 10 === 3
            ? {}
            : {
                savedPath: `/home/someone/videos/clip-${i}.mp4`,
                bytes: 2_400_000 + i,
                sha256: id.repeat(3).slice(0, 64),
              }),
        };
    lines.push(
      JSON.stringify({
        id,
        at: created + 120_000,
        createdAt: new Date(created).toISOString(),
        model: 'glabs-veo-3-1-fast',
        prompt: `a red fox running through fresh snow at dawn, cinematic, shot ${i}`,
        params: { ar: '16:9' },
        ...fields,
        intent: i.toString(16).padStart(16, '0'),
      }),
    );
  }
  writeFileSync(join(dir, 'journal.jsonl'), `${lines.join('\n')}\n`, { mode: 0o600 });
}

// --- output --------------------------------------------------------------------------------------------------

function machine() {
  let cpu = 'unknown CPU';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
  } catch {
    cpu = cpus()[0]?.model ?? cpu;
  }
  return { cpu, cores: cpus().length, node: process.version, date: new Date().toISOString() };
}

function format(value, unit) {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (unit === 'ms') return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
  return `${value.toFixed(1)} ${unit}`;
}

function table(machineInfo, tookMs) {
  const header = ['measurement', 'veo', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((row) => [
    row.measurement,
    format(row.veo, row.unit),
    format(row.baseline, row.unit),
    row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x`,
    row.target,
    row.target === 'info' ? '' : row.pass === undefined ? 'n/a' : row.pass ? 'pass' : 'MISS',
  ]);
  const widths = header.map((_, i) => Math.max(header[i].length, ...body.map((cells) => cells[i].length)));
  const right = new Set([1, 2, 3]);
  const line = (cells) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const m = machineInfo;
  return [
    `machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, ${m.date}`,
    `runs: ${runs.startup} start-up, ${runs.result} result, ${runs.download} per download size, ${runs.journal} per ` +
      `journal command (medians, interleaved); ` +
      `peak RSS via ${rssVia === 'time' ? '/usr/bin/time -f %M' : rssVia}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `took ${(tookMs / 1000).toFixed(1)} s`,
    '',
  ].join('\n');
}

async function main() {
  const started = process.hrtime.bigint();
  const machineInfo = machine();
  log(`${opts.quick ? 'quick' : 'full'} run in ${work}`);
  const wanted = (group) => opts.only === undefined || opts.only.has(group);
  if (wanted('startup')) await benchStartup();
  if (wanted('result')) await benchResult();
  if (wanted('download')) await benchDownload();
  if (wanted('journal')) await benchJournal();
  const tookMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (opts.json) {
    const out = { machine: machineInfo, ...figures, targets: TARGETS, tookMs: round(tookMs, 0) };
    for (const row of Object.values(out.measurements)) {
      for (const field of ['veo', 'baseline']) row[field] = round(row[field], 2);
      row.ratio = round(row.ratio, 3);
    }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(table(machineInfo, tookMs));
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  cleanup();
}
