// The caps on spending: --max-cost for one run, and budget.daily / budget.monthly for what this machine's journal
// shows was spent in the current local day or month. Each is checked before anything is paid for; a budget is
// checked under the journal's lock, as the create's intent is written (see createPaidTask).
import { SpendingCapError } from '../core/errors.js';
import type { Context } from '../context.js';
import { counted } from '../ui/text-format.js';
import { formatRubles } from './pricing.js';
import {
  kopecksOf,
  localMinute,
  parseRubles,
  periodOf,
  spendsOf,
  sumKopecks,
  type BudgetPeriod,
  type Spend,
} from './spent.js';

export const BUDGET_KEYS = { daily: 'budget.daily', monthly: 'budget.monthly' } as const;

export interface Budget {
  period: BudgetPeriod;
  key: (typeof BUDGET_KEYS)[BudgetPeriod];
  kopecks: number;
}

export function rubles(kopecks: number): string {
  return formatRubles(kopecks / 100);
}

/** The budgets set in the config; a value that is not an amount is refused (exit 2), never taken as no cap. */
export async function budgetsOf(ctx: Context): Promise<Budget[]> {
  const { config } = await ctx.settings();
  const budgets: Budget[] = [];
  for (const period of ['daily', 'monthly'] as const) {
    const key = BUDGET_KEYS[period];
    const value = config[key];
    if (value !== undefined) budgets.push({ period, key, kopecks: parseRubles(value, key) });
  }
  return budgets;
}

const WORDS: Record<BudgetPeriod, { span: string; reset: string }> = {
  daily: { span: 'today', reset: 'The daily budget' },
  monthly: { span: 'this month', reset: 'The monthly budget' },
};

export interface BudgetState {
  budget: Budget;
  spent: number;
  unconfirmed: number;
  /** Clips of the period whose price nobody knows any more (a model no longer listed): not in `spent`. */
  unpriced: number;
  resetsAt: Date;
}

/** What each budget has seen spent in its current period (local time). */
export function budgetStates(budgets: Budget[], spends: Spend[], now = new Date()): BudgetState[] {
  return budgets.map((budget) => {
    const { start, end } = periodOf(budget.period, now);
    const within = spends.filter((spend) => spend.at >= start.getTime() && spend.at < end.getTime());
    return {
      budget,
      spent: sumKopecks(within),
      unconfirmed: within.filter((spend) => spend.unconfirmed).length,
      unpriced: within.filter((spend) => spend.kopecks === undefined).length,
      resetsAt: end,
    };
  });
}

function unknownPrice(model: string, what: string): SpendingCapError {
  return new SpendingCapError(`The price of ${model} is unknown, so ${what} cannot be checked; nothing was sent.`, {
    hint: '`veo models` reads the model list (and its prices) again; then run the same command again.',
  });
}

export function budgetError(state: BudgetState, price: number, what = 'this create'): SpendingCapError {
  const { budget, spent, unconfirmed, unpriced, resetsAt } = state;
  const words = WORDS[budget.period];
  const pending = [
    unconfirmed > 0 ? `${counted(unconfirmed, 'create')} without an answer (yet) included` : '',
    unpriced > 0 ? `${counted(unpriced, 'clip')} of unknown price counted at the price of one of these` : '',
  ]
    .filter(Boolean)
    .map((part) => `, ${part}`)
    .join('');
  return new SpendingCapError(
    `${budget.key} would be exceeded: spent ${rubles(spent)} ${words.span}${pending}, cap ${rubles(budget.kopecks)}, ${what} costs ${rubles(price)}; nothing was sent. ${words.reset} resets at ${localMinute(resetsAt)} (local time).`,
    {
      hint: `\`veo spend\` shows what was spent; \`veo config set ${budget.key} <rubles>\` changes the cap, \`veo config unset ${budget.key}\` removes it.`,
    },
  );
}

/** Refuses a create of `price` kopecks that would take any budget past its cap (spent + price == cap passes). */
export function checkBudgets(
  budgets: Budget[],
  spends: Spend[],
  model: string,
  price: number | undefined,
  now = new Date(),
): void {
  if (budgets.length === 0) return;
  if (price === undefined) throw unknownPrice(model, budgets.map((budget) => budget.key).join(' and '));
  for (const state of budgetStates(budgets, spends, now)) {
    // A clip whose price is lost still cost something: it is counted at this one's, never as free.
    const effective = { ...state, spent: state.spent + state.unpriced * price };
    if (effective.spent + price > state.budget.kopecks) throw budgetError(effective, price);
  }
}

export interface MaxCostCheck {
  cap: number;
  total: number;
  clips: number;
  unknown: string[];
  passes: boolean;
}

/** --max-cost against every clip the run will create, priced in kopecks (undefined: not known). */
export function maxCostCheck(cap: number, prices: { model: string; kopecks: number | undefined }[]): MaxCostCheck {
  const total = prices.reduce((sum, price) => sum + (price.kopecks ?? 0), 0);
  const unknown = [...new Set(prices.filter((price) => price.kopecks === undefined).map((price) => price.model))];
  return { cap, total, clips: prices.length, unknown, passes: unknown.length === 0 && total <= cap };
}

export function describeMaxCost(check: MaxCostCheck): string {
  if (check.unknown.length > 0)
    return `--max-cost ${rubles(check.cap)}: cannot be checked (price of ${check.unknown.join(', ')} unknown)`;
  const clips = counted(check.clips, 'new clip');
  return `--max-cost ${rubles(check.cap)}: ${rubles(check.total)} for ${clips}, ${check.passes ? 'within the cap' : 'over the cap'}`;
}

