import { Command, Option } from 'commander';
import { COMMANDS } from './commands/index.js';
import type { CommandDeclaration } from './commands/declaration.js';
import { VERSION } from './version.js';

/** Runs a declared command once commander has parsed its command line. */
export type RunDeclared = (declaration: CommandDeclaration<never>, command: Command) => Promise<void>;

function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

const TOP_LEVEL_EXAMPLES = [
  'veo auth login',
  'veo create "a red fox running through snow, cinematic" --ar 16:9 -o fox.mp4',
  'id=$(veo create "a lighthouse at dusk") && veo wait "$id" -o lighthouse.mp4',
  'veo list',
  'veo-sim & GPTUNNEL_BASE_URL=http://127.0.0.1:8787 veo create "test" -o test.mp4',
];

const EXIT_CODES_HELP =
  '\nExit codes: 0 ok, 1 internal error, 2 usage, 3 auth, 4 balance/capacity, 5 wait timed out, 6 generation failed,\n7 network/service, 8 video link expired, 130 interrupted.\n';

/** Adds one declared command (and its subcommands) to `parent`, exactly as the declaration says. */
function addDeclared(parent: Command, declaration: CommandDeclaration<never>, runDeclared: RunDeclared): void {
  const command = parent.command(declaration.name).description(declaration.description);
  for (const argument of declaration.arguments ?? []) command.argument(argument.syntax, argument.description);
  for (const flag of declaration.flags ?? []) {
    const option = new Option(flag.flags, flag.description);
    if (flag.default !== undefined) option.default(flag.default);
    if (flag.choices) option.choices(flag.choices);
    command.addOption(option);
  }
  command.addHelpText('after', examples(declaration.examples) + (declaration.epilogue ?? ''));
  if (declaration.load) command.action((...args: unknown[]) => runDeclared(declaration, args.at(-1) as Command));
  for (const subcommand of declaration.subcommands ?? []) addDeclared(command, subcommand, runDeclared);
}

/** The whole command line: the global options, then every command of the table. */
export function buildProgram(runDeclared: RunDeclared, onCommanderError: (text: string) => void): Command {
  const program = new Command('veo')
    .description("Turn a text prompt into a video with GPTunnel's Veo-3.1 Fast media API.")
    .version(VERSION, '-V, --version')
    .option('--json', 'print one JSON document on stdout (errors as JSON on stderr)')
    .option('-q, --quiet', 'results only: no progress, hints or warnings')
    .option('--verbose', 'trace every HTTP request on stderr (the key masked)')
    .option('--no-color', 'no colours')
    .option('--api-key <key>', 'API key (prefer GPTUNNEL_API_KEY or `veo auth login`: flags are visible in ps)')
    .option('--base-url <url>', 'API origin (default https://gptunnel.ru)')
    // Set before any subcommand exists: commander copies these settings into subcommands when they are created.
    .exitOverride()
    .configureOutput({ outputError: onCommanderError })
    .addHelpText('after', examples(TOP_LEVEL_EXAMPLES) + EXIT_CODES_HELP);
  for (const declaration of COMMANDS) addDeclared(program, declaration, runDeclared);
  return program;
}
