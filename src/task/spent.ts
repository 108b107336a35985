// What this machine's journal shows was spent: every task created here (its line names the create intent written
// before it was paid for, and what was asked for) and every create still without an answer, each at the price the service answered, else
// at its model's listed price. Amounts are whole kopecks, so that sums and comparisons with a cap are exact.
import type { CreateIntent, JournalEntry } from '../store/journal.js';
import { createdMs } from '../store/journal-states.js';
import { intentStartedMs } from './intent-state.js';
import { UsageError } from '../core/errors.js';

export type PriceSource = 'service' | 'catalog' | 'unknown';

export interface Spend {
  /** When the create was made (a task) or sent (an unconfirmed create), ms since the epoch. */
  at: number;
  model: string;
  /** Undefined when neither an answer nor the model list tells the price. */
  kopecks: number | undefined;
  from: PriceSource;
  /** A create sent without a known answer (still on its way, or never answered): it may have been billed. */
  unconfirmed: boolean;
  id?: string;
  status?: string;
}

export function toKopecks(rubles: number): number {
  return Math.round(rubles * 100);
}

export function kopecksOf(rubles: number | undefined): number | undefined {
  return rubles === undefined ? undefined : toKopecks(rubles);
}

/** `100`, `49.5`, `49.50`: rubles with at most two decimals, never below zero; anything else is a usage error. */
export function parseRubles(value: string, what: string): number {
  const text = value.trim();
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(text)) {
    throw new UsageError(
      `${what} takes an amount of rubles such as 100 or 49.50 (at least 0, at most two decimals), not "${value}".`,
      { code: 'BAD_AMOUNT' },
    );
  }
  return toKopecks(Number(text));
}

function priced(
  recorded: number | undefined,
  recordedFrom: string | undefined,
  listed: number | undefined,
): Pick<Spend, 'kopecks' | 'from'> {
  if (recorded !== undefined)
    return { kopecks: toKopecks(recorded), from: recordedFrom === 'service' ? 'service' : 'catalog' };
  if (listed !== undefined) return { kopecks: toKopecks(listed), from: 'catalog' };
  return { kopecks: undefined, from: 'unknown' };
}

/**
 * The spends the journal shows. Tasks only looked up here (`veo result` of an id made elsewhere) are not counted; open intents (sending or unconfirmed) are. Failed tasks count: the service bills the create.
 */
export function spendsOf(
  journal: { entries: JournalEntry[]; intents: CreateIntent[] },
  listed: (model: string) => number | undefined,
): Spend[] {
  const spends: Spend[] = [];
  for (const entry of journal.entries) {
    // A create journals its intent and what was asked (params, a batch tag); a task only looked up has neither.
    if (entry.intent === undefined && entry.params === undefined && entry.batch === undefined) continue;
    const model = entry.model ?? '?';
    spends.push({
      at: createdMs(entry),
      model,
      ...priced(entry.price, entry.priceFrom, listed(model)),
      unconfirmed: false,
      id: entry.id,
      ...(entry.status ? { status: entry.status } : {}),
    });
  }
  for (const intent of journal.intents) {
    const model = intent.model ?? '?';
    spends.push({
      at: intentStartedMs(intent),
      model,
      ...priced(intent.price, 'catalog', listed(model)),
      unconfirmed: true,
    });
  }
  return spends.sort((a, b) => a.at - b.at);
}

export function sumKopecks(spends: Spend[]): number {
  return spends.reduce((total, spend) => total + (spend.kopecks ?? 0), 0);
}

export type BudgetPeriod = 'daily' | 'monthly';

/** The calendar day or month holding `now`, in local time: what "today" and "this month" mean to the user. */
export function periodOf(period: BudgetPeriod, now: Date): { start: Date; end: Date } {
  const y = now.getFullYear();
  const m = now.getMonth();
  if (period === 'monthly') return { start: new Date(y, m, 1), end: new Date(y, m + 1, 1) };
  const d = now.getDate();
  return { start: new Date(y, m, d), end: new Date(y, m, d + 1) };
}

/** `2026-11-30 00:00`, in local time. */
export function localMinute(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** `2026-11-30`, the local calendar day. */
export function localDay(ms: number): string {
  return localMinute(new Date(ms)).slice(0, 10);
}
