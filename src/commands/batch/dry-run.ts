import type { Context } from '../../context.js';
import { BalanceError, type SpendingCapError } from '../../core/errors.js';
import { previewCaps } from '../../task/spending-caps.js';
import { coverage, describeShortfall, describeTotal, sumKnown } from './cost.js';
import type { PreparedBatch, Resumption } from './plan.js';
import { balanceIfAvailable, describeBalance, formatRubles } from '../../task/pricing.js';
import { priceOf } from '../../task/model-catalog.js';
import { printTable } from '../../ui/table.js';
import { counted } from '../../ui/text-format.js';

const STATE_NAMES: Record<Resumption['kind'], string> = {
  new: 'new',
  resume: 'created',
  saved: 'saved',
  failed: 'failed',
  expired: 'expired',
  unconfirmed: 'unconfirmed',
  elsewhere: 'in progress elsewhere',
};

/** `veo batch --dry-run`: every item with its price and state, and the cost of the new ones. Sends no create. */
export async function printBatchPlan(ctx: Context, prepared: PreparedBatch): Promise<void> {
  const { planned, resumptions, catalog } = prepared;
  const fresh = planned.filter((_, index) => {
    const kind = resumptions[index]?.kind;
    return kind === 'new' || (kind === 'unconfirmed' && prepared.retryUnconfirmed);
  });
  const prices = fresh.map((item) => priceOf(catalog, item.model));
  const balance = fresh.length > 0 ? await balanceIfAvailable(ctx, prepared.client) : undefined;
  const overCap = fresh.some((item) => item.variation) && fresh.length > prepared.cap;
  const covered = coverage(balance, prices);
  const models = fresh.map((item) => item.model);
  const caps = await previewCaps(ctx, prepared.maxCost, models, (model) => priceOf(catalog, model));
  // Fails as the real run would (exit 4), so a script can check before it pays; the plan was still printed.
  const short = (): BalanceError | undefined =>
    covered === undefined || !balance
      ? undefined
      : new BalanceError(
          `Dry run: ${describeShortfall(balance, covered, prices.length).replace(/^The/, 'the')} Nothing was sent.`,
        );
  if (ctx.out.json) {
    ctx.out.data({
      dryRun: true,
      items: planned.map((item, index) => ({
        line: item.line,
        prompt: item.prompt,
        model: item.model,
        ...(item.ar ? { ar: item.ar } : {}),
        ...(item.image ? { image: item.image } : {}),
        ...(item.target ? { output: item.target } : item.plannedPath ? { output: item.plannedPath } : {}),
        ...(item.variation ? { variant: item.variation.variant, choices: item.variation.choices } : {}),
        price: priceOf(catalog, item.model) ?? null,
        state: STATE_NAMES[resumptions[index]?.kind ?? 'new'],
      })),
      total: {
        clips: fresh.length,
        price: sumKnown(prices),
        currency: 'RUB',
        unknownPrices: prices.filter((price) => price === undefined).length,
        ...(balance ? { covered: covered ?? fresh.length } : {}),
        ...(planned.some((item) => item.variation) ? { maxItems: prepared.cap, needsYes: overCap } : {}),
      },
      balance: balance ?? null,
      caps: caps.checks.map(({ said: _said, ...check }) => check),
    });
    const error = short() ?? dryRunCap(caps.error);
    if (error) throw error;
    return;
  }
  const rows = planned.map((item, index) => {
    const price = priceOf(catalog, item.model);
    return [
      // A variation is shown as line.variant: 3.2 is the second clip of line 3.
      item.variation ? `${item.line}.${item.variation.variant}` : String(item.line),
      item.model,
      price === undefined ? '?' : formatRubles(price),
      STATE_NAMES[resumptions[index]?.kind ?? 'new'],
      item.prompt,
    ];
  });
  const header = ['LINE', 'MODEL', 'PRICE', 'STATE', 'PROMPT'];
  printTable(ctx.out, header, rows, { shrinkable: [4, 1] });
  const earlier = planned.length - fresh.length;
  const note =
    earlier > 0
      ? `; ${counted(earlier, 'item')} created (or being created) by another run ${earlier === 1 ? 'is' : 'are'} not paid again`
      : '';
  // Under the table on a terminal; in a pipe stdout is rows of tab-separated cells only, so the total is a note.
  const total = `total: ${describeTotal(prices)}${note}`;
  if (ctx.out.streams.stdout.isTTY) ctx.out.result(total);
  else ctx.out.info(total);
  ctx.out.info('Dry run: nothing was sent.');
  if (overCap)
    ctx.out.info(`The real run needs --yes: ${fresh.length} new clips is more than max-items (${prepared.cap}).`);
  if (balance) ctx.out.info(`account: ${describeBalance(balance)}`);
  for (const check of caps.checks) ctx.out.info(check.said);
  const error = short() ?? dryRunCap(caps.error);
  if (error) throw error;
}

/** A cap the real run would meet fails the dry run the same way (exit 9); the plan was still printed. */
function dryRunCap(error: SpendingCapError | undefined): SpendingCapError | undefined {
  if (error) error.message = `Dry run: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`;
  return error;
}
