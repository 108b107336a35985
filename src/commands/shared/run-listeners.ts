import type { Context } from '../../context.js';

/** The commands that save clips or wait for them: the ones --exec, --notify and --bell belong to. */
const LONG_RUNS = new Set(['create', 'rerun', 'wait', 'download', 'batch', 'sync']);

/**
 * A create or rerun that only starts a task is over at once: it is worth a signal only when it waited (--wait, -o,
 * --repeat), or when it saved clips (a prompt with {a|b} groups waits for its variations).
 */
function onlyIfSaved(command: string, options: Record<string, unknown>): boolean {
  if (command !== 'create' && command !== 'rerun') return false;
  return !(options.wait || options.output || options.repeat);
}

/** --notify / --no-notify, else the stored setting. */
async function wanted(ctx: Context, flag: unknown, key: 'notify' | 'bell'): Promise<boolean> {
  if (typeof flag === 'boolean') return flag;
  return (await ctx.settings()).config[key] === 'true';
}

/**
 * Attaches the listeners a run asks for, by its flags or the config's defaults, before the command starts: the
 * event stream (--events), hooks (--exec), notifications (--notify, --bell) and, under GitHub Actions, the step
 * summary. Each is loaded only when asked for, so the hot paths pay nothing.
 */
export async function attachRunListeners(ctx: Context, options: Record<string, unknown>): Promise<void> {
  if (typeof options.events === 'string') {
    const { attachEventStream } = await import('./event-stream.js');
    attachEventStream(ctx, options.events, options);
  }
  if (ctx.env.GITHUB_ACTIONS === 'true' && ctx.env.GITHUB_STEP_SUMMARY) {
    const { attachStepSummary, stepSummaryFile } = await import('./step-summary.js');
    const file = stepSummaryFile(ctx, options);
    if (file) attachStepSummary(ctx, file, options);
  }
  await attachHooksAndSignals(ctx, options);
}

/** --exec, --notify and --bell, on the commands that save clips or wait for them. */
async function attachHooksAndSignals(ctx: Context, options: Record<string, unknown>): Promise<void> {
  const command = ctx.command ?? '';
  if (!LONG_RUNS.has(command)) return;
  if (options.exec !== undefined) {
    const { attachHooks } = await import('../../task/run-hooks.js');
    const { execTemplates } = await import('../../task/hook-command.js');
    attachHooks(ctx, execTemplates(options.exec));
  }
  const notify = await wanted(ctx, options.notify, 'notify');
  const bell = await wanted(ctx, options.bell, 'bell');
  if (notify || bell) {
    const { attachEndSignals } = await import('../../task/notify.js');
    attachEndSignals(ctx, { notify, bell, onlyIfSaved: onlyIfSaved(command, options) });
  }
}
