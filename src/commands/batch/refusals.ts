// Why a batch (or a create with variations) is refused before anything is paid for.
import { UsageError } from '../../core/errors.js';
import { pathExists } from '../../api/local-files.js';
import { unknownModelHint, type Catalog } from '../../task/model-catalog.js';
import type { BatchItem, LineProblem } from './parse-file.js';
import type { PlannedItem, Resumption } from './plan.js';

export const NOT_VIDEO = 'is not known to make video (--any-model sends it anyway)';

export function problemsError(problems: LineProblem[], file: string, catalog: Catalog): UsageError {
  const sorted = problems.toSorted((a, b) => a.line - b.line);
  const shown = sorted.slice(0, 20).map((p) => `line ${p.line}: ${p.message}`);
  const more = sorted.length > shown.length ? [`... and ${sorted.length - shown.length} more`] : [];
  const unknownModel = problems.some((p) => p.message.startsWith('unknown model'));
  const notVideo = problems.some((p) => p.message.includes(NOT_VIDEO));
  return new UsageError(`${file}: ${problems.length} bad line${problems.length === 1 ? '' : 's'}; nothing was sent.`, {
    code: 'BAD_BATCH_FILE',
    details: [...shown, ...more],
    hint: notVideo
      ? 'Choose a Veo model (`veo models` lists them), or pass --any-model if those models do make video.'
      : unknownModel
        ? unknownModelHint(catalog)
        : problems.every((p) => p.message.startsWith('asks for the same clip'))
          ? 'Remove the repeated lines, or pass --allow-duplicates to make one clip per line (each is paid for).'
          : 'One prompt per line, or JSON lines such as {"prompt": "a red fox", "ar": "16:9", "output": "fox.mp4"}.',
  });
}

/** Items to be paid for whose file is already there: refused before paying for a clip that could not be saved. */
export async function filesInTheWay(
  planned: PlannedItem[],
  resumptions: Resumption[],
  retryUnconfirmed: boolean,
): Promise<LineProblem[]> {
  const problems: LineProblem[] = [];
  for (const [index, item] of planned.entries()) {
    const kind = resumptions[index]?.kind;
    const paid = kind === 'new' || (kind === 'unconfirmed' && retryUnconfirmed);
    if (!paid) continue;
    if (item.target && (await pathExists(item.target))) {
      problems.push({ line: item.line, message: `output "${item.output}" already exists (--force overwrites it)` });
    } else if (item.plannedPath && (await pathExists(item.plannedPath))) {
      problems.push({ line: item.line, message: `${item.plannedPath} already exists (--force overwrites it)` });
    }
  }
  return problems;
}

/**
 * Variations and --repeat multiply what one line costs: a real run that would pay for more clips than max-items
 * is refused before anything is sent, unless --yes says the number is meant.
 */
export function refuseOverCap(fresh: BatchItem[], cap: number): void {
  if (!fresh.some((item) => item.variation) || fresh.length <= cap) return;
  throw new UsageError(
    `This run would create ${fresh.length} clips (variations and --repeat included), more than max-items (${cap}); nothing was sent.`,
    {
      code: 'TOO_MANY_ITEMS',
      hint: 'Check the list and the price with --dry-run, then add --yes; `veo config set max-items <n>` changes the limit.',
    },
  );
}
