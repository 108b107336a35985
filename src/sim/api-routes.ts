import {
  CODE_INVALID_INPUT,
  CODE_INVALID_TOKEN,
  CODE_LOW_BALANCE,
  CODE_NO_METHOD,
  CODE_NOT_FOUND,
  httpStatusFor,
  messageFor,
  type Issue,
} from './api-codes.js';
import { answerWithFields } from './answer-faults.js';
import { validateCreate } from './create-validation.js';
import { jsonReply, type Reply, type SimRequest } from './http-io.js';
import { findModel, pricedModels } from './models.js';
import { isObjectId } from './object-id.js';
import { createdAtSeconds, statusAt, type StoredTask, type TaskStore } from './tasks.js';
import type { Fault, RecordedRoute, ResolvedSimOptions } from './types.js';

export interface ApiContext {
  options(): ResolvedSimOptions;
  store: TaskStore;
  now(): number;
  fileUrl(id: string): string;
  /** Takes `price` off the balance; false (and nothing taken) when balance + creditLimit cannot cover it. */
  charge(price: number): boolean;
  orgId: string;
}

export function classifyApiPath(path: string): RecordedRoute {
  switch (path) {
    case '/v1/media/create':
      return 'create';
    case '/v1/media/result':
      return 'result';
    case '/v1/media/models':
      return 'models';
    case '/v1/balance':
      return 'balance';
    default:
      return 'other';
  }
}

export function envelope(code: number, message = messageFor(code), extra: Record<string, unknown> = {}): Reply {
  return jsonReply(httpStatusFor(code), { code, message, ...extra });
}

const INJECTED_ISSUES: Issue[] = [
  {
    code: 'invalid_type',
    path: ['prompt'],
    expected: 'string',
    message: 'Invalid input: expected string, received undefined',
  },
];

/** A 'code' fault as the route in question would word it. */
export function codeFaultReply(route: RecordedRoute, code: number, message?: string): Reply {
  if (route === 'balance' && code === CODE_INVALID_TOKEN) return unauthorizedBalance();
  const extra = code === CODE_INVALID_INPUT ? { issues: INJECTED_ISSUES } : {};
  return envelope(code, message ?? messageFor(code), extra);
}

/**
 * The documented scheme is the bare key in Authorization. Anything with a scheme word, whitespace or quotes in
 * it is not a bare key (the real service answers "Bearer ..." with code 2), nor is the configured wrong key.
 */
function keyAccepted(req: SimRequest, options: ResolvedSimOptions): boolean {
  const key = req.headers.authorization ?? '';
  return key !== '' && !/[\s"']/.test(key) && key !== options.wrongKey;
}

function unauthorizedBalance(): Reply {
  return jsonReply(401, {
    error: { message: 'Unauthorized', type: 'unauthorized_request_error', param: null, code: null },
  });
}

function notFoundOutsideMedia(): Reply {
  return jsonReply(404, { error: { message: 'Not Found', type: 'invalid_request_error', param: null, code: null } });
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

type TaskOverride = Extract<Fault, { kind: 'done-without-url' | 'status' | 'answer-fields' }> | undefined;

function taskOverride(fault: Fault | undefined): TaskOverride {
  return fault?.kind === 'done-without-url' || fault?.kind === 'status' || fault?.kind === 'answer-fields'
    ? fault
    : undefined;
}

/** The task as the API shows it: the documented fields first, then extras seen on other models. */
function taskReply(ctx: ApiContext, task: StoredTask, asCreated: boolean, override: TaskOverride): Reply {
  // The documentation shows a create answering 'idle' with no url, however short the task is.
  const real = asCreated ? 'idle' : statusAt(task, ctx.now());
  let status: string = real;
  let url = real === 'done' ? ctx.fileUrl(task.id) : null;
  if (override?.kind === 'done-without-url') {
    status = 'done';
    url = null;
  } else if (override?.kind === 'status') {
    status = override.status;
  }
  const answer: Record<string, unknown> = {
    code: 0,
    id: task.id,
    model: task.model,
    prompt: task.prompt,
    created_at: createdAtSeconds(task),
    status,
    url,
  };
  if (!asCreated) {
    if (real === 'failed') answer.error = task.failReason;
    answer.cost = task.cost;
  }
  if (override?.kind === 'answer-fields') return answerWithFields(answer, override);
  return jsonReply(200, answer);
}

function create(ctx: ApiContext, req: SimRequest, fault: Fault | undefined): Reply {
  const checked = validateCreate(req.body);
  if ('issues' in checked) return envelope(CODE_INVALID_INPUT, undefined, { issues: checked.issues });
  const { input } = checked;
  const options = ctx.options();
  const price = options.prices?.[input.model] ?? findModel(input.model)?.price ?? 0;
  if (!ctx.charge(price)) return envelope(CODE_LOW_BALANCE);
  const fails = options.failPattern !== null && new RegExp(options.failPattern).test(input.prompt);
  const task = ctx.store.create(
    { ...input, cost: price, durationMs: options.taskMs, failReason: fails ? options.failReason : null },
    ctx.now(),
  );
  return taskReply(ctx, task, true, taskOverride(fault));
}

function result(ctx: ApiContext, req: SimRequest, fault: Fault | undefined): Reply {
  const fromBody = req.method === 'POST' ? parseJsonObject(req.body)?.task_id : undefined;
  const id = fromBody ?? req.query.task_id;
  if (typeof id !== 'string') {
    const expected = 'string';
    const received = id === undefined ? 'undefined' : id === null ? 'null' : typeof id;
    return envelope(CODE_INVALID_INPUT, undefined, {
      issues: [
        {
          code: 'invalid_type',
          path: ['task_id'],
          expected,
          message: `Invalid input: expected string, received ${received}`,
        },
      ],
    });
  }
  const task = isObjectId(id) ? ctx.store.get(id) : undefined;
  if (!task) return envelope(CODE_NOT_FOUND);
  task.polls += 1;
  return taskReply(ctx, task, false, taskOverride(fault));
}

function balance(ctx: ApiContext): Reply {
  const { balance: amount, creditLimit } = ctx.options();
  return jsonReply(200, { orgId: ctx.orgId, object: 'balance', balance: amount, creditLimit });
}

/** Answers one API-origin request. Routing comes before auth: recorded traffic shows code 99 for unknown paths. */
export function handleApiRequest(ctx: ApiContext, req: SimRequest, fault: Fault | undefined): Reply {
  const route = classifyApiPath(req.path);
  const options = ctx.options();
  if (route === 'balance') {
    if (req.method !== 'GET') return notFoundOutsideMedia();
    return keyAccepted(req, options) ? balance(ctx) : unauthorizedBalance();
  }
  if (route === 'other') return req.path.startsWith('/v1/media/') ? envelope(CODE_NO_METHOD) : notFoundOutsideMedia();
  const methodOk = route === 'create' ? req.method === 'POST' : req.method === 'GET' || req.method === 'POST';
  if (!methodOk) return envelope(CODE_NO_METHOD);
  if (!keyAccepted(req, options)) return envelope(CODE_INVALID_TOKEN);
  switch (route) {
    case 'create':
      return create(ctx, req, fault);
    case 'result':
      return result(ctx, req, fault);
    case 'models':
      return jsonReply(200, { code: 0, models: pricedModels(options.prices) });
    default:
      return envelope(CODE_NO_METHOD);
  }
}
