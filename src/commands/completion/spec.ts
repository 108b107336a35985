// What shell completion knows of the command line, read from the command declarations, so that the scripts offer
// exactly the commands, subcommands, options and values the CLI accepts. What a value is comes from the
// declaration: its `choices` first, else the word in its placeholder (`<path>`, `<folder>`, `<id>`…), read by the
// two tables below; a placeholder they do not name (a prompt, a duration, a URL) is free text and gets nothing.
import { CONFIG_KEYS } from '../../config/store.js';
import type { ArgumentDeclaration, CommandDeclaration, FlagDeclaration } from '../declaration.js';
import { GLOBAL_FLAGS } from '../global-flags.js';
import { COMMANDS } from '../index.js';

/** What a value can be completed with; an empty object is free text. */
export interface Values {
  words?: readonly string[];
  files?: boolean;
  folders?: boolean;
  /** Asked of `veo __complete <kind>` when completing: never known when the script is written. */
  dynamic?: 'models' | 'tasks';
}

export interface OptionSpec {
  /** `-o` */
  short?: string;
  /** `--output` */
  long: string;
  description: string;
  /** What its value completes with; undefined when it takes none. */
  values?: Values;
}

export interface CommandSpec {
  /** From the top: `['auth', 'login']`. */
  path: readonly string[];
  name: string;
  description: string;
  options: readonly OptionSpec[];
  /** The values of its positionals, in order. */
  args: readonly Values[];
  subcommands: readonly CommandSpec[];
}

export interface CompletionSpec {
  /** The top level: the commands, and the options every command takes. */
  root: CommandSpec;
  /** Taken by every command, before or after its name; --help too. */
  globals: readonly OptionSpec[];
}

// Placeholder words of a flag's value: `-o, --output <path>`, `--dir <folder>`, `--events <file|->`.
const FLAG_VALUES: Record<string, Values> = {
  path: { files: true },
  file: { files: true },
  folder: { folders: true },
  dir: { folders: true },
};

// Placeholder words of a positional: `<id>`, `<id|url>`, `<file|id>`, config's `<key>`.
const ARGUMENT_VALUES: Record<string, Values> = {
  id: { dynamic: 'tasks' },
  file: { files: true },
  key: { words: CONFIG_KEYS },
};

/** Flags whose value is named by what it is rather than by its placeholder. */
const FLAG_VALUES_BY_NAME: Record<string, Values> = { '--model': { dynamic: 'models' } };

function merged(words: readonly string[], table: Record<string, Values>): Values {
  const values: Values = {};
  for (const word of words) Object.assign(values, table[word]);
  return values;
}

function placeholderWords(syntax: string): string[] {
  const inside = /[<[]([^>\]]*)[>\]]/.exec(syntax)?.[1] ?? '';
  return inside.split('|').map((word) => word.replace(/\.\.\.$/, ''));
}

export function optionSpec(flag: FlagDeclaration): OptionSpec {
  const match = /^(?:(-[a-zA-Z]),\s*)?(--[a-zA-Z0-9-]+)(?:\s+([<[].*[>\]]))?$/.exec(flag.flags.trim());
  if (!match) throw new Error(`cannot read the flag "${flag.flags}"`);
  const [, short, long = '', placeholder] = match;
  const spec: OptionSpec = { long, description: flag.description };
  if (short) spec.short = short;
  if (placeholder !== undefined) {
    spec.values = flag.choices
      ? { words: flag.choices }
      : (FLAG_VALUES_BY_NAME[long] ?? merged(placeholderWords(placeholder), FLAG_VALUES));
  }
  return spec;
}

function argumentValues(argument: ArgumentDeclaration): Values {
  return argument.choices ? { words: argument.choices } : merged(placeholderWords(argument.syntax), ARGUMENT_VALUES);
}

function commandSpec(declaration: CommandDeclaration<never>, parent: readonly string[]): CommandSpec {
  const path = [...parent, declaration.name];
  return {
    path,
    name: declaration.name,
    description: declaration.description,
    options: (declaration.flags ?? []).map(optionSpec),
    args: (declaration.arguments ?? []).map(argumentValues),
    subcommands: (declaration.subcommands ?? []).map((sub) => commandSpec(sub, path)),
  };
}

const HELP: OptionSpec = { short: '-h', long: '--help', description: 'display help for command' };
const VERSION: OptionSpec = { short: '-V', long: '--version', description: 'output the version number' };

export function completionSpec(commands: readonly CommandDeclaration<never>[] = COMMANDS): CompletionSpec {
  const subcommands = commands.map((declaration) => commandSpec(declaration, []));
  // commander's own: `veo help <command>` shows a command's help.
  const help: CommandSpec = {
    path: ['help'],
    name: 'help',
    description: 'display help for command',
    options: [],
    args: [{ words: subcommands.map((command) => command.name) }],
    subcommands: [],
  };
  return {
    root: { path: [], name: 'veo', description: '', options: [VERSION], args: [], subcommands: [...subcommands, help] },
    globals: [...GLOBAL_FLAGS.map(optionSpec), HELP],
  };
}

/** Every command of the tree, the root first, parents before their subcommands. */
export function everyCommand(root: CommandSpec): CommandSpec[] {
  return [root, ...root.subcommands.flatMap(everyCommand)];
}
