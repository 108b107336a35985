import { Command, CommanderError, Option } from 'commander';
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { UsageError, InterruptedError } from './core/errors.js';
import { CREATE_ANSWER_GRACE_MS } from './api/safety.js';
import { createContext, type Context, type CreatesInFlight } from './context.js';
import { VERSION } from './version.js';
import { EXIT_CODES, EXIT_OK, EXIT_TERMINATED } from './core/exit-codes.js';
import type { GlobalOptions } from './settings.js';
import { Output } from './ui/output.js';

type CommandModule = { run(ctx: Context, args: string[], options: Record<string, unknown>): Promise<void> };
type Loader = () => Promise<CommandModule>;

const controller = new AbortController();
let signalName: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | undefined;
const creates: CreatesInFlight = { count: 0, received: new Set() };
let out: Output | undefined;

/** 128 + the signal number, the shell's convention; a closed terminal (SIGHUP) is handled like SIGTERM. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = {
  SIGINT: 130,
  SIGTERM: EXIT_TERMINATED,
  SIGHUP: 129,
};

function say(text: string): void {
  try {
    if (out) out.warn(text);
    else process.stderr.write(`veo: ${text}\n`);
  } catch {
    // After SIGHUP the terminal may be gone: the journal, not the screen, keeps what matters.
  }
}

/**
 * The first signal asks the running command to stop cleanly (it prints how to resume); a second one exits at once.
 * Either way a create request already sent is never silently abandoned: its intent is in the journal.
 */
function installSignalHandlers(): void {
  // Asked now: once the terminal hangs up, it no longer answers as one.
  const terminals = [0, 1, 2].filter((fd) => isatty(fd));
  process.on('exit', () => {
    // At exit Node restores the terminal's settings and aborts the process when that fails, as it does once the
    // terminal is gone: closing the descriptors first makes it skip them, so a hangup ends with 129, not a crash.
    if (signalName !== 'SIGHUP') return;
    for (const fd of terminals) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  });
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(name, () => {
      const again = name === 'SIGINT' ? 'Ctrl-C again' : 'a second signal';
      if (signalName) {
        for (const id of creates.received) {
          say(
            `Task ${id} was created (and is paid for) but not journaled yet: keep its id; \`veo wait ${id}\` picks it up.`,
          );
        }
        if (creates.count > creates.received.size) {
          say(
            `Quit with ${creates.count - creates.received.size} create request(s) unanswered: a billed task may exist. It is recorded in the journal as unconfirmed; \`veo list\` shows it.`,
          );
        }
        process.exit(SIGNAL_EXIT[name]);
      }
      signalName = name;
      if (creates.count > 0 && !creates.announcesOwnStop) {
        say(
          `Stopping: waiting up to ${CREATE_ANSWER_GRACE_MS / 1000} s for the answer to the create request already sent, so the paid task's id is not lost (${again} quits at once).`,
        );
      }
      controller.abort(new InterruptedError(`Interrupted by ${name}.`));
    });
  }
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

function timingOptions(command: Command): Command {
  return command
    .option('--interval <seconds>', 'seconds between status checks (at least 1; decimals allowed)', '5')
    .option('--timeout <duration>', 'how long to wait: 90, 90s, 15m, 1h', '15m');
}

