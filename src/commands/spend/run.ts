import type { Context } from '../../context.js';
import type { SpendInput } from './index.js';
import { loadJournal } from '../../task/journal-record.js';
import { loadCatalog, priceOf } from '../../task/model-catalog.js';
import { budgetsOf, budgetStates, rubles } from '../../task/spending-caps.js';
import { localDay, localMinute, spendsOf, sumKopecks, type Spend } from '../../task/spent.js';
import { printTable } from '../../ui/table.js';
import { counted } from '../../ui/text-format.js';
import { sinceStart } from '../shared/since.js';

interface Group {
  clips: number;
  unconfirmed: number;
  kopecks: number;
  estimated: number;
  unknown: number;
}

function group(spends: Spend[]): Group {
  return {
    clips: spends.length,
    unconfirmed: spends.filter((spend) => spend.unconfirmed).length,
    kopecks: sumKopecks(spends),
    estimated: spends.filter((spend) => spend.from === 'catalog').length,
    unknown: spends.filter((spend) => spend.from === 'unknown').length,
  };
}

function groupBy<K>(spends: Spend[], key: (spend: Spend) => K): Map<K, Spend[]> {
  const groups = new Map<K, Spend[]>();
  for (const spend of spends) {
    const k = key(spend);
    const list = groups.get(k);
    if (list) list.push(spend);
    else groups.set(k, [spend]);
  }
  return groups;
}

function groupDocument(g: Group): Record<string, number> {
  return {
    clips: g.clips,
    unconfirmed: g.unconfirmed,
    spent: g.kopecks / 100,
    estimated: g.estimated,
    unknownPrices: g.unknown,
  };
}

/** An amount as shown: `≥` when some prices are unknown (not counted), `~` when some come from the model list. */
function shown(g: Group): string {
  return `${g.unknown > 0 ? '≥ ' : g.estimated > 0 ? '~' : ''}${rubles(g.kopecks)}`;
}

/** A window's start as a person reads it: the day alone when it starts at midnight (`30d`, a date), else the minute. */
function sinceShown(ms: number): string {
  const start = new Date(ms);
  const midnight = start.getHours() === 0 && start.getMinutes() === 0 && start.getSeconds() === 0;
  return midnight ? localDay(ms) : localMinute(start);
}

export async function run(ctx: Context, input: SpendInput): Promise<void> {
  const now = new Date();
  const since = sinceStart(input.options.since ?? '30d', now);
  const budgets = await budgetsOf(ctx);
  const catalog = await loadCatalog(ctx, undefined);
  const listed = (model: string) => priceOf(catalog, model);
  const all = spendsOf(await loadJournal(ctx), listed);
  const spends = since === undefined ? all : all.filter((spend) => spend.at >= since);
  const byDay = [...groupBy(spends, (spend) => `${localDay(spend.at)}\t${spend.model}`)].map(([key, list]) => {
    const [day = '', model = ''] = key.split('\t');
    return { day, model, ...group(list) };
  });
  const byModel = [...groupBy(spends, (spend) => spend.model)]
    .map(([model, list]) => ({ model, ...group(list) }))
    .sort((a, b) => b.kopecks - a.kopecks || a.model.localeCompare(b.model));
  const total = group(spends);
  const unconfirmed = group(spends.filter((spend) => spend.unconfirmed));
  const states = budgetStates(budgets, all, now);
  if (ctx.out.json) {
    ctx.out.data({
      since: since === undefined ? null : new Date(since).toISOString(),
      currency: 'RUB',
      days: byDay.map(({ day, model, ...g }) => ({ day, model, ...groupDocument(g) })),
      models: byModel.map(({ model, ...g }) => ({ model, ...groupDocument(g) })),
      total: groupDocument(total),
      unconfirmed: { creates: unconfirmed.clips, spent: unconfirmed.kopecks / 100 },
      budgets: states.map((state) => ({
        cap: state.budget.key,
        limit: state.budget.kopecks / 100,
        spent: state.spent / 100,
        left: Math.max(0, state.budget.kopecks - state.spent) / 100,
        resetsAt: state.resetsAt.toISOString(),
      })),
    });
    return;
  }
  const from = since === undefined ? '' : ` since ${sinceShown(since)}`;
  if (spends.length === 0) {
    ctx.out.info(`The journal shows nothing spent${from}.`);
  } else {
    printTable(
      ctx.out,
      ['DAY', 'MODEL', 'CLIPS', 'UNCONFIRMED', 'SPENT'],
      byDay.map((row) => [row.day, row.model, String(row.clips), String(row.unconfirmed), shown(row)]),
      { rightAligned: [2, 3, 4], shrinkable: [1] },
    );
  }
  // Under the table on a terminal; in a pipe stdout is rows only, so the totals go with the notes on stderr.
  const say = (line: string) => (ctx.out.streams.stdout.isTTY ? ctx.out.result(line) : ctx.out.info(line));
  if (spends.length > 0) {
    for (const row of byModel) say(`${row.model}: ${shown(row)} for ${counted(row.clips, 'clip')}`);
    say(`total${from || ' (the whole journal)'}: ${shown(total)} for ${counted(total.clips, 'clip')}`);
  }
  if (unconfirmed.clips > 0) {
    say(
      `unconfirmed: ${counted(unconfirmed.clips, 'create')} without an answer, ${rubles(unconfirmed.kopecks)}, counted as spent (${unconfirmed.clips === 1 ? 'it may be billed; veo list shows it' : 'they may be billed; veo list shows them'})`,
    );
  }
  if (total.estimated > 0)
    ctx.out.info(`~ ${counted(total.estimated, 'price')} from the model list (the service did not tell the cost).`);
  if (total.unknown > 0)
    ctx.out.info(
      `≥ ${counted(total.unknown, 'clip')} of unknown price not counted (\`veo models\` refreshes the prices).`,
    );
  for (const state of states) {
    const left = Math.max(0, state.budget.kopecks - state.spent);
    say(
      `${state.budget.key} ${rubles(state.budget.kopecks)}: ${rubles(state.spent)} spent ${state.budget.period === 'daily' ? 'today' : 'this month'}, ${rubles(left)} left (resets ${localMinute(state.resetsAt)})`,
    );
  }
}
