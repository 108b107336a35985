import { counted } from '../../ui/text-format.js';
import type { Balance } from '../../api/schemas.js';
import type { Context } from '../../context.js';
import { describeBalance, formatRubles, spendable } from '../../task/pricing.js';

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

export function warnCoverage(ctx: Context, balance: Balance | undefined, prices: (number | undefined)[]): void {
  const covered = coverage(balance, prices);
  if (covered === undefined || !balance) return;
  ctx.out.warn(describeShortfall(balance, covered, prices.length), 'LOW_BALANCE');
}
