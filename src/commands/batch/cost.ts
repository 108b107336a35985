import { counted } from '../../ui/text-format.js';
import { BalanceError } from '../../core/errors.js';
import type { Balance } from '../../api/schemas.js';
import type { Context } from '../../context.js';
import { describeBalance, formatRubles, spendable } from '../../task/pricing.js';
import { priceOf, type Catalog } from '../../task/model-catalog.js';
import { kopecksOf } from '../../task/spent.js';
import { enforceMaxCost, warnBudgetRoom } from '../../task/spending-caps.js';

/** Each item's model and price in kopecks (undefined: not known), as the spending caps count them. */
export function pricedItems(
  items: { model: string }[],
  catalog: Catalog,
): { model: string; kopecks: number | undefined }[] {
  return items.map((item) => ({ model: item.model, kopecks: kopecksOf(priceOf(catalog, item.model)) }));
}

/**
 * --max-cost over every item still to be created (items saved or created by an earlier run cost nothing more),
 * refused as a whole before anything is sent; and a warning when a budget leaves room for only some of them.
 */
export async function checkRunCaps(
  ctx: Context,
  maxCost: number | undefined,
  items: { model: string }[],
  catalog: Catalog,
): Promise<void> {
  enforceMaxCost(maxCost, pricedItems(items, catalog));
  await warnBudgetRoom(
    ctx,
    items.map((item) => item.model),
    (model) => priceOf(catalog, model),
  );
}

/** The sum of the known prices, rounded to kopecks so that float noise never shows. */
export function sumKnown(prices: (number | undefined)[]): number {
  const sum = prices.reduce<number>((total, price) => total + (price ?? 0), 0);
  return Math.round(sum * 100) / 100;
}

export function describeTotal(prices: (number | undefined)[]): string {
  const known = prices.filter((price): price is number => price !== undefined);
  const sum = sumKnown(prices);
  const clips = `${prices.length} new clip${prices.length === 1 ? '' : 's'}`;
  if (known.length === prices.length) return `${formatRubles(sum)} for ${clips}`;
  if (known.length === 0) return `unknown for ${clips} (no price known)`;
  return `at least ${formatRubles(sum)} for ${clips} (${counted(prices.length - known.length, 'price')} unknown)`;
}

/** How many of the new clips, in file order, the account can pay for; undefined when it covers them all. */
export function coverage(balance: Balance | undefined, prices: (number | undefined)[]): number | undefined {
  if (!balance) return undefined;
  let left = spendable(balance);
  let covered = 0;
  for (const price of prices) {
    if (price === undefined) continue;
    if (left < price) return covered;
    left -= price;
    covered++;
  }
  return undefined;
}

export function describeShortfall(balance: Balance, covered: number, clips: number): string {
  return `The account covers only ${covered} of the ${clips} new clips (${describeBalance(balance)}); the API refuses the rest with "insufficient balance".`;
}

/**
 * A balance that covers none of the new clips stops the batch before anything is sent (unless the user insists:
 * the balance may be topped up meanwhile, and a create the API refuses for it is not billed); one that covers some
 * is a warning, and the items it cannot pay for are reported as not created.
 */
export function warnCoverage(
  ctx: Context,
  balance: Balance | undefined,
  prices: (number | undefined)[],
  insist = false,
): void {
  const covered = coverage(balance, prices);
  if (covered === undefined || !balance) return;
  if (covered === 0 && !insist) {
    throw new BalanceError(
      `The account covers none of the ${counted(prices.length, 'new clip')} (${describeBalance(balance)}); nothing was sent.`,
      {
        hint: 'Top up the GPTunnel balance and run the command again; --ignore-balance sends the creates anyway (a create refused for the balance is not billed).',
      },
    );
  }
  ctx.out.warn(
    `${describeShortfall(balance, covered, prices.length)} Those are reported as not created; none is billed.`,
    'LOW_BALANCE',
  );
}
