import * as z from 'zod/mini';
import { onFirstUse } from '../core/first-use.js';
import { TASK_ID_PATTERN } from '../core/ids.js';
import '../core/zod-english.js';

export { TASK_ID_PATTERN };

// Every schema is built on first use: a command pays only for the answers it parses.

export const taskIdSchema = onFirstUse(() =>
  z.string().check(z.regex(TASK_ID_PATTERN, 'a task id is 24 lowercase hex characters')),
);

/** The envelope every media answer shares; `code` 0 means success. */
export const envelopeSchema = onFirstUse(() => z.looseObject({ code: z.number(), message: z.optional(z.string()) }));

export const issueSchema = onFirstUse(() =>
  z.looseObject({
    path: z.optional(z.array(z.union([z.string(), z.number()]))),
    message: z.optional(z.string()),
    expected: z.optional(z.string()),
  }),
);

export const errorEnvelopeSchema = onFirstUse(() =>
  z.looseObject({
    code: z.number(),
    message: z.optional(z.string()),
    issues: z.optional(z.array(issueSchema())),
  }),
);

/**
 * A task as create and result return it. Loose on purpose: fields the service adds later (`cost`, a reason, ...)
 * are kept and passed through to `--json` output untouched.
 */
export const taskSchema = onFirstUse(() =>
  z.looseObject({
    code: z.literal(0),
    id: taskIdSchema(),
    model: z.optional(z.string()),
    prompt: z.nullish(z.string()),
    created_at: z.nullish(z.number()),
    status: z.string(),
    url: z.nullish(z.string()),
  }),
);
export type Task = z.infer<ReturnType<typeof taskSchema>>;

export const modelSchema = onFirstUse(() => z.looseObject({ id: z.string(), price: z.nullish(z.number()) }));
export type Model = z.infer<ReturnType<typeof modelSchema>>;
export const modelsAnswerSchema = onFirstUse(() =>
  z.looseObject({ code: z.literal(0), models: z.array(modelSchema()) }),
);

export const balanceSchema = onFirstUse(() =>
  z.looseObject({
    balance: z.number(),
    creditLimit: z.nullish(z.number()),
    orgId: z.optional(z.string()),
    object: z.optional(z.string()),
  }),
);
export type Balance = z.infer<ReturnType<typeof balanceSchema>>;

/** OpenAI-style errors of `/v1/balance`. */
export const openAiErrorSchema = onFirstUse(() =>
  z.looseObject({
    error: z.looseObject({ message: z.optional(z.string()), type: z.nullish(z.string()) }),
  }),
);

export interface CreateTaskInput {
  model: string;
  prompt: string;
  images?: string[];
  ar?: string;
}
