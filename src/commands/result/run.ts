import type { Task } from '../../api/schemas.js';
import type { Context } from '../../context.js';
import type { ResultInput } from './index.js';
import { adoptUnconfirmed } from '../../task/adopt-unconfirmed.js';
import { entryFromTask, recordSafely } from '../../task/journal-record.js';
import { parseTaskId } from '../shared/option-schemas.js';
import { describeTask } from '../../task/describe-task.js';

/** Asks once; whatever the state is, that is the answer (exit 0). */
export async function resultCommand(ctx: Context, id: string): Promise<Task> {
  const client = await ctx.client();
  const task = await client.getTask(id, { signal: ctx.signal });
  await adoptUnconfirmed(ctx, id, task);
  await recordSafely(ctx, entryFromTask(task));
  if (ctx.out.json) ctx.out.data(task);
  else for (const line of describeTask(task)) ctx.out.result(line);
  return task;
}

export async function run(ctx: Context, input: ResultInput): Promise<void> {
  await resultCommand(ctx, parseTaskId(input.args.id));
}
