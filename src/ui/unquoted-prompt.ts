import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { shellQuote } from './shell-quote.js';

/** The words a command's operands were given as, and everything else on its command line, in order. */
function splitCommandLine(command: Command, tokens: readonly string[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  let operandsOnly = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (operandsOnly || token === '-' || !token.startsWith('-')) {
      words.push(token);
      continue;
    }
    if (token === '--') {
      operandsOnly = true;
      continue;
    }
    rest.push(token);
    const option = token.includes('=') ? undefined : command.options.find((o) => o.long === token || o.short === token);
    if (option && (option.required || option.optional) && i + 1 < tokens.length) rest.push(tokens[++i] ?? '');
  }
  return { words, rest };
}

/**
 * `veo create a red fox running` hands create four operands: that is a prompt typed without quotes. The error
 * says so and gives the command with the prompt quoted, ready to paste.
 */
export function unquotedPromptError(command: Command): UsageError {
  const path: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) path.unshift(c.name());
  let root = command;
  while (root.parent) root = root.parent;
  // The tokens after the command's own name; global options before it are kept as they were.
  // commander keeps the command line it parsed, though its typings do not say so.
  const raw = (root as unknown as { rawArgs: string[] }).rawArgs;
  const at = raw.indexOf(path.at(-1) ?? '');
  const before = raw.slice(0, at + 1);
  const { words, rest } = splitCommandLine(command, raw.slice(at + 1));
  const quoted = ['veo', ...before.map(shellQuote), shellQuote(words.join(' ')), ...rest.map(shellQuote)].join(' ');
  return new UsageError(
    `${path.join(' ')} takes the prompt as one argument, but got ${command.args.length} words: quote the prompt.`,
    { code: 'USAGE', hint: `Run: ${quoted}` },
  );
}
