import type { Balance } from '../../api/schemas.js';
import type { Context } from '../../context.js';
import { formatRubles, spendable } from '../../task/pricing.js';

/** The account's balance and credit limit, in rubles, as `/v1/balance` tells them. */
export async function balanceCommand(ctx: Context): Promise<Balance> {
  const client = await ctx.client();
  const balance = await client.getBalance({ signal: ctx.signal });
  if (ctx.out.json) {
    ctx.out.data(balance);
    return balance;
  }
  const rows: [string, number][] = [
    ['balance', balance.balance],
    ['credit limit', balance.creditLimit ?? 0],
    ['available', spendable(balance)],
  ];
  const amounts = rows.map(([, amount]) => formatRubles(amount, true));
  const width = Math.max(...amounts.map((amount) => amount.length));
  rows.forEach(([label], index) => ctx.out.result(`${label.padEnd(12)}  ${(amounts[index] ?? '').padStart(width)}`));
  return balance;
}

export async function run(ctx: Context): Promise<void> {
  await balanceCommand(ctx);
}
