import { UsageError } from '../../core/errors.js';
import type { Context } from '../../context.js';

/**
 * --exec runs after a clip is saved to a file. A command of one clip given no file to save it to (no -o, or -o -
 * for stdout) would never run the hooks: refused before anything is sent, rather than paid for and then warned
 * about.
 */
export function refuseHooksWithoutFile(ctx: Context, output: string | undefined, command: string): void {
  if (!ctx.hooks || (output !== undefined && output !== '-')) return;
  const where = output === '-' ? 'to stdout (-o -)' : 'to no file (no -o)';
  throw new UsageError(
    `--exec runs after a clip is saved to a file, but this ${command} saves it ${where}; nothing was sent.`,
    {
      code: 'HOOK_NEEDS_FILE',
      hint: 'Give -o a file, a folder or a name template, e.g. -o clip.mp4 or -o clips/.',
    },
  );
}
