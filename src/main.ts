import type { Command } from 'commander';
import { setMaxListeners } from 'node:events';
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { errnoWords } from './core/errno-words.js';
import { UsageError, InterruptedError, isVeoError } from './core/errors.js';
import { CREATE_ANSWER_GRACE_MS } from './api/safety.js';
import type { CommandDeclaration } from './commands/declaration.js';
import { attachRunListeners } from './commands/shared/run-listeners.js';
import { createContext, type Context, type CreatesInFlight } from './context.js';
import { fastRoute } from './fast-route.js';
import { EXIT_CODES, EXIT_OK, EXIT_TERMINATED } from './core/exit-codes.js';
import { describeKey, refusedKeyHint, type GlobalOptions } from './settings.js';
import { Output } from './ui/output.js';
import { counted } from './ui/text-format.js';

const controller = new AbortController();
// Every item of a batch (and every wait, download and hook in it) listens to this one signal: many is expected.
setMaxListeners(0, controller.signal);
let signalName: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | undefined;
const creates: CreatesInFlight = { count: 0, received: new Set() };
let out: Output | undefined;
/** The running command's context: an auth failure names the key it used, from its settings. */
let current: Context | undefined;
/** Known from the command line before anything is parsed, so that even the earliest message obeys --json. */
let jsonWanted = false;

/** Before the output exists: a plain line, or in --json mode a JSON line, so that stderr stays JSON only. */
function early(kind: 'warning' | 'error', text: string, extra: Record<string, unknown> = {}): void {
  process.stderr.write(
    jsonWanted
      ? `${JSON.stringify({ [kind]: { ...extra, message: text } })}\n`
      : `veo: ${kind === 'error' ? 'error: ' : ''}${text}\n`,
  );
}

/** 128 + the signal number, the shell's convention; a closed terminal (SIGHUP) is handled like SIGTERM. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = {
  SIGINT: 130,
  SIGTERM: EXIT_TERMINATED,
  SIGHUP: 129,
};

/** How the stop is told: Ctrl-C is the user's own, the others came from elsewhere and must say so. */
const STOPPED_BY: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', string> = {
  SIGINT: 'Interrupted',
  SIGTERM: 'Terminated (SIGTERM)',
  SIGHUP: 'Stopped: the terminal hung up (SIGHUP)',
};

