// @ts-check
// The table printed at the end (--json prints the figures instead).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { runs } from './options.js';
import { rssVia } from './runner.js';
import { rows } from './figures.js';

// --- output --------------------------------------------------------------------------------------------------

export function machine() {
  let cpu = 'unknown CPU';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
  } catch {
    cpu = cpus()[0]?.model ?? cpu;
  }
  return { cpu, cores: cpus().length, node: process.version, date: new Date().toISOString() };
}

export function format(value, unit) {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (unit === 'ms') return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
  return `${value.toFixed(1)} ${unit}`;
}

export function table(machineInfo, tookMs) {
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
