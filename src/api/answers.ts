import { STATUS_CODES } from 'node:http';
import type * as z from 'zod/mini';
import {
  AuthError,
  BalanceError,
  GenerationFailedError,
  InvalidInputError,
  OverloadError,
  ServerError,
  TaskNotFoundError,
  UsageError,
  type InputIssue,
} from '../core/errors.js';
import { parseRetryAfter } from './retry.js';
import { errorEnvelopeSchema, openAiErrorSchema, taskSchema, type Task } from './schemas.js';
import { boundDepth, depthNote, salvageTaskId, taskFromCreateAnswer, type AnswerNote } from './task-answer.js';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function header(answer: RawAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function snippet(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Maps a media API error code (the `code` field, decided before the HTTP status) to a typed error. */
export function errorForApiCode(code: number, message: string | undefined, issues: InputIssue[], taskId?: string) {
  const said = message ? ` The API said: "${message}"` : '';
  switch (code) {
    case 1:
    case 500:
      return new ServerError(`The service had an internal error (code ${code}).${said}`, { apiCode: code, taskId });
    case 2:
      return new AuthError(`The API key was rejected (code 2).${said}`, { code: 'INVALID_TOKEN', taskId });
    case 3:
      return new InvalidInputError(`The API rejected the request as invalid (code 3).${said}`, issues, { taskId });
    case 4:
      if (taskId) return new TaskNotFoundError(taskId);
      // No task was asked about (a create): whatever record the service missed, the request must change.
      return new UsageError(`The API found no such record (code 4).${said}`, {
        code: 'RECORD_NOT_FOUND',
        hint: 'Check --model (veo models lists them) and --image.',
      });
    case 5:
      return new BalanceError(`Insufficient balance (code 5)${taskId ? '' : ': nothing was created'}.${said}`, {
        taskId,
      });
    case 6:
      return new OverloadError(`The service is under heavy load (code 6).${said}`, { taskId });
    case 7:
      return new AuthError(`This organization may not use the model (code 7).${said}`, {
        code: 'MODEL_RESTRICTED',
        taskId,
        hint: 'Ask the account owner to allow the model, or choose another with --model (veo models lists them).',
      });
    case 99:
      return new ServerError(`The API has no such method (code 99): the base URL is probably wrong.${said}`, {
        apiCode: code,
        code: 'WRONG_BASE_URL',
        taskId,
        hint: BASE_URL_HINT,
      });
    case 1001:
    case 1002:
      return new GenerationFailedError(`Content moderation rejected the request (code ${code}).${said}`, {
        reason: message,
        taskId,
        hint: 'Change the prompt (or the image) and create a new task.',
      });
    default:
      return new ServerError(`The API answered with unknown error code ${code}.${said}`, { apiCode: code, taskId });
  }
}

/** Errors decided by the HTTP layer when the body carries no usable envelope. */
function errorForStatus(answer: RawAnswer, what: string, taskId?: string): Error {
  const { status } = answer;
  const retryAfterMs = parseRetryAfter(header(answer, 'retry-after'));
  // An error page from a proxy says nothing its status does not: its text would only be tag soup.
  const page =
    /^\s*<(!doctype|html|head|body|\?xml)/i.test(answer.text) || /html/i.test(header(answer, 'content-type') ?? '');
  const statusText = STATUS_CODES[status] ? `HTTP ${status} ${STATUS_CODES[status]}` : `HTTP ${status}`;
  // A body that only repeats the status's name ("Service Unavailable") adds nothing to it.
  const said = snippet(answer.text);
  const repeats = said !== '' && said.toLowerCase() === (STATUS_CODES[status] ?? '').toLowerCase();
  const body = !answer.text.trim() ? ' (empty body)' : page ? ' (an HTML page)' : repeats ? '' : ` (${said})`;
  if (status === 401 || status === 403) {
    return new AuthError(`The API refused the key (HTTP ${status}).`, { code: 'UNAUTHORIZED', taskId });
  }
  if (status === 429) return new OverloadError(`Too many requests (HTTP 429).`, { retryAfterMs, taskId });
  // Payment Required: the account cannot pay, whoever (the API or a gateway before it) says so without an envelope.
  if (status === 402) return new BalanceError(`The API asked for payment (HTTP 402)${body}.`, { taskId });
  if (status === 404) {
    return new ServerError(`The API answered HTTP 404 for ${what}: the base URL is probably wrong.${body}`, {
      status,
      code: 'WRONG_BASE_URL',
      taskId,
      hint: 'Check --base-url / GPTUNNEL_BASE_URL: it is an origin such as https://gptunnel.ru.',
    });
  }
  if (status >= 300 && status < 400) {
    const location = header(answer, 'location') ?? 'elsewhere';
    return new ServerError(
      `The API redirected ${what} to ${location}; redirects are not followed, so that the key never leaves the API origin.`,
      { status, code: 'UNEXPECTED_REDIRECT', taskId, hint: 'Check --base-url / GPTUNNEL_BASE_URL.' },
    );
  }
  if (status >= 500) {
    return new ServerError(`The service failed with ${statusText}${page ? '' : body}.`, {
      status,
      retryAfterMs,
      taskId,
      hint: taskId
        ? 'The service is failing; try again in a few minutes. The task is not affected: it runs on the service whatever happens here.'
        : 'The service is failing; try again in a few minutes.',
    });
  }
  if (status === 200) {
    return new ServerError(`The API answered ${what} with something that is not JSON${body}.`, { status, taskId });
  }
  // The API answers its errors in JSON: a page here comes from some other server, most likely a wrong base URL.
  return new ServerError(`The API answered ${what} with ${statusText}${body}.`, {
    status,
    taskId,
    ...(page ? { code: 'NOT_THE_API', hint: BASE_URL_HINT } : {}),
  });
}

const BASE_URL_HINT = 'Check --base-url / GPTUNNEL_BASE_URL: it is an origin such as https://gptunnel.ru.';

/**
 * The media family: decide by `code` first (the service says errors come with HTTP 200), then fall back to the HTTP
 * status for proxies, HTML pages and empty bodies. Success is parsed once with `schema`, unknown fields kept.
 */
export function interpretMediaAnswer<T extends z.ZodMiniType>(
  answer: RawAnswer,
  schema: T,
  what: string,
  taskId?: string,
  onNote?: (note: AnswerNote) => void,
): z.infer<T> {
  // Bounded before anything walks it: printing a value nested thousands of levels deep would overflow the stack.
  const { value: json, cut } = boundDepth(tryJson(answer.text));
  const envelope = errorEnvelopeSchema().safeParse(json);
  if (envelope.success && envelope.data.code !== 0) {
    throw errorForApiCode(envelope.data.code, envelope.data.message, envelope.data.issues ?? [], taskId);
  }
  if (answer.status !== 200 || json === undefined) throw errorForStatus(answer, what, taskId);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || 'answer'}: ${first.message}` : 'unexpected shape';
    throw new ServerError(`The API answered ${what} in an unexpected shape (${where}).`, {
      status: answer.status,
      code: 'UNEXPECTED_ANSWER',
      taskId,
    });
  }
  if (cut.length > 0) onNote?.(depthNote(what, cut, taskId));
  return parsed.data;
}

/**
 * A create answer: once it holds a valid task id, that task exists and may be billed, so nothing else in the answer
 * (its code, its HTTP status, members of the wrong type, values too deep to print) may turn it into an error that
 * loses the id. Without an id it is judged like any media answer. A body that is not JSON (cut short at the size
 * limit) still gives up an id found among its outermost members.
 */
export function interpretCreateAnswer(answer: RawAnswer, onNote?: (note: AnswerNote) => void): Task {
  const what = 'the create request';
  const json = tryJson(answer.text);
  const created = taskFromCreateAnswer(json);
  if (created) {
    for (const note of created.notes) onNote?.(note);
    return created.task;
  }
  const salvaged = json === undefined ? salvageTaskId(answer.text) : undefined;
  if (salvaged) {
    onNote?.({
      code: 'ANSWER_NOT_JSON',
      message: `The create answer was not valid JSON (${answer.text.length} characters; cut short?), but it names task ${salvaged}: the task is taken as created and the rest of the answer is ignored.`,
      taskId: salvaged,
    });
    return { code: 0, id: salvaged, status: 'unknown' };
  }
  return interpretMediaAnswer(answer, taskSchema(), what, undefined, onNote);
}

/** `/v1/balance` answers errors OpenAI-style, with real HTTP statuses. */
export function interpretOpenAiAnswer<T extends z.ZodMiniType>(answer: RawAnswer, schema: T, what: string): z.infer<T> {
  const json = boundDepth(tryJson(answer.text)).value;
  if (answer.status === 200 && json !== undefined) {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
  }
  const openAi = openAiErrorSchema().safeParse(json);
  if (openAi.success && answer.status === 200) {
    throw new ServerError(`The API answered ${what} with an error: ${openAi.data.error.message ?? 'unknown'}.`);
  }
  const envelope = errorEnvelopeSchema().safeParse(json);
  if (envelope.success && envelope.data.code !== 0) {
    throw errorForApiCode(envelope.data.code, envelope.data.message, envelope.data.issues ?? []);
  }
  if (answer.status === 200) {
    throw new ServerError(`The API answered ${what} in an unexpected shape.`, { code: 'UNEXPECTED_ANSWER' });
  }
  throw errorForStatus(answer, what);
}
