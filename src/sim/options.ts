import type { ResolvedSimOptions, SimOptionsPatch } from './types.js';

export const DEFAULT_FAIL_REASON = 'Content moderation: the prompt was rejected by the safety filter.';

export const DEFAULT_OPTIONS: Readonly<ResolvedSimOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  filePort: 0,
  taskMs: 3000,
  failPattern: null,
  failReason: DEFAULT_FAIL_REASON,
  wrongKey: 'shds-wrong-key',
  videoBytes: null,
  linkTtlMs: 48 * 60 * 60 * 1000,
  balance: 1000,
  creditLimit: 0,
  prices: null,
});

const KNOWN_KEYS = new Set(Object.keys(DEFAULT_OPTIONS));

/** Keys that name sockets already bound, so they only make sense before start. */
const START_ONLY_KEYS = new Set(['host', 'port', 'filePort']);

function fail(message: string): never {
  throw new TypeError(`veo-sim options: ${message}`);
}

function finiteNumber(key: string, value: unknown, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    fail(`${key} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function port(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    fail(`${key} must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return value;
}

function text(key: string, value: unknown, allowEmpty: boolean): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    fail(`${key} must be a ${allowEmpty ? '' : 'non-empty '}string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Applies a patch (possibly straight from JSON, hence `unknown`) on top of `base` and returns the new options,
 * leaving `base` untouched so that a bad patch changes nothing.
 */
export function applyOptions(base: ResolvedSimOptions, patch: unknown, running: boolean): ResolvedSimOptions {
  if (patch === undefined || patch === null) return { ...base };
  if (typeof patch !== 'object' || Array.isArray(patch)) fail('expected an object of options');
  const next: ResolvedSimOptions = { ...base };
  for (const [key, raw] of Object.entries(patch as SimOptionsPatch)) {
    if (!KNOWN_KEYS.has(key)) fail(`unknown option "${key}"`);
    const k = key as keyof ResolvedSimOptions;
    if (running && START_ONLY_KEYS.has(key)) {
      if (raw === undefined || raw === null || raw === base[k]) continue;
      fail(`${key} cannot change while the simulator runs`);
    }
    if (raw === undefined || raw === null) {
      (next as unknown as Record<string, unknown>)[k] = DEFAULT_OPTIONS[k];
      continue;
    }
    switch (k) {
      case 'host':
        next.host = text(key, raw, false);
        break;
      case 'port':
      case 'filePort':
        next[k] = port(key, raw);
        break;
      case 'taskMs':
      case 'linkTtlMs':
        next[k] = finiteNumber(key, raw, 0);
        break;
      case 'balance':
      case 'creditLimit':
        next[k] = finiteNumber(key, raw);
        break;
      case 'videoBytes': {
        const n = finiteNumber(key, raw, 0);
        if (!Number.isSafeInteger(n)) fail(`videoBytes must be a whole number of bytes, got ${n}`);
        next.videoBytes = n;
        break;
      }
      case 'failPattern': {
        const source = text(key, raw, false);
        try {
          new RegExp(source);
        } catch (error) {
          fail(`failPattern is not a valid RegExp: ${(error as Error).message}`);
        }
        next.failPattern = source;
        break;
      }
      case 'failReason':
        next.failReason = text(key, raw, false);
        break;
      case 'wrongKey':
        next.wrongKey = text(key, raw, false);
        break;
      case 'prices': {
        if (typeof raw !== 'object' || Array.isArray(raw)) fail('prices must be an object of model id to rubles');
        const prices: Record<string, number> = {};
        for (const [id, price] of Object.entries(raw)) prices[id] = finiteNumber(`prices.${id}`, price, 0);
        next.prices = prices;
        break;
      }
    }
  }
  return next;
}