function say(text: string): void {
  try {
    if (out) out.warn(text, 'SIGNAL');
    else early('warning', text, { code: 'SIGNAL' });
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
            `Quit with ${counted(creates.count - creates.received.size, 'create request')} unanswered: a billed task may exist. It is recorded in the journal as unconfirmed; \`veo list\` shows it.`,
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

function configureHelpOnStderr(command: Command, writeErr: (text: string) => void): void {
  command.configureOutput({ ...command.configureOutput(), writeErr });
  for (const sub of command.commands) configureHelpOnStderr(sub, writeErr);
}

function globalsOf(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  const opts = root.opts<GlobalOptions>();
  return { ...opts, color: opts.color !== false };
}

function preliminaryGlobals(argv: string[]): GlobalOptions {
  const has = (...flags: string[]) => flags.some((flag) => argv.includes(flag));
  return { json: has('--json'), quiet: has('-q', '--quiet'), verbose: has('--verbose'), color: !has('--no-color') };
}

function outputOptions({ json, quiet, verbose, color }: GlobalOptions) {
  return { json: Boolean(json), quiet: Boolean(quiet), verbose: Boolean(verbose), color: color !== false };
}

/** Runs a declared command with its positionals by name and its flags, then reminds of expiring videos if it says so. */
async function runCommand(
  declaration: CommandDeclaration<never>,
  globals: GlobalOptions,
  args: Record<string, string | undefined>,
  options: Record<string, unknown>,
): Promise<void> {
  out = await Output.create(outputOptions(globals));
  const ctx = createContext(globals, out, controller.signal, process.env, creates);
  (current = ctx).command = declaration.name;
  out.command = declaration.name;
  const module = await (declaration as CommandDeclaration).load?.();
  await attachRunListeners(ctx, options);
  await module?.run(ctx, { args, options });
  if (declaration.remindsOfExpiring) {
    const { remindExpiring } = await import('./task/expiry-reminder.js');
    await remindExpiring(ctx);
  }
  // A failure that let the run go on (a hook that failed after its clip was saved) decides the exit code now.
  ctx.events.throwLate();
}

/** The run is over: listeners (a notifier, the step summary, the event stream) hear how it ended, and why. */
const tellTheEnd = (exitCode: number, error?: unknown) =>
  current?.events.end(current.command ?? '', exitCode, error, (text) => current?.out.redact(text) ?? text) ?? exitCode;

/** commander's own message, with its "(Did you mean …?)" line made the hint it is. */
function commanderUsageError(text: string): UsageError {
  const message = text.replace(/^error: /, '').trim();
  const suggestion = /\s*\(Did you mean (.+)\?\)$/.exec(message);
  if (!suggestion) {
    return new UsageError(/[.!?]$/.test(message) ? message : `${message}.`, {
      code: 'USAGE',
      hint: 'Run `veo --help` for usage.',
    });
  }
  return new UsageError(`${message.slice(0, suggestion.index)}.`, {
    code: 'USAGE',
    hint: `Did you mean ${suggestion[1]}? Run \`veo --help\` for usage.`,
  });
}

/** `veo help nosuch` would show the whole help as if nosuch were fine: it is parsed as the command it names. */
function helpTopicArgv(program: Command, argv: string[]): string[] {
  const topic = argv[1];
  if (argv[0] !== 'help' || topic === undefined || topic.startsWith('-')) return argv;
  const known = program.commands.some((c) => c.name() === topic || c.aliases().includes(topic));
  return known ? argv : argv.slice(1);
}

/**
 * A refused key is fixed where it came from: the failure says which key was used (masked) and where it was set.
 * Failures that already name their key (no key at all, a key being checked at login) are left as they are.
 */
async function nameTheKeyUsed(error: unknown): Promise<void> {
  if (!isVeoError(error) || error.kind !== 'auth') return;
  if (error.code === 'NO_API_KEY' || error.code === 'KEY_REJECTED') return;
  const settings = await current?.settings().catch(() => undefined);
  const key = settings?.apiKey;
  if (!key) return;
  error.message = `${error.message.replace(/\s+$/, '')} Key used: ${describeKey(key)}.`;
  // A refused key's own hint is replaced; a hint that says more (resume a batch, pick another model) is kept.
  if (error.code === 'INVALID_TOKEN' || error.code === 'UNAUTHORIZED') error.hint = refusedKeyHint(key);
  else if (error.code === 'ITEMS_FAILED') error.hint = [refusedKeyHint(key), error.hint].filter(Boolean).join(' ');
}

/** A hint to check the base URL names the URL in use and where it was set, since that is where it is fixed. */
async function nameTheBaseUrl(error: unknown): Promise<void> {
  if (!isVeoError(error) || !error.hint?.includes('GPTUNNEL_BASE_URL')) return;
  const settings = await current?.settings().catch(() => undefined);
  const url = settings?.baseUrl;
  if (!url) return;
  const where = {
    flag: 'with --base-url',
    env: 'by GPTUNNEL_BASE_URL',
    config: 'by `veo config set base-url`',
    default: 'by default',
  }[url.source];
  error.hint = `Check the base URL ${url.value} (set ${where}): it is an origin such as https://gptunnel.ru.`;
}

/** What commander hands an action: the declared positionals by name, and the command's flags. */
async function runDeclared(declaration: CommandDeclaration<never>, command: Command): Promise<void> {
  const args = Object.fromEntries(
    (declaration.arguments ?? []).map((argument, index) => [
      argument.name,
      command.processedArgs[index] as string | undefined,
    ]),
  );
  await runCommand(declaration, globalsOf(command), args, command.opts());
}

/**
 * Plain invocations of the hottest commands skip commander (see fast-route.ts); VEO_FAST_PATH=off sends every
 * command line through commander.
 */
async function parseAndRun(argv: string[], said: CommanderOutput): Promise<void> {
  const route = process.env.VEO_FAST_PATH === 'off' ? undefined : fastRoute(argv);
  if (route) return runCommand(route.declaration, route.globals, route.args, route.options);
  const { buildProgram } = await import('./program.js');
  const program = buildProgram(runDeclared, (text) => (said.message += text));
  // The help commander shows on stderr when a command is missing is text: in --json mode an error document says it.
  if (jsonWanted) configureHelpOnStderr(program, (text) => (said.helpShown += text));
  await program.parseAsync(helpTopicArgv(program, argv), { from: 'user' });
}

/** What commander wrote instead of printing it: its error message, and the help it showed for a missing command. */
interface CommanderOutput {
  message: string;
  helpShown: string;
}

/** Only the commander path can throw commander's errors: the fast path never loads it for this check. */
async function asCommanderError(error: unknown): Promise<import('commander').CommanderError | undefined> {
  if (!(error instanceof Error) || !('code' in error) || !String(error.code).startsWith('commander.')) return undefined;
  const { CommanderError } = await import('commander');
  return error instanceof CommanderError ? error : undefined;
}

export async function main(argv: string[]): Promise<number> {
  // What completion scripts call on every Tab: hidden from the help, answered without commander, never loud.
  if (argv[0] === '__complete') return (await import('./commands/completion/candidates.js')).complete(argv.slice(1));
  jsonWanted = preliminaryGlobals(argv).json ?? false;
  const said: CommanderOutput = { message: '', helpShown: '' };
  installSignalHandlers();
  // `veo list | head` closes stdout early: that is the reader's choice, not an error, and the work goes on
  // (Output absorbs it). Any other failure to write results (a full disk behind a redirect) is a local problem,
  // like a full disk for -o.
  // A terminal that went away (SIGHUP) answers every write with EIO: the work, and the journal, go on without it.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EIO' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    early('error', `cannot write the results to stdout: ${errnoWords(error)}.`, {
      code: 'STDOUT_FAILED',
      exitCode: EXIT_CODES.usage,
      ...(error.code ? { errno: error.code } : {}),
    });
    process.exit(EXIT_CODES.usage);
  });
  try {
    await parseAndRun(argv, said);
    // A command that finished its work after a signal still says it was stopped, as the shell expects.
    return await tellTheEnd(signalName ? SIGNAL_EXIT[signalName] : EXIT_OK);
  } catch (error) {
    const { renderError } = await import('./ui/render-error.js');
    const commanderError = await asCommanderError(error);
    if (commanderError) {
      const { code, exitCode } = commanderError;
      if (code === 'commander.helpDisplayed' || code === 'commander.version' || exitCode === 0) {
        return EXIT_OK;
      }
      // `veo` alone, or a command group without its subcommand: the help was shown on stderr; that is the message.
      if (code === 'commander.help') {
        if (!jsonWanted) return EXIT_CODES.usage;
        out ??= await Output.create(outputOptions(preliminaryGlobals(argv)));
        const usage = /^Usage: (.*)$/m.exec(said.helpShown)?.[1] ?? 'veo [options] [command]';
        return renderError(
          out,
          new UsageError(`A command is needed: ${usage}.`, { code: 'USAGE', hint: 'Run `veo --help` for usage.' }),
        );
      }
      out ??= await Output.create(outputOptions(preliminaryGlobals(argv)));
      return renderError(out, commanderUsageError(said.message || commanderError.message));
    }
    out ??= await Output.create(outputOptions(preliminaryGlobals(argv)));
    if (signalName && isVeoError(error) && error.kind === 'interrupted') {
      error.message = error.message.replace(/^Interrupted\b/, STOPPED_BY[signalName]);
    }
    await nameTheKeyUsed(error);
    await nameTheBaseUrl(error);
    const code = renderError(out, current?.events.annotate(error) ?? error);
    return tellTheEnd(signalName && code === 130 ? SIGNAL_EXIT[signalName] : code, error);
  }
}
