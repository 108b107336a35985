import { z } from 'zod';
import { FileExistsError, InterruptedError, UsageError } from '../api/errors.js';
import { maskApiKey } from '../api/key.js';
import type { CreateTaskInput, Task } from '../api/schemas.js';
import type { Context } from '../context.js';
import { describeSaved, saveWithStatus, waitWithStatus, type SavedVideo } from './follow.js';
import { entryFromTask } from './journal-sync.js';
import { httpUrl, parseOptions, waitOptionsSchema } from './options.js';
import { defaultVideoPath, expandHome } from './paths.js';
import { readTextSource } from './read-text.js';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

export const createOptionsSchema = z
  .object({
    prompt: z.string().optional(),
    promptFile: z.string().optional(),
    ar: z.enum(['1:1', '16:9', '9:16'], { message: '--ar must be 1:1, 16:9 or 9:16' }).optional(),
    image: httpUrl('--image').optional(),
    model: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, { message: '--model must be a model id such as glabs-veo-3-1-fast' })
      .default('glabs-veo-3-1-fast'),
    wait: z.boolean().default(false),
    output: z.string().min(1).optional(),
    force: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .and(waitOptionsSchema);
export type CreateOptions = z.infer<typeof createOptionsSchema>;

/** The prompt comes from exactly one place: the argument, `-` for stdin, or --prompt-file. */
async function readPrompt(options: CreateOptions): Promise<string> {
  if (options.prompt !== undefined && options.promptFile !== undefined && options.prompt !== '-') {
    throw new UsageError('Give the prompt either as an argument or with --prompt-file, not both.');
  }
  const source = options.promptFile ?? (options.prompt === '-' ? '-' : undefined);
  const text = source === undefined ? (options.prompt ?? '') : await readTextSource(source);
  const prompt = text.replace(/^\uFEFF/, '').trim();
  if (!prompt) {
    throw new UsageError('The prompt is empty.', {
      code: 'EMPTY_PROMPT',
      hint: 'Example: veo create "a red fox running through snow" --ar 16:9',
    });
  }
  return prompt;
}

export function buildCreateInput(
  prompt: string,
  options: Pick<CreateOptions, 'model' | 'ar' | 'image'>,
): CreateTaskInput {
  const input: CreateTaskInput = { model: options.model, prompt };
  if (options.image) input.images = [options.image];
  if (options.ar) input.ar = options.ar;
  return input;
}

async function dryRun(ctx: Context, input: CreateTaskInput): Promise<void> {
  const settings = await ctx.settings();
  const url = new URL('/v1/media/create', settings.baseUrl.value).href;
  const authorization = settings.apiKey ? maskApiKey(settings.apiKey.value) : '(no key set)';
  const request = {
    method: 'POST',
    url,
    headers: { authorization, 'content-type': 'application/json' },
    body: input,
  };
  if (ctx.out.json) return ctx.out.data({ dryRun: true, request });
  ctx.out.result(`POST ${url}`);
  ctx.out.result(`authorization: ${authorization}`);
  ctx.out.result('content-type: application/json');
  ctx.out.result('');
  ctx.out.result(JSON.stringify(input, null, 2));
  ctx.out.info('Dry run: nothing was sent.');
}

export interface CreateOutcome {
  task: Task;
  saved?: SavedVideo;
}

export async function createCommand(ctx: Context, options: CreateOptions): Promise<CreateOutcome | undefined> {
  const prompt = await readPrompt(options);
  const input = buildCreateInput(prompt, options);
  if (options.dryRun) {
    await dryRun(ctx, input);
    return undefined;
  }
  const client = await ctx.client();
  const output =
    options.output === undefined ? undefined : options.output === '-' ? '-' : resolve(expandHome(options.output));
  if (output && output !== '-' && !options.force) {
    // Refuse before paying for a clip that could not be saved where asked.
    const exists = await stat(output).then(
      () => true,
      () => false,
    );
    if (exists) throw new FileExistsError(output);
  }
  const status = await ctx.out.statusLine({ spinnerOnly: !options.wait && output === undefined });
  status.update('creating task');
  let task: Task;
  try {
    task = await client.createTask(input, { signal: ctx.signal });
  } catch (error) {
    status.clear();
    if (error instanceof InterruptedError) {
      throw new InterruptedError('Interrupted while the create request was under way: a task may have been created.', {
        cause: error,
        hint: 'Check your GPTunnel dashboard (or veo list, if the id was recorded) before creating it again.',
      });
    }
    throw error;
  }
  const journal = await ctx.journal().catch(() => undefined);
  try {
    await journal?.record({
      ...entryFromTask(task),
      model: input.model,
      prompt,
      params: { ...(input.ar ? { ar: input.ar } : {}), ...(options.image ? { image: options.image } : {}) },
    });
  } catch (error) {
    ctx.out.warn(`The task could not be written to the journal (${(error as Error).message}); keep its id: ${task.id}`);
  }
  if (!options.wait && output === undefined) {
    status.clear();
    if (ctx.out.json) ctx.out.data(task);
    else ctx.out.result(task.id);
    return { task };
  }
  ctx.out.info(`task ${task.id} created`);
  const finished = await waitWithStatus(ctx, task.id, options, status, {
    firstPollMs: Math.min(3000, options.interval),
    resume: output ? `veo download ${task.id}${output === '-' ? ' -o -' : ` -o ${output}`}` : `veo wait ${task.id}`,
  });
  if (output === undefined) {
    status.done();
    if (ctx.out.json) ctx.out.data(finished);
    else ctx.out.result(finished.url ?? '');
    return { task: finished };
  }
  const path = output ?? (await defaultVideoPath(ctx, task.id));
  const saved = await saveWithStatus(
    ctx,
    { id: task.id, url: finished.url ?? '', path, force: options.force },
    status,
    `veo download ${task.id} -o ${path}`,
  );
  status.done(describeSaved(saved));
  if (ctx.out.json)
    ctx.out.data({
      ...finished,
      download: { id: task.id, url: saved.url, path: saved.path, bytes: saved.bytes, sha256: saved.sha256 },
    });
  else if (path !== '-') ctx.out.result(saved.path);
  return { task: finished, saved };
}

export async function run(ctx: Context, args: string[], raw: Record<string, unknown>): Promise<void> {
  const options = parseOptions(createOptionsSchema, { ...raw, prompt: args[0] });
  await createCommand(ctx, options);
}