function build(
  run: (loader: Loader) => (...args: unknown[]) => Promise<void>,
  onCommanderError: (text: string) => void,
): Command {
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
    .addHelpText(
      'after',
      examples([
        'veo auth login',
        'veo create "a red fox running through snow, cinematic" --ar 16:9 -o fox.mp4',
        'id=$(veo create "a lighthouse at dusk") && veo wait "$id" -o lighthouse.mp4',
        'veo list',
        'veo-sim & GPTUNNEL_BASE_URL=http://127.0.0.1:8787 veo create "test" -o test.mp4',
      ]) +
        '\nExit codes: 0 ok, 1 internal error, 2 usage, 3 auth, 4 balance/capacity, 5 wait timed out, 6 generation failed,\n7 network/service, 8 video link expired, 130 interrupted.\n',
    );

  timingOptions(
    program
      .command('create')
      .description('start a generation; prints the task id')
      .argument('[prompt]', 'the prompt, or - to read it from stdin')
      .option('--prompt-file <path>', 'read the prompt (UTF-8) from a file, or - for stdin')
      .addOption(new Option('--ar <ratio>', 'aspect ratio').choices(['1:1', '16:9', '9:16']))
      .option('--image <url>', 'first frame: a public http(s) image URL')
      .option('--model <id>', 'model id', 'glabs-veo-3-1-fast')
      .option('--wait', 'wait for the video and print its URL')
      .option('-o, --output <path>', 'wait, then save the video here (implies --wait; - for stdout)')
      .option('--force', 'overwrite the output file if it exists')
      .option('--dry-run', 'print the request that would be sent, and send nothing'),
  )
    .addHelpText(
      'after',
      examples([
        'veo create "a paper boat on a rainy street" --ar 9:16',
        'veo create "timelapse of a city at night" -o city.mp4',
        'veo create --prompt-file prompt.txt --image https://example.com/first-frame.jpg --wait',
        'echo "a cat playing piano" | veo create - --dry-run',
      ]),
    )
    .action(run(() => import('./commands/create/run.js')));

  program
    .command('result')
    .description("ask once for a task's state")
    .argument('<id>', 'task id (24 hex characters)')
    .addHelpText(
      'after',
      examples(['veo result 684e5b2214bed9a815408cb3', 'veo result 684e5b2214bed9a815408cb3 --json']),
    )
    .action(run(() => import('./commands/result/run.js')));

  timingOptions(
    program
      .command('wait')
      .description('poll a task until it finishes; prints the video URL (or the saved path with -o)')
      .argument('<id>', 'task id')
      .option('-o, --output <path>', 'save the video here when done (- for stdout)')
      .option('--force', 'overwrite the output file if it exists'),
  )
    .addHelpText(
      'after',
      examples(['veo wait 684e5b2214bed9a815408cb3', 'veo wait 684e5b2214bed9a815408cb3 --timeout 30m -o clip.mp4']),
    )
    .action(run(() => import('./commands/wait/run.js')));

  timingOptions(
    program
      .command('download')
      .description('save the video of a task (waiting for it first if needed), or of a video URL')
      .argument('<id|url>', 'task id, or the video URL the API returned')
      .option('-o, --output <path>', 'where to save it (default <output-dir>/<id>.mp4; - for stdout)')
      .option('--force', 'overwrite an existing file'),
  )
    .addHelpText(
      'after',
      examples([
        'veo download 684e5b2214bed9a815408cb3',
        'veo download 684e5b2214bed9a815408cb3 -o clip.mp4 --force',
        'veo download 684e5b2214bed9a815408cb3 -o - | ffprobe -',
      ]),
    )
    .action(run(() => import('./commands/download/run.js')));

  const auth = program
    .command('auth')
    .description('store, check or remove the API key')
    .addHelpText('after', examples(['veo auth login', 'veo auth status', 'veo auth logout']));
  auth
    .command('login')
    .description('store the API key (asked for without echo, or read from stdin with --with-token)')
    .option('--with-token', 'read the key from stdin')
    .addHelpText('after', examples(['veo auth login', 'printf %s "$KEY" | veo auth login --with-token']))
    .action(run(() => import('./commands/auth/login.js')));
  auth
    .command('status')
    .description('show which key is used and where it comes from (masked); exit 3 if none')
    .addHelpText('after', examples(['veo auth status']))
    .action(run(() => import('./commands/auth/status.js')));
  auth
    .command('logout')
    .description('remove the stored key')
    .addHelpText('after', examples(['veo auth logout']))
    .action(run(() => import('./commands/auth/logout.js')));

  program
    .command('list')
    .description('the tasks started from this machine: status, age, prompt, saved file or time left on the link')
    .option('--pending', 'only tasks still running')
    .option('--unsaved', 'only finished videos not saved yet')
    .option('--limit <n>', 'only the newest n')
    .addHelpText('after', examples(['veo list', 'veo list --unsaved', 'veo list --json --limit 5']))
    .action(run(() => import('./commands/list/run.js')));

  program
    .command('sync')
    .description('save every finished video of the journal that is not saved yet (for cron and CI)')
    .option('--dir <folder>', 'where to save (default: the output-dir setting, else the current folder)')
    .option('--force', 'overwrite files that are in the way')
    .addHelpText('after', examples(['veo sync', 'veo sync --quiet --dir ~/videos']))
    .action(run(() => import('./commands/sync/run.js')));

  timingOptions(
    program
      .command('batch')
      .description('create, wait for and save many videos: one prompt a line, bounded concurrency, resumable')
      .argument(
        '<file>',
        'a text file (one prompt a line) or JSON lines (prompt, ar, image, model, output); - for stdin',
      )
      .option('--concurrency <n>', 'items in progress at once', '3')
      .option('--dir <folder>', 'where to save (default: the output-dir setting, else the current folder)')
      .option('--model <id>', 'model of the lines that name none (default glabs-veo-3-1-fast)')
      .addOption(
        new Option('--ar <ratio>', 'aspect ratio of the lines that name none').choices(['1:1', '16:9', '9:16']),
      )
      .option('--force', 'overwrite files that are in the way')
      .option('--dry-run', 'check every line and print the total cost; send nothing')
      .option('--allow-duplicates', 'make one clip per line even when lines repeat (each is paid for)')
      .option('--retry-unconfirmed', 'create again the items whose earlier create was never answered (may pay twice)'),
  )
    .addHelpText(
      'after',
      examples([
        'veo batch prompts.txt --dir clips',
        'veo batch prompts.txt --dry-run',
        'veo batch shots.jsonl --concurrency 5 --ar 9:16',
        'grep -v draft ideas.txt | veo batch - --json > results.json',
      ]) + '\nRe-running the same command resumes: saved items are skipped and no item is created twice.\n',
    )
    .action(run(() => import('./commands/batch/run.js')));

  program
    .command('models')
    .description('the Veo models and the price of one clip (rubles); --all for every model')
    .option('--all', 'every model the API offers, not only Veo')
    .addHelpText('after', examples(['veo models', 'veo models --all --json']))
    .action(run(() => import('./commands/models/run.js')));

  program
    .command('balance')
    .description("the account's balance and credit limit (rubles)")
    .addHelpText('after', examples(['veo balance', 'veo balance --json']))
    .action(run(() => import('./commands/balance/run.js')));

  const config = program
    .command('config')
    .description('read and change settings (base-url, output-dir)')
    .addHelpText('after', examples(['veo config list', 'veo config set output-dir ~/videos', 'veo config path']));
  for (const [name, description, args, example] of [
    ['get', 'print a setting', ['<key>'], 'veo config get output-dir'],
    ['set', 'change a setting', ['<key>', '<value>'], 'veo config set output-dir ~/videos'],
    ['unset', 'remove a setting', ['<key>'], 'veo config unset base-url'],
    ['list', 'print every setting (the key masked)', [], 'veo config list'],
    ['path', 'print the config folder', [], 'veo config path'],
  ] as const) {
    const sub = config.command(name).description(description);
    for (const arg of args) sub.argument(arg);
    sub.addHelpText('after', examples([example])).action(run(() => import('./commands/config/actions.js')));
  }

  return program;
}

