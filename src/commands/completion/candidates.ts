// `veo __complete <kind> [prefix]`: what the completion scripts ask for at the moment a user presses Tab, one
// candidate a line, `value<TAB>description`. It reads only local files (the models cache, the task journal) and
// never the network; any problem means no candidates, exit 0 and nothing on stderr, because a completion that
// prints an error lands in the middle of the user's command line.
// The values are checked against what veo itself accepts (a task id, a plain model id) and the descriptions are
// reduced to one short line of plain text: the scripts insert a value into the command line, and neither a journal
// nor a cached model list may put `$(…)`, a quote or a newline there.
import { DEFAULT_BASE_URL } from '../../api/origin.js';
import { configDir } from '../../config/paths.js';
import { loadConfig } from '../../config/store.js';
import { TASK_ID_PATTERN } from '../../core/ids.js';

/** Enough for any menu; the newest tasks are the ones a user means. */
export const MAX_TASKS = 50;
const DESCRIPTION_CHARS = 60;

/** A model id that can stand in a command line unquoted: what every real id looks like. */
const PLAIN_MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._+@/-]{0,99}$/;

/** Control and format characters, line and paragraph separators: none of them belongs in a one-line menu. */
const NOT_PLAIN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** One line of plain text, at most `DESCRIPTION_CHARS` characters (whole code points), or '' for nothing. */
export function plainDescription(text: string): string {
  const plain = text.replace(NOT_PLAIN, ' ').replace(/\s+/g, ' ').trim();
  const chars = Array.from(plain);
  return chars.length <= DESCRIPTION_CHARS ? plain : `${chars.slice(0, DESCRIPTION_CHARS - 3).join('')}...`;
}

interface Candidate {
  value: string;
  description?: string;
}

/** The origin the models cache must have been filled from: the API this machine would ask. */
async function apiOrigin(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const stored = await loadConfig(dir);
  const given = env.GPTUNNEL_BASE_URL?.trim() || (stored.usable ? stored.values['base-url'] : undefined);
  return new URL(given || DEFAULT_BASE_URL).origin;
}

async function models(dir: string, env: NodeJS.ProcessEnv): Promise<Candidate[]> {
  const { readModelsCache } = await import('../../store/models-cache.js');
  const cache = await readModelsCache(dir, await apiOrigin(dir, env));
  const { isVeoModel } = await import('../../task/model-catalog.js');
  // The models create takes without --any-model: the ones a user means when completing --model.
  return (cache?.models ?? [])
    .filter((model) => isVeoModel(model.id) && PLAIN_MODEL_ID.test(model.id))
    .map((model) => ({ value: model.id, description: model.price === null ? undefined : `${model.price} RUB` }));
}

/** The newest tasks whose id starts with what was typed: an older one is found once its id is begun. */
async function tasks(dir: string, _env: NodeJS.ProcessEnv, prefix: string): Promise<Candidate[]> {
  const { Journal } = await import('../../store/journal.js');
  const { entries } = await new Journal(dir).recent(MAX_TASKS, (entry) => entry.id.startsWith(prefix));
  return entries
    .filter((entry) => TASK_ID_PATTERN.test(entry.id))
    .reverse()
    .map((entry) => ({
      value: entry.id,
      description: [entry.status, entry.prompt].filter((part) => typeof part === 'string' && part).join(': '),
    }));
}

type Find = (dir: string, env: NodeJS.ProcessEnv, prefix: string) => Promise<Candidate[]>;
const KINDS: Record<string, Find> = { models, tasks };

/** The lines to print for `veo __complete <kind> [prefix]`; none for an unknown kind or any failure. */
export async function candidateLines(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const [kind = '', prefix = ''] = args;
  const find = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (!find) return [];
  try {
    const found = await find(configDir(env), env, prefix);
    return found
      .filter((candidate) => candidate.value.startsWith(prefix))
      .map(({ value, description }) => {
        const shown = plainDescription(description ?? '');
        return shown ? `${value}\t${shown}` : value;
      });
  } catch {
    return [];
  }
}

/** Runs the callback; always exit 0, and stderr stays silent whatever happens. */
export async function complete(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const lines = await candidateLines(args, env).catch(() => []);
  if (lines.length === 0) return 0;
  await new Promise<void>((resolve) => {
    process.stdout.on('error', () => resolve());
    process.stdout.write(`${lines.join('\n')}\n`, () => resolve());
  });
  return 0;
}
