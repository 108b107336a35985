import type { Context } from '../../context.js';

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
}
