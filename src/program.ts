import { Argument, Command, Option, type AddHelpTextContext } from 'commander';
import { COMMANDS } from './commands/index.js';
import type { CommandDeclaration } from './commands/declaration.js';
import { GLOBAL_FLAGS } from './commands/global-flags.js';
import { helpColumns, narrowHelp, wrapCommand, wrapWords } from './ui/help-layout.js';
import { unquotedPromptError } from './ui/unquoted-prompt.js';
import { VERSION } from './version.js';

/** Runs a declared command once commander has parsed its command line. */
export type RunDeclared = (declaration: CommandDeclaration<never>, command: Command) => Promise<void>;

function widthOf(context: AddHelpTextContext): number {
  return helpColumns(context.error ? process.stderr : process.stdout);
}

/** The examples, each a command that still works when pasted however narrow the terminal. */
function examples(lines: readonly string[], width: number): string {
  return `\nExamples:\n${lines.map((line) => wrapCommand(line, width, '  $ ', '      ')).join('\n')}\n`;
}

const TOP_LEVEL_EXAMPLES = [
  'veo auth login',
  'veo create "a red fox running in snow" --ar 16:9 -o fox.mp4',
  'id=$(veo create "a lighthouse at dusk") && veo wait "$id" -o lighthouse.mp4',
  'veo list',
  // Against the simulator, which prints the URL it listens on (any free port) and stays in the background.
  'export GPTUNNEL_BASE_URL=$(veo-sim --detach) GPTUNNEL_API_KEY=sim-key',
  'veo create "test" -o test.mp4',
];

const EXIT_CODES_HELP =
  'Exit codes: 0 ok, 1 internal error, 2 usage, 3 auth, 4 balance/capacity, 5 wait timed out, 6 generation failed, 7 network/service, 8 video link expired, 9 spending cap, 10 a --exec hook failed, 130 interrupted.';

/** Adds one declared command (and its subcommands) to `parent`, exactly as the declaration says. */
function addDeclared(parent: Command, declaration: CommandDeclaration<never>, runDeclared: RunDeclared): void {
  const command = parent.command(declaration.name).description(declaration.description);
  for (const argument of declaration.arguments ?? []) {
    const declared = new Argument(argument.syntax, argument.description);
    if (argument.choices) declared.choices(argument.choices);
    command.addArgument(declared);
  }
  for (const flag of declaration.flags ?? []) {
    const option = new Option(flag.flags, flag.description);
    if (flag.default !== undefined) option.default(flag.default);
    if (flag.choices) option.choices(flag.choices);
    if (flag.repeatable)
      option.argParser((value: string, previous: unknown) => [...((previous as string[]) ?? []), value]);
    command.addOption(option);
  }
  command.addHelpText('after', (context) => {
    const width = widthOf(context);
    const epilogue = declaration.epilogue ? `${wrapWords(declaration.epilogue.trim(), width)}\n` : '';
    return examples(declaration.examples, width) + (epilogue ? `\n${epilogue}` : '');
  });
  // A prompt typed without quotes arrives as many words: said so below, with the quoted command, not as a count.
  if (declaration.arguments?.[0]?.name === 'prompt') command.allowExcessArguments();
  if (declaration.load) {
    command.action((...args: unknown[]) => {
      const self = args.at(-1) as Command;
      if (self.args.length > (declaration.arguments?.length ?? 0)) throw unquotedPromptError(self);
      return runDeclared(declaration, self);
    });
  }
  for (const subcommand of declaration.subcommands ?? []) addDeclared(command, subcommand, runDeclared);
}

/** The whole command line: the global options, then every command of the table. */
export function buildProgram(runDeclared: RunDeclared, onCommanderError: (text: string) => void): Command {
  const program = new Command('veo')
    .description("Turn a text prompt into a video with GPTunnel's Veo-3.1 Fast media API.")
    .version(VERSION, '-V, --version');
  for (const flag of GLOBAL_FLAGS) program.option(flag.flags, flag.description);
  program
    // Set before any subcommand exists: commander copies these settings into subcommands when they are created.
    .exitOverride()
    .configureOutput({
      outputError: onCommanderError,
      getOutHelpWidth: () => helpColumns(process.stdout),
      getErrHelpWidth: () => helpColumns(process.stderr),
    })
    // A command's own examples use --json and --quiet: its help lists them too.
    .configureHelp({ ...narrowHelp, showGlobalOptions: true })
    .addHelpText('after', (context) => {
      const width = widthOf(context);
      return `${examples(TOP_LEVEL_EXAMPLES, width)}\n${wrapWords(EXIT_CODES_HELP, width)}\n`;
    });
  for (const declaration of COMMANDS) addDeclared(program, declaration, runDeclared);
  return program;
}
