import type * as z from 'zod/mini';
import { NetworkError, ServerError } from '../core/errors.js';
import { monotonicMs } from '../core/clock.js';
import { interpretCreateAnswer, interpretMediaAnswer, interpretOpenAiAnswer, type RawAnswer } from './answers.js';
import { describeNetworkError, dispatcherFor, loadUndici, readText, type TraceEvent } from './http.js';
import { parseBaseUrl } from './origin.js';
import { DEFAULT_RETRY_POLICY, withRetry, type Operation, type RetryEvent, type RetryPolicy } from './retry.js';
import {
  CREATE_ANSWER_GRACE_MS,
  checkTaskId,
  deferAbort,
  mayHaveCreated,
  throwIfAborted,
  unconfirmedCreate,
} from './safety.js';
import {
  balanceSchema,
  modelsAnswerSchema,
  taskSchema,
  type Balance,
  type CreateTaskInput,
  type Model,
  type Task,
} from './schemas.js';
import type { AnswerNote } from './task-answer.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ClientOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  userAgent?: string;
  onTrace?: (event: TraceEvent) => void;
  /** `request` names the API call by the last part of its path (create, result, models, balance). */
  onRetry?: (event: RetryEvent & { what: string; request: string; taskId?: string }) => void;
  /** Oddities in an answer that were worked around (a value too deep to print, a create answer's odd fields). */
  onNote?: (note: AnswerNote) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** For lookups that have a fallback: fewer attempts and a shorter timeout keep a slow service from stalling them. */
  attempts?: number;
  timeoutMs?: number;
}

interface Call<T extends z.ZodMiniType> {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  schema: T;
  what: string;
  operation: Operation;
  family: 'media' | 'openai';
  taskId?: string;
  signal?: AbortSignal;
  attempts?: number;
  timeoutMs?: number;
}

/** A typed client of GPTunnel's media API. It never prints and never exits: it returns values or throws VeoErrors. */
export class VeoClient {
  readonly origin: URL;
  readonly #key: string;
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    this.origin = parseBaseUrl(options.baseUrl);
    this.#key = options.apiKey;
    this.#options = options;
  }

  createTask(input: CreateTaskInput, options: CallOptions = {}): Promise<Task> {
    return this.#call({
      method: 'POST',
      path: '/v1/media/create',
      body: input,
      schema: taskSchema(),
      what: 'the create request',
      operation: 'create',
      family: 'media',
      signal: options.signal,
    });
  }

  getTask(taskId: string, options: CallOptions = {}): Promise<Task> {
    return this.#call({
      method: 'POST',
      path: '/v1/media/result',
      body: { task_id: taskId },
      schema: taskSchema(),
      what: `the result of ${taskId}`,
      operation: 'read',
      family: 'media',
      taskId,
      signal: options.signal,
    });
  }

  async listModels(options: CallOptions = {}): Promise<Model[]> {
    const answer = await this.#call({
      method: 'GET',
      path: '/v1/media/models',
      schema: modelsAnswerSchema(),
      what: 'the model list',
      operation: 'read',
      family: 'media',
      ...options,
    });
    return answer.models;
  }

  getBalance(options: CallOptions = {}): Promise<Balance> {
    return this.#call({
      method: 'GET',
      path: '/v1/balance',
      schema: balanceSchema(),
      what: 'the balance',
      operation: 'read',
      family: 'openai',
      ...options,
    });
  }

  async #call<T extends z.ZodMiniType>(call: Call<T>): Promise<z.infer<T>> {
    const policy = this.#options.retry ?? DEFAULT_RETRY_POLICY;
    try {
      return await withRetry(() => this.#once(call), {
        operation: call.operation,
        policy: call.attempts === undefined ? policy : { ...policy, attempts: Math.max(1, call.attempts) },
        signal: call.signal,
        onRetry: (event) =>
          this.#options.onRetry?.({
            ...event,
            what: call.what,
            request: call.path.slice(call.path.lastIndexOf('/') + 1),
            ...(call.taskId ? { taskId: call.taskId } : {}),
          }),
      });
    } catch (error) {
      if (call.operation === 'create' && mayHaveCreated(error)) {
        throw unconfirmedCreate(error as NetworkError | ServerError);
      }
      throw error;
    }
  }

  async #once<T extends z.ZodMiniType>(call: Call<T>): Promise<z.infer<T>> {
    const url = new URL(call.path, this.origin);
    const timeoutMs = Math.min(call.timeoutMs ?? Infinity, this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const started = monotonicMs();
    const trace = (fields: Partial<TraceEvent>) =>
      this.#options.onTrace?.({
        method: call.method,
        url: url.href,
        ms: Math.round(monotonicMs() - started),
        ...fields,
      });
    const { request } = await loadUndici();
    throwIfAborted(call.signal);
    const abort =
      call.operation === 'create' ? deferAbort(call.signal, Math.min(timeoutMs, CREATE_ANSWER_GRACE_MS)) : undefined;
    let answer: RawAnswer;
    try {
      const response = await request(url, {
        method: call.method,
        headers: {
          authorization: this.#key,
          accept: 'application/json',
          'user-agent': this.#options.userAgent ?? 'veo',
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        dispatcher: await dispatcherFor(url, timeoutMs),
        signal: abort?.signal ?? call.signal,
      });
      answer = { status: response.statusCode, headers: response.headers, text: await readText(response.body) };
    } catch (error) {
      const described = describeNetworkError(error, url, call.signal);
      trace({ error: described.message });
      throw described;
    } finally {
      abort?.dispose();
    }
    trace({ status: answer.status });
    if (call.family === 'openai') return interpretOpenAiAnswer(answer, call.schema, call.what);
    const onNote = this.#options.onNote;
    const parsed: z.infer<T> =
      call.operation === 'create'
        ? (interpretCreateAnswer(answer, onNote) as z.infer<T>)
        : interpretMediaAnswer(answer, call.schema, call.what, call.taskId, onNote);
    checkTaskId(parsed, call.taskId);
    return parsed;
  }
}
