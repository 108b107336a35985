// @ts-check
// Running commands for the bench: the preconditions, timing and peak RSS of one child, interleaved pairs, and the
// cleanup that kills every child and removes the temp folder whatever happens.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log, opts, root, usageError } from './options.js';

// --- preconditions -------------------------------------------------------------------------------------------

for (const file of ['dist/cli.cjs', 'dist/veo.cjs', 'dist/sim/main.js']) {
  if (!existsSync(join(root, file))) {
    process.stderr.write(
      `bench: ${file} is missing: dist/ is not built. Run \`npm ci\` (or \`npm run build\`) first.\n`,
    );
    process.exit(1);
  }
}
export const curlCheck = spawnSync('curl', ['--version'], { stdio: 'ignore' });
if (curlCheck.error || curlCheck.status !== 0) {
  process.stderr.write('bench: curl is needed for the baselines and was not found on PATH.\n');
  process.exit(1);
}

export const GNU_TIME = '/usr/bin/time';
export function gnuTimeWorks() {
  if (!existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ['-f', '%M', process.execPath, '-e', '0'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr ?? '');
}
export const rssVia = opts.rssVia === 'auto' ? (gnuTimeWorks() ? 'time' : 'preload') : opts.rssVia;
if (rssVia === 'time' && !gnuTimeWorks()) usageError(`--rss-via time: ${GNU_TIME} is missing or not GNU time`);

// The fallback: the veo child itself writes its high-water RSS (KiB on Linux) when it exits.
export const PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    "import{writeFileSync}from'node:fs';const f=process.env.VEO_BENCH_RSS_FILE;" +
      'process.on("exit",()=>{try{writeFileSync(f,String(process.resourceUsage().maxRSS))}catch{}});',
  );

// The floors: what a bare Node process needs for the same request, with node:http and nothing else.
export const NODE_POST =
  "const [u,k,b]=process.argv.slice(1);const q=require('node:http').request(u,{method:'POST',headers:" +
  "{authorization:k,'content-type':'application/json','content-length':Buffer.byteLength(b)}},(r)=>{" +
  "r.resume();r.on('end',()=>{process.exitCode=r.statusCode===200?0:1})});q.on('error',(e)=>{throw e});q.end(b)";
export const NODE_GET =
  "const [u,f]=process.argv.slice(1);require('node:http').get(u,(r)=>{if(r.statusCode!==200)process.exit(1);" +
  "require('node:stream').pipeline(r,require('node:fs').createWriteStream(f,{highWaterMark:1<<20}),(e)=>{if(e)throw e})}).on('error',(e)=>{throw e})";

// --- cleanup: the sims die and the temp folder goes, whatever happens ----------------------------------------

export const work = mkdtempSync(join(tmpdir(), 'veo-bench-'));
export const live = new Set(); // child processes to kill on the way out
export let cleanedUp = false;
export function cleanup() {
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
export const baseEnv = { ...process.env };
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) {
  delete baseEnv[name];
}
baseEnv.NO_PROXY = baseEnv.no_proxy = '*';

/**
 * Runs one command to its end. The wall time is process.hrtime around spawn -> exit; stdout goes to /dev/null,
 * stderr is kept (the last 8 KiB) to explain a failure.
 * @param {string[]} argv
 * @param {{ env?: NodeJS.ProcessEnv, timeoutMs?: number, stdout?: 'ignore' | 'pipe' }} [options]
 * @returns {Promise<{ ms: number, stdout: string, stderr: string }>}
 */
export async function run(argv, { env = baseEnv, timeoutMs = 120_000, stdout = 'ignore' } = {}) {
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

/**
 * Like run(), and also the peak RSS in KiB (undefined when it cannot be taken).
 * @param {string[]} argv
 * @param {{ veoChild?: boolean, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 */
export async function runWithRss(argv, { veoChild = false, env = baseEnv, timeoutMs } = {}) {
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

export function median(values) {
  const sorted = values.filter((v) => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One untimed warm-up each, then baseline, floor (if any) and veo in turn, `n` times. `before` runs untimed
 * ahead of every single run (e.g. removing the previous output file).
 * @template T
 * @param {string} label
 * @param {number} n
 * @param {{ baseline: () => Promise<T>, veo: () => Promise<T>, floor?: () => Promise<T> }} sides
 * @param {() => Promise<void>} [before]
 * @returns {Promise<{ base: T[], veo: T[], floor: T[] | undefined }>}
 */
export async function interleave(label, n, { baseline, veo, floor }, before = async () => {}) {
  /** @type {['base' | 'floor' | 'veo', (() => Promise<T>) | undefined][]} */
  const all = [
    ['base', baseline],
    ['floor', floor],
    ['veo', veo],
  ];
  const sides = /** @type {['base' | 'floor' | 'veo', () => Promise<T>][]} */ (all.filter(([, fn]) => fn));
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
