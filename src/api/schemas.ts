import { z } from 'zod';
import { TASK_ID_PATTERN } from '../core/ids.js';

export { TASK_ID_PATTERN };

export const TaskIdSchema = z.string().regex(TASK_ID_PATTERN, 'a task id is 24 lowercase hex characters');

/** The envelope every media answer shares; `code` 0 means success. */
export const EnvelopeSchema = z.looseObject({ code: z.number(), message: z.string().optional() });

export const IssueSchema = z.looseObject({
  path: z.array(z.union([z.string(), z.number()])).optional(),
  message: z.string().optional(),
  expected: z.string().optional(),
});

export const ErrorEnvelopeSchema = z.looseObject({
  code: z.number(),
  message: z.string().optional(),
  issues: z.array(IssueSchema).optional(),
});

/**
 * A task as create and result return it. Loose on purpose: fields the service adds later (`cost`, a reason, ...)
 * are kept and passed through to `--json` output untouched.
 */
export const TaskSchema = z.looseObject({
  code: z.literal(0),
  id: TaskIdSchema,
  model: z.string().optional(),
  prompt: z.string().nullish(),
  created_at: z.number().nullish(),
  status: z.string(),
  url: z.string().nullish(),
});
export type Task = z.infer<typeof TaskSchema>;

export const ModelSchema = z.looseObject({ id: z.string(), price: z.number().nullish() });
export type Model = z.infer<typeof ModelSchema>;
export const ModelsAnswerSchema = z.looseObject({ code: z.literal(0), models: z.array(ModelSchema) });

export const BalanceSchema = z.looseObject({
  balance: z.number(),
  creditLimit: z.number().nullish(),
  orgId: z.string().optional(),
  object: z.string().optional(),
});
export type Balance = z.infer<typeof BalanceSchema>;

/** OpenAI-style errors of `/v1/balance`. */
export const OpenAiErrorSchema = z.looseObject({
  error: z.looseObject({ message: z.string().optional(), type: z.string().nullish() }),
});

export interface CreateTaskInput {
  model: string;
  prompt: string;
  images?: string[];
  ar?: string;
}
