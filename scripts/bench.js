#!/usr/bin/env node
// @ts-check
// `npm run bench`: how veo compares with the floor it cannot beat, on this machine, as ratios of medians.
//   start-up      `veo --version` and `veo --help`       against bare `node -e 0`
//   result        `veo result <id>`                      against the same POST made by bare node with node:http
//   download      `veo download <id> -o x.mp4 --force`   against `curl -s -o x.mp4 <video url>`
//   peak RSS      of that download, at a small and a large size, and how much it grows between them
//   journal       `veo create`, `veo result`, `veo wait` and `veo list --limit 20` with 100,000 tasks in the
//                 journal against the same commands with an empty one; list also as an absolute time; the
//                 completion callback's `veo __complete tasks` likewise
//   saved         `veo create <prompt> -o x.mp4`: from the task turning done to veo exiting with the file saved
//   batch         `veo batch` of many prompts against ceil(items / concurrency) x the task time
// Every pair is run interleaved (baseline, veo, baseline, veo, ...) so machine noise hits both alike, after one
// untimed warm-up each. Everything runs against a veo-sim started here on 127.0.0.1; nothing leaves the machine.
// Node built-ins only; the pieces live in scripts/bench/.
import { TARGETS, log, opts } from './bench/options.js';
import { cleanup, work } from './bench/runner.js';
import { figures, round } from './bench/figures.js';
import { benchDownload, benchResult, benchStartup } from './bench/groups.js';
import { benchJournal } from './bench/journal.js';
import { benchBatch, benchSaved } from './bench/flow.js';
import { machine, table } from './bench/report.js';

async function main() {
  const started = process.hrtime.bigint();
  const machineInfo = machine();
  log(`${opts.quick ? 'quick' : 'full'} run in ${work}`);
  const wanted = (group) => opts.only === undefined || opts.only.has(group);
  if (wanted('startup')) await benchStartup();
  if (wanted('result')) await benchResult();
  if (wanted('download')) await benchDownload();
  if (wanted('journal')) await benchJournal();
  if (wanted('saved')) await benchSaved();
  if (wanted('batch')) await benchBatch();
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
