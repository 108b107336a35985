// @ts-check
// What a bench run was asked for (runs, sizes, groups), the targets it measures against, and where veo is.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VEO = join(root, 'bin', 'veo.js');
export const SIM = join(root, 'bin', 'veo-sim.js');
export const API_KEY = 'shds-bench-key-0000';
export const MiB = 1024 * 1024;

export const TARGETS = {
  startup: 1.1, // at most 1.1x bare node
  result: 1.6, // at most 1.6x the same POST from bare node with node:http
  download: 2.4, // 512 MiB with .part, SHA-256 and fsync: at most 2.4x curl (64 MiB: shown, start-up dominates)
  rssMB: 150, // peak RSS under 150 MB
  rssGrowthMB: 10, // within 10 MB between the small and the large download
  journal: 1.2, // create, result and wait with 100,000 tasks journaled: at most 1.2x an empty journal
  listMs: 500, // veo list --limit 20 with 100,000 tasks journaled: under 0.5 s
  savedMs: 500, // a video saved within 0.5 s (median) of its task turning done
  batch: 1.1, // veo batch within 1.1x of ceil(items / concurrency) x the task time
};
export const JOURNAL_TASKS = 100_000;

export const HELP = `Usage: npm run bench -- [options]    (or: node scripts/bench.js [options])

Measures veo against bare node and curl, as ratios of medians of interleaved runs, using a veo-sim started
on 127.0.0.1. Needs dist/ (built by npm ci or npm run build) and curl.

Options:
  --runs N          repetitions for every measurement (default: 15 start-up, 15 result, 3 per download)
  --quick           a fast smoke run: 5 start-up, 5 result, 1 download each, 64 MiB instead of 512 MiB
                    (peak RSS compared between 16 MiB and 64 MiB)
  --json            print the figures as JSON instead of the table
  --only WHAT       run only some groups: a comma-separated list of startup, result, download, journal,
                    saved (done to saved), batch (batch vs ideal)
  --rss-via WAY     how peak RSS is taken: auto (default), time (/usr/bin/time -f %M), preload (a tiny --import
                    in the veo child that writes process.resourceUsage().maxRSS at exit), none
  -h, --help        show this help

Targets: start-up <= ${TARGETS.startup}x node; result <= ${TARGETS.result}x the same POST from node with node:http; download of the large size <= ${TARGETS.download}x curl;
peak RSS < ${TARGETS.rssMB} MB, and within ${TARGETS.rssGrowthMB} MB between the small and the large download;
with ${JOURNAL_TASKS.toLocaleString('en')} tasks journaled, create, result and wait <= ${TARGETS.journal}x their time with an empty
journal, and list --limit 20 under ${TARGETS.listMs} ms; a video saved within ${TARGETS.savedMs} ms (median) of its task turning
done, never with two result requests for one task less than 1 s apart; veo batch <= ${TARGETS.batch}x ceil(items / concurrency)
x the task time, for tasks of 3, 3.5 and 20 s. These two start from a journal that has seen one task of the same
length, and take about 2.5 minutes (1 with --quick).
`;

export function usageError(message) {
  process.stderr.write(`bench: ${message}\n\n${HELP}`);
  process.exit(2);
}

export function parseArgs(argv) {
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
        if (!['startup', 'result', 'download', 'journal', 'saved', 'batch'].includes(group))
          usageError(`--only: unknown group ${group}`);
    } else if (name === '-h' || name === '--help') {
      process.stdout.write(HELP);
      process.exit(0);
    } else usageError(`unknown option ${arg}`);
  }
  return opts;
}

export const opts = parseArgs(process.argv.slice(2));
export const runs = {
  startup: opts.runs ?? (opts.quick ? 5 : 15),
  result: opts.runs ?? (opts.quick ? 5 : 15),
  download: opts.runs ?? (opts.quick ? 1 : 3),
  journal: opts.runs ?? (opts.quick ? 5 : 15),
};
export const sizes = opts.quick ? { small: 16 * MiB, large: 64 * MiB } : { small: 64 * MiB, large: 512 * MiB };

export function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}