function globalsOf(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  const opts = root.opts<GlobalOptions>();
  return { ...opts, color: opts.color !== false };
}

function preliminaryGlobals(argv: string[]): GlobalOptions {
  return {
    json: argv.includes('--json'),
    quiet: argv.includes('-q') || argv.includes('--quiet'),
    verbose: argv.includes('--verbose'),
    color: !argv.includes('--no-color'),
  };
}

function outputOptions(globals: GlobalOptions) {
  return {
    json: Boolean(globals.json),
    quiet: Boolean(globals.quiet),
    verbose: Boolean(globals.verbose),
    color: globals.color !== false,
  };
}

export async function main(argv: string[]): Promise<number> {
  let commanderMessage = '';
  const program = build(
    (loader) =>
      async (...args: unknown[]) => {
        const command = args.at(-1) as Command;
        const options = command.opts();
        const positional = command.processedArgs as string[];
        const globals = globalsOf(command);
        out = await Output.create(outputOptions(globals));
        const ctx = createContext(globals, out, controller.signal, process.env, creates);
        const module = await loader();
        const named = command.parent && command.parent.parent ? command.name() : undefined;
        await module.run(ctx, named ? [named, ...positional] : positional, options);
        if (!['list', 'sync', 'auth', 'config'].includes(named ? (command.parent?.name() ?? '') : command.name())) {
          const { remindExpiring } = await import('./task/expiry-reminder.js');
          await remindExpiring(ctx);
        }
      },
    (text) => (commanderMessage += text),
  );
  installSignalHandlers();
  // `veo list | head` closes stdout early: that is the reader's choice, not an error, and the work goes on
  // (Output absorbs it). Any other failure to write results (a full disk behind a redirect) is a local problem,
  // like a full disk for -o.
  // A terminal that went away (SIGHUP) answers every write with EIO: the work, and the journal, go on without it.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EIO' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    process.stderr.write(`veo: error: cannot write the results to stdout: ${error.message}\n`);
    process.exit(EXIT_CODES.usage);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command that finished its work after a signal still says it was stopped, as the shell expects.
    return signalName ? SIGNAL_EXIT[signalName] : EXIT_OK;
  } catch (error) {
    const { renderError } = await import('./ui/render-error.js');
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) {
        return EXIT_OK;
      }
      // `veo` alone, or a command group without its subcommand: the help was shown on stderr; that is the message.
      if (error.code === 'commander.help') return EXIT_CODES.usage;
      out ??= await Output.create(outputOptions(preliminaryGlobals(argv)));
      const message = (commanderMessage || error.message).replace(/^error: /, '').trim();
      return renderError(out, new UsageError(message, { code: 'USAGE', hint: 'Run with --help for usage.' }));
    }
    out ??= await Output.create(outputOptions(preliminaryGlobals(argv)));
    const code = renderError(out, error);
    return signalName && code === 130 ? SIGNAL_EXIT[signalName] : code;
  }
}
