import type { VeoClient } from '../api/client.js';
import { InterruptedError } from '../core/errors.js';
import type { Balance } from '../api/schemas.js';
import type { Context } from '../context.js';
import { LOOKUP_TIMEOUT_MS } from './model-catalog.js';

/** Prices are whole rubles as a rule; `cents` keeps a column of balances aligned. */
export function formatRubles(amount: number, cents = false): string {
  return `${cents || !Number.isInteger(amount) ? amount.toFixed(2) : String(amount)} RUB`;
}

/** What can still be spent: the balance may go below zero down to minus the credit limit. */
export function spendable(balance: Balance): number {
  return balance.balance + (balance.creditLimit ?? 0);
}

export function describeBalance(balance: Balance): string {
  return `balance ${formatRubles(balance.balance, true)}, credit limit ${formatRubles(balance.creditLimit ?? 0, true)}`;
}

/** The balance for a hint or a warning: one short attempt, and undefined rather than an error when it fails. */
export async function balanceIfAvailable(ctx: Context, client: VeoClient | undefined): Promise<Balance | undefined> {
  if (!client) return undefined;
  try {
    return await client.getBalance({ signal: ctx.signal, attempts: 1, timeoutMs: LOOKUP_TIMEOUT_MS });
  } catch (error) {
    if (ctx.signal.aborted || error instanceof InterruptedError) throw error;
    ctx.out.trace(`could not read the balance: ${(error as Error).message}`);
    return undefined;
  }
}

/** Warns (never refuses: the API has the last word, with code 5) when the balance cannot cover `price`. */
export function warnIfShort(ctx: Context, balance: Balance | undefined, price: number | undefined, what: string): void {
  if (!balance || price === undefined || spendable(balance) >= price) return;
  ctx.out.warn(
    `The account cannot cover ${what} (${formatRubles(price)}): ${describeBalance(balance)}.`,
    'LOW_BALANCE',
  );
}