export function maxCostError(check: MaxCostCheck): SpendingCapError {
  if (check.unknown.length > 0) return unknownPrice(check.unknown.join(', '), '--max-cost');
  return new SpendingCapError(
    `This run would cost ${rubles(check.total)} for ${counted(check.clips, 'new clip')}, more than --max-cost ${rubles(check.cap)}; nothing was sent.`,
    { hint: 'Raise --max-cost or create fewer clips; --dry-run shows the price of each.' },
  );
}

/** Refuses, before anything is sent, a run whose clips cost more than --max-cost. */
export function enforceMaxCost(
  cap: number | undefined,
  prices: { model: string; kopecks: number | undefined }[],
): void {
  if (cap === undefined) return;
  const check = maxCostCheck(cap, prices);
  if (!check.passes) throw maxCostError(check);
}

/** One cap as a dry run reports it. Amounts in rubles; `passes` null when a price is unknown. */
export interface CapPreview {
  cap: string;
  limit: number;
  price: number | null;
  spent?: number;
  unconfirmed?: number;
  resetsAt?: string;
  passes: boolean | null;
  said: string;
}

/**
 * What a real run would meet: --max-cost against the whole run, and each budget against what is spent now plus
 * the run. `error` is what the real run would fail with (a budget is then hit before the run's last clip).
 */
export async function previewCaps(
  ctx: Context,
  maxCost: number | undefined,
  models: string[],
  listed: (model: string) => number | undefined,
): Promise<{ checks: CapPreview[]; error: SpendingCapError | undefined }> {
  const prices = models.map((model) => ({ model, kopecks: kopecksOf(listed(model)) }));
  const checks: CapPreview[] = [];
  let error: SpendingCapError | undefined;
  const unknown = prices.some((price) => price.kopecks === undefined);
  const total = prices.reduce((sum, price) => sum + (price.kopecks ?? 0), 0);
  if (maxCost !== undefined) {
    const check = maxCostCheck(maxCost, prices);
    if (!check.passes) error ??= maxCostError(check);
    checks.push({
      cap: 'max-cost',
      limit: maxCost / 100,
      price: unknown ? null : total / 100,
      passes: unknown ? null : check.passes,
      said: describeMaxCost(check),
    });
  }
  const budgets = await budgetsOf(ctx);
  if (budgets.length > 0) {
    const { loadJournal } = await import('./journal-record.js');
    // A clip whose price is lost is counted at one of these clips' price, as the create itself will count it.
    const perClip = prices[0]?.kopecks ?? 0;
    const states = budgetStates(budgets, spendsOf(await loadJournal(ctx), listed)).map((state) => ({
      ...state,
      spent: state.spent + state.unpriced * perClip,
    }));
    const unpriced = prices.find((price) => price.kopecks === undefined);
    if (unpriced) error ??= unknownPrice(unpriced.model, budgets.map((budget) => budget.key).join(' and '));
    for (const state of states) {
      const passes = unknown ? null : state.spent + total <= state.budget.kopecks;
      if (passes === false) error ??= budgetError(state, total, prices.length === 1 ? 'this create' : 'this run');
      const { span } = WORDS[state.budget.period];
      checks.push({
        cap: state.budget.key,
        limit: state.budget.kopecks / 100,
        price: unknown ? null : total / 100,
        spent: state.spent / 100,
        unconfirmed: state.unconfirmed,
        resetsAt: state.resetsAt.toISOString(),
        passes,
        said: `${state.budget.key} ${rubles(state.budget.kopecks)}: spent ${rubles(state.spent)} ${span}, this run ${unknown ? 'of unknown price' : rubles(total)}, ${passes === null ? 'cannot be checked' : passes ? 'within the cap' : 'over the cap'} (resets ${localMinute(state.resetsAt)})`,
      });
    }
  }
  return { checks, error };
}

/**
 * Before a run of several creates: warns when a budget leaves room for only some of them (counted in order), so
 * the user knows at once that the rest will be reported as not created. Each create is still checked on its own.
 */
export async function warnBudgetRoom(
  ctx: Context,
  models: string[],
  listed: (model: string) => number | undefined,
): Promise<void> {
  const budgets = await budgetsOf(ctx);
  if (budgets.length === 0 || models.length === 0) return;
  const { loadJournal } = await import('./journal-record.js');
  const states = budgetStates(budgets, spendsOf(await loadJournal(ctx), listed));
  const spent = states.map((state) => state.spent);
  let fit = 0;
  let blocking: BudgetState | undefined;
  for (const model of models) {
    const price = kopecksOf(listed(model));
    if (price === undefined) return;
    blocking = states.find((state, index) => (spent[index] ?? 0) + price > state.budget.kopecks);
    if (blocking) break;
    states.forEach((_, index) => (spent[index] = (spent[index] ?? 0) + price));
    fit++;
  }
  if (!blocking) return;
  const { budget } = blocking;
  ctx.out.warn(
    `${budget.key} (${rubles(budget.kopecks)}, ${rubles(blocking.spent)} spent ${WORDS[budget.period].span}) leaves room for ${fit} of the ${counted(models.length, 'new clip')}; the others will be reported as not created (exit 9).`,
    'BUDGET',
  );
}
