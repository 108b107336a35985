import { UsageError } from '../core/errors.js';

/**
 * The tuning knobs read from the environment. A value veo cannot use is refused (exit 2) rather than ignored:
 * a script that sets `VEO_RETRY_ATTEMPTS=abc` believes it changed something, and an ignored value hides that it
 * did not. An empty value counts as unset, as shells make it easy to clear a variable that way.
 */
interface Knob {
  name: string;
  accepted: string;
  valid: (value: number) => boolean;
  /** Whole numbers only. */
  whole?: boolean;
}

/** Seven days: longer than any hook should run, and far below the longest delay a timer can hold. */
const MAX_HOOK_TIMEOUT_S = 7 * 24 * 60 * 60;

export const ENV_KNOBS = {
  requestTimeout: { name: 'VEO_REQUEST_TIMEOUT', accepted: 'seconds above 0, such as 30 or 0.5', valid: (v) => v > 0 },
  retryAttempts: {
    name: 'VEO_RETRY_ATTEMPTS',
    accepted: 'a whole number from 1 to 100',
    valid: (v) => v >= 1 && v <= 100,
    whole: true,
  },
  retryBaseMs: {
    name: 'VEO_RETRY_BASE_MS',
    accepted: 'a whole number of milliseconds, 0 or more, in digits only (such as 1000)',
    valid: (v) => v >= 0 && Number.isSafeInteger(v),
    whole: true,
  },
  minIntervalMs: {
    name: 'VEO_MIN_INTERVAL_MS',
    accepted: 'a whole number of milliseconds, 0 or more, in digits only (such as 1000)',
    valid: (v) => v >= 0 && Number.isSafeInteger(v),
    whole: true,
  },
  maxVideoBytes: {
    name: 'VEO_MAX_VIDEO_BYTES',
    accepted: 'a whole number of bytes, 1 or more',
    valid: (v) => v >= 1 && Number.isSafeInteger(v),
    whole: true,
  },
  eventsStuck: {
    name: 'VEO_EVENTS_STUCK_TIMEOUT',
    accepted: 'seconds above 0 and at most 604800 (7 days), such as 10 or 0.5',
    // Its timer, like a hook's, cannot wait past about 24.8 days: Node would fire it at once.
    valid: (v) => v > 0 && v <= MAX_HOOK_TIMEOUT_S,
  },
  hookTimeout: {
    name: 'VEO_HOOK_TIMEOUT',
    accepted: 'seconds above 0 and at most 604800 (7 days), such as 600 or 0.5',
    // A timer cannot wait longer than about 24.8 days: beyond that Node fires it at once and the hook is killed.
    valid: (v) => v > 0 && v <= MAX_HOOK_TIMEOUT_S,
  },
} satisfies Record<string, Knob>;

const DECIMAL = /^\d+(\.\d+)?$/;
const WHOLE = /^\d+$/;

/** The knob's value, undefined when unset; a UsageError naming the variable and what it accepts otherwise. */
export function knobFromEnv(env: NodeJS.ProcessEnv, knob: Knob): number | undefined {
  const raw = env[knob.name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  const value = Number(text);
  if (!(knob.whole ? WHOLE : DECIMAL).test(text) || !Number.isFinite(value) || !knob.valid(value)) {
    throw new UsageError(`${knob.name} is set to "${raw}", which veo cannot use: it takes ${knob.accepted}.`, {
      code: 'BAD_ENVIRONMENT',
      hint: `Fix or unset it: unset ${knob.name}`,
    });
  }
  return value;
}
