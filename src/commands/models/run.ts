import * as z from 'zod/mini';
import '../../core/zod-english.js';
import { DEFAULT_MODEL } from '../shared/flags.js';
import type { Model } from '../../api/schemas.js';
import type { Context } from '../../context.js';
import type { ModelsInput } from './index.js';
import { formatRubles } from '../../task/pricing.js';
import { isVeoModel, rememberModels } from '../../task/model-catalog.js';
import { parseOptions } from '../shared/option-schemas.js';
import { printTable } from '../../ui/table.js';

const modelsSchema = z.object({ all: z._default(z.boolean(), false) });
export type ModelsOptions = z.infer<typeof modelsSchema>;

/** The list does not say what a model makes: the Veo family is known by its ids, the rest is unknown to veo. */
function videoColumn(id: string): string {
  if (!isVeoModel(id)) return 'unknown';
  return id === DEFAULT_MODEL ? 'yes (default)' : 'yes';
}

/**
 * The Veo family (or every model with --all) with its price and whether veo knows it makes video; always asked of
 * the API, then cached. --json prints the entries as the API gave them.
 */
export async function modelsCommand(ctx: Context, options: ModelsOptions): Promise<Model[]> {
  const client = await ctx.client();
  const models = await client.listModels({ signal: ctx.signal });
  await rememberModels(ctx, models);
  const shown = (options.all ? models : models.filter((model) => isVeoModel(model.id))).toSorted((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  if (ctx.out.json) {
    ctx.out.data(shown);
    return shown;
  }
  if (shown.length === 0) {
    ctx.out.info(
      options.all ? 'The API lists no models.' : 'The API lists no Veo models; `veo models --all` shows the others.',
    );
    return shown;
  }
  const rows = shown.map((model) => [
    model.id,
    typeof model.price === 'number' ? formatRubles(model.price) : '?',
    videoColumn(model.id),
  ]);
  const header = ['MODEL', 'PRICE', 'VIDEO'];
  printTable(ctx.out, header, rows, { rightAligned: [1] });
  ctx.out.info(
    options.all
      ? 'VIDEO: veo knows the Veo family (glabs-veo-*) makes video; create and batch refuse the others without --any-model.'
      : 'Prices are per clip. `veo models --all` lists every model of the API.',
  );
  return shown;
}

export async function run(ctx: Context, input: ModelsInput): Promise<void> {
  await modelsCommand(ctx, parseOptions(modelsSchema, input.options));
}
