import type { CreateIntent } from '../store/journal.js';
import { liveness } from '../core/process-identity.js';

export type IntentView = 'creating' | 'unconfirmed';

/**
 * No create request lives longer than this, retries of a connection that was never made included: an intent
 * still "sending" after it is unconfirmed, whatever its process is doing (or whether it can be seen from here).
 */
export const LONGEST_CREATE_MS = 10 * 60_000;

/** A create still on its way in a live process, or one whose answer will never come. */
export function intentView(intent: CreateIntent, now = Date.now()): IntentView {
  if (intent.state !== 'sending' || intent.owner === undefined) return 'unconfirmed';
  // A start in the future (a clock stepped back since) is judged by its distance all the same.
  if (Math.abs(now - intentStartedMs(intent)) > LONGEST_CREATE_MS) return 'unconfirmed';
  return liveness(intent.owner) === 'dead' ? 'unconfirmed' : 'creating';
}

export function intentStartedMs(intent: CreateIntent): number {
  const ms = intent.startedAt === undefined ? Number.NaN : Date.parse(intent.startedAt);
  return Number.isNaN(ms) ? Date.parse(intent.updatedAt) : ms;
}

/** The `veo list --json` form: no task id, and the state that tells a script why. */
export function intentDocument(intent: CreateIntent): Record<string, unknown> {
  const { owner, ...fields } = intent;
  return { id: null, ...fields, ...(owner ? { pid: owner.pid } : {}), state: intentView(intent) };
}

export function describeIntent(intent: CreateIntent): string {
  if (intentView(intent) === 'creating') return `being created by veo (pid ${intent.owner?.pid ?? '?'})`;
  return 'answer never came: it may exist and be billed; check the dashboard';
}
