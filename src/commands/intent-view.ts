import type { CreateIntent } from '../store/journal.js';
import { liveness } from '../store/process-identity.js';

export type IntentView = 'creating' | 'unconfirmed';

/** A create still on its way in a live process, or one whose answer will never come. */
export function intentView(intent: CreateIntent): IntentView {
  if (intent.state !== 'sending' || intent.owner === undefined) return 'unconfirmed';
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
