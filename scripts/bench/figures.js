// @ts-check
// The figures collected: one row per measurement, shared by the table and --json.
import { TARGETS, runs, sizes } from './options.js';
import { median, rssVia } from './runner.js';

export const node = process.execPath;
export const rows = [];
export const figures = { runs, sizes, rssVia, measurements: {} };

export function addRow(key, row) {
  rows.push(row);
  figures.measurements[key] = row;
}

/** A row of wall-time medians; `side` picks what stands in the veo column (the node floor for info rows). */
export function timeRow(key, measurement, pair, target, side = 'veo') {
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

export function round(value, digits = 1) {
  return value === undefined ? undefined : Math.round(value * 10 ** digits) / 10 ** digits;
}

export const MB = 1e6;
export function rssRow(key, measurement, pair) {
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
