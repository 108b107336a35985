// The hottest commands, recognised without commander (whose loading costs a short command more than its own work):
// `veo result <id>`, `veo wait <id>`, `veo download <id|url>` and `veo balance`, with the global options and the
// command's own flags spelled plainly. Anything else, or anything unusual (help, `--`, bundled short flags, a
// value that looks like an option, a repeated or unknown flag, a wrong number of arguments, an optional argument
// left out as in `veo wait --all`), goes to commander, which gives it its usual answer or error. For what it
// accepts, the route gives what commander would give.
import type { CommandDeclaration, FlagDeclaration } from './commands/declaration.js';
import { balance } from './commands/balance/index.js';
import { download } from './commands/download/index.js';
import { result } from './commands/result/index.js';
import { wait } from './commands/wait/index.js';
import { GLOBAL_FLAGS } from './commands/global-flags.js';
import type { GlobalOptions } from './settings.js';

const FAST_COMMANDS: readonly CommandDeclaration<never>[] = [result, wait, download, balance];

export interface FastRoute {
  declaration: CommandDeclaration<never>;
  globals: GlobalOptions;
  args: Record<string, string | undefined>;
  options: Record<string, unknown>;
}

interface Flag {
  /** The key commander stores it under: `--base-url` is baseUrl, `--no-color` is color. */
  key: string;
  takesValue: boolean;
  value: unknown;
  default?: string;
  repeatable?: boolean;
}

/** Plain flags only: `-s, --long`, `--long <value>`, `--no-long`; anything else keeps the command on commander. */
function flagTable(declarations: readonly FlagDeclaration[]): Map<string, Flag> | undefined {
  const table = new Map<string, Flag>();
  for (const declaration of declarations) {
    const match = /^(?:(-[a-zA-Z]), )?--([a-z][a-z-]*)(?: <[a-z|-]+>)?$/.exec(declaration.flags);
    if (!match || declaration.choices) return undefined;
    const [, short, long = ''] = match;
    const negated = long.startsWith('no-');
    const name = negated ? long.slice(3) : long;
    const flag: Flag = {
      key: name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
      takesValue: declaration.flags.endsWith('>'),
      value: !negated,
      default: declaration.default,
      repeatable: declaration.repeatable,
    };
    table.set(`--${long}`, flag);
    if (short) table.set(short, flag);
  }
  return table;
}

/** Required or optional positionals; the route takes a command line only when it gives every one of them. */
function argumentsFit(declaration: CommandDeclaration<never>): boolean {
  return (declaration.arguments ?? []).every((argument) => /^[<[]/.test(argument.syntax));
}

/** The command and its input when `argv` is plain enough to need no commander; undefined otherwise. */
export function fastRoute(argv: readonly string[]): FastRoute | undefined {
  const globalTable = flagTable(GLOBAL_FLAGS);
  if (!globalTable) return undefined;
  let declaration: CommandDeclaration<never> | undefined;
  let commandTable: Map<string, Flag> | undefined;
  const globals: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  const positionals: string[] = [];
  const seen = new Set<Flag>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') {
      if (declaration) positionals.push(arg);
      else {
        declaration = FAST_COMMANDS.find((candidate) => candidate.name === arg);
        if (!declaration || declaration.subcommands || !argumentsFit(declaration)) return undefined;
        commandTable = flagTable(declaration.flags ?? []);
        if (!commandTable) return undefined;
      }
      continue;
    }
    const globalFlag = globalTable.get(arg);
    const flag = globalFlag ?? commandTable?.get(arg);
    if (!flag || seen.has(flag)) return undefined;
    seen.add(flag);
    const into = globalFlag ? globals : options;
    if (!flag.takesValue) {
      into[flag.key] = flag.value;
      continue;
    }
    const value = argv[++i];
    if (value === undefined || (value.startsWith('-') && value !== '-')) return undefined;
    // As commander gives it: a repeatable flag's values in a list (given more than once, commander takes it).
    into[flag.key] = flag.repeatable ? [value] : value;
  }
  if (!declaration || positionals.length !== (declaration.arguments ?? []).length) return undefined;
  for (const flag of commandTable?.values() ?? []) {
    if (flag.default !== undefined && !(flag.key in options)) options[flag.key] = flag.default;
  }
  const args = Object.fromEntries((declaration.arguments ?? []).map((argument, i) => [argument.name, positionals[i]]));
  return { declaration, globals: { ...globals, color: globals.color !== false }, args, options };
}
