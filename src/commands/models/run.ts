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

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The Veo family (or every model with --all) with the price of one clip; always asked of the API, then cached. */
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
    [text(model.name), model.id === DEFAULT_MODEL ? '(default)' : ''].filter(Boolean).join(' '),
  ]);
  const header = ['MODEL', 'PRICE', 'NAME'];
  printTable(ctx.out, header, rows, { rightAligned: [1], shrinkable: [2] });
  if (!options.all) ctx.out.info('Prices are per clip. `veo models --all` lists every model of the API.');
  return shown;
}

export async function run(ctx: Context, input: ModelsInput): Promise<void> {
  await modelsCommand(ctx, parseOptions(modelsSchema, input.options));
}
