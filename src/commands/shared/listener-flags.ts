// The options that shape what a run does around its clips (hooks, notifications, the event stream), as a resume
// hint repeats them: a pasted hint must run the same hooks on the clips it saves, and tell the same listeners.
import { execTemplates } from '../../task/hook-command.js';
import { shellQuote } from '../../ui/shell-quote.js';
import type { EventsInput, RunHookInput } from './flags.js';

/**
 * --exec each in its order, --notify / --bell (or their --no- forms, which override the config), and --events
 * (a file is appended to, `-` writes to stdout again: the same stream continues).
 */
export function listenerFlags(given: RunHookInput & EventsInput): string[] {
  const parts: string[] = [];
  for (const template of execTemplates(given.exec)) parts.push('--exec', shellQuote(template));
  for (const name of ['notify', 'bell'] as const) {
    const value = given[name];
    if (typeof value === 'boolean') parts.push(value ? `--${name}` : `--no-${name}`);
  }
  if (typeof given.events === 'string') parts.push('--events', shellQuote(given.events));
  return parts;
}
