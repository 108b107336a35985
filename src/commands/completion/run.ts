import type { Context } from '../../context.js';
import { UsageError } from '../../core/errors.js';
import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import { SHELLS, type CompletionInput, type Shell } from './index.js';
import { completionSpec, type CompletionSpec } from './spec.js';
import { zshScript } from './zsh.js';

const SCRIPTS: Record<Shell, (spec: CompletionSpec) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };

export async function run(ctx: Context, input: CompletionInput): Promise<void> {
  const shell = input.args.shell;
  // commander refuses any other name first; this keeps the promise when the command is reached another way.
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`Unknown shell "${shell}": veo completes ${SHELLS.join(', ')}.`, { code: 'USAGE' });
  }
  const script = SCRIPTS[shell](completionSpec());
  if (ctx.out.json) ctx.out.data({ shell, script });
  else for (const line of script.replace(/\n$/, '').split('\n')) ctx.out.result(line);
}
