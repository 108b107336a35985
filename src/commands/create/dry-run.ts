// `veo create --dry-run`: the request that would be sent, its price, the account and the spending caps; nothing is
// sent. It fails as the real create would (exit 4 for a balance that cannot cover it, 9 for a cap).
import type { VeoClient } from '../../api/client.js';
import { BalanceError, type SpendingCapError } from '../../core/errors.js';
import { maskApiKey } from '../../api/key.js';
import type { Balance, CreateTaskInput } from '../../api/schemas.js';
import type { Context } from '../../context.js';
import { balanceIfAvailable, describeBalance, formatRubles, spendable } from '../../task/pricing.js';
import { lookUpModels, priceOf, unknownModelError, type Catalog } from '../../task/model-catalog.js';
import { enforceMaxCost, previewCaps } from '../../task/spending-caps.js';
import { kopecksOf } from '../../task/spent.js';

/** The model's price, and an unknown model refused before anything is paid for (when the list can be had). */
export async function checkModel(ctx: Context, client: VeoClient | undefined, model: string): Promise<Catalog> {
  const { catalog, unknown } = await lookUpModels(ctx, client, [model]);
  if (unknown.length > 0) throw unknownModelError(model, catalog);
  return catalog;
}

export async function dryRun(ctx: Context, input: CreateTaskInput, maxCost: number | undefined): Promise<void> {
  const settings = await ctx.settings();
  // Without a key the dry run still works, from the cached model list alone.
  const client = settings.apiKey ? await ctx.client() : undefined;
  const [catalog, balance] = await Promise.all([checkModel(ctx, client, input.model), balanceIfAvailable(ctx, client)]);
  const price = priceOf(catalog, input.model);
  const url = new URL('/v1/media/create', settings.baseUrl.value).href;
  const authorization = settings.apiKey ? maskApiKey(settings.apiKey.value) : '(no key set)';
  const request = {
    method: 'POST',
    url,
    headers: { authorization, 'content-type': 'application/json' },
    body: input,
  };
  const short = balance !== undefined && price !== undefined && spendable(balance) < price;
  const caps = await previewCaps(ctx, maxCost, [input.model], (model) => priceOf(catalog, model));
  if (ctx.out.json) {
    const cost = { model: input.model, price: price ?? null, currency: 'RUB', priceFrom: catalog.source };
    const covered = balance === undefined || price === undefined ? null : !short;
    const checks = caps.checks.map(({ said: _said, ...check }) => check);
    ctx.out.data({ dryRun: true, request, cost: { ...cost, balance: balance ?? null, covered }, caps: checks });
    if (short) throw dryRunShortError(input.model, price, balance);
    if (caps.error) throw dryRunCapError(caps.error);
    return;
  }
  ctx.out.result(`POST ${url}`);
  ctx.out.result(`authorization: ${authorization}`);
  ctx.out.result('content-type: application/json');
  ctx.out.result('');
  // Line by line: JSON escapes a newline inside a value, so each line break here is the layout's own.
  for (const line of JSON.stringify(input, null, 2).split('\n')) ctx.out.result(line);
  ctx.out.info('Dry run: nothing was sent.');
  const listed = catalog.fetchedAt ? `, model list of ${new Date(catalog.fetchedAt).toISOString().slice(0, 10)}` : '';
  ctx.out.info(
    price === undefined
      ? `price: unknown (${catalog.models ? 'the model list gives none' : 'the model list could not be read'})`
      : `price: ${formatRubles(price)} per clip (${input.model}${listed})`,
  );
  if (balance) ctx.out.info(`account: ${describeBalance(balance)}`);
  for (const check of caps.checks) ctx.out.info(check.said);
  if (short) throw dryRunShortError(input.model, price, balance);
  if (caps.error) throw dryRunCapError(caps.error);
}

/** A dry run that meets a cap fails as the real run would (exit 9); the request was still printed. */
function dryRunCapError(error: SpendingCapError): SpendingCapError {
  error.message = `Dry run: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`;
  return error;
}

/**
 * A dry run that finds the account short fails as the real create would (exit 4), so a script can check before it
 * pays; the request was still printed.
 */
function dryRunShortError(model: string, price: number, balance: Balance): BalanceError {
  return new BalanceError(
    `Dry run: the account cannot cover a ${model} clip (${formatRubles(price)}): ${describeBalance(balance)}. Nothing was sent; a real create would be refused with "insufficient balance".`,
  );
}

/** The clip's price, once --max-cost has let it through (before anything is sent). */
export function priceWithinCap(catalog: Catalog, model: string, maxCost: number | undefined): number | undefined {
  const price = priceOf(catalog, model);
  enforceMaxCost(maxCost, [{ model, kopecks: kopecksOf(price) }]);
  return price;
}
