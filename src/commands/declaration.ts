import type { Context } from '../context.js';

/**
 * What a command is, as the command line and its help see it. A declaration is plain data and cheap to import:
 * the command table loads every declaration at start-up, and a command's logic only when it runs.
 */
export interface CommandDeclaration<Input extends CommandInput<object, object> = CommandInput> {
  name: string;
  description: string;
  /** Positionals in order; each reaches `run` under its name in `input.args`. */
  arguments?: readonly ArgumentDeclaration[];
  flags?: readonly FlagDeclaration[];
  examples: readonly string[];
  /** Help text after the examples. */
  epilogue?: string;
  /** Whether the one-line warning about finished videos whose link expires soon follows the command. */
  remindsOfExpiring: boolean;
  /** The command's logic, imported only when it runs. */
  load?: () => Promise<CommandModule<Input>>;
  subcommands?: readonly CommandDeclaration<never>[];
}

export interface ArgumentDeclaration {
  name: string;
  /** `<name>` when required, `[name]` when optional, as commander spells it. */
  syntax: string;
  description?: string;
  /** The only values accepted: commander refuses any other, and shell completion offers these. */
  choices?: readonly string[];
}

export interface FlagDeclaration {
  /** As commander spells it: `-o, --output <path>`, `--force`. */
  flags: string;
  description: string;
  /** The default, as text on the command line: the option schema parses it like any other value. */
  default?: string;
  choices?: readonly string[];
  /** May be given more than once: the command receives every value, in order. */
  repeatable?: boolean;
}

/** What commander hands a command: its positionals by name, its flags as given (parsed by the command). */
export interface CommandInput<Args = Record<string, string | undefined>, Options = Record<string, unknown>> {
  args: Args;
  options: Options;
}

export interface CommandModule<Input extends CommandInput<object, object>> {
  run(ctx: Context, input: Input): Promise<void>;
}
