import type { ErrorKind } from './errors.js';

/** The one table from error kind to exit code: the public contract scripts rely on. */
export const EXIT_CODES: Record<ErrorKind, number> = {
  internal: 1,
  usage: 2,
  auth: 3,
  account: 4,
  timeout: 5,
  generation: 6,
  network: 7,
  expired: 8,
  budget: 9,
  hook: 10,
  interrupted: 130,
};

export const EXIT_OK = 0;
/** SIGTERM follows the shell convention of 128 + the signal number. */
export const EXIT_TERMINATED = 143;

/** When several items fail differently, the one a user must act on first decides the exit code. */
const SEVERITY: ErrorKind[] = [
  'internal',
  'auth',
  'account',
  'budget',
  'network',
  'usage',
  'hook',
  'expired',
  'generation',
  'timeout',
  'interrupted',
];

export function mostSevere(kinds: ErrorKind[]): ErrorKind | undefined {
  return SEVERITY.find((kind) => kinds.includes(kind));
}
