import type { z } from 'zod';
import { UnconfirmedCreateError, NetworkError } from './errors.js';
import { interpretMediaAnswer, interpretOpenAiAnswer, type RawAnswer } from './answers.js';
import { describeNetworkError, dispatcherFor, loadUndici, readText, type TraceEvent } from './http.js';
import { parseBaseUrl } from './origin.js';
import { DEFAULT_RETRY_POLICY, withRetry, type Operation, type RetryEvent, type RetryPolicy } from './retry.js';
import {
  BalanceSchema,
  ModelsAnswerSchema,
  TaskSchema,
  type Balance,
  type CreateTaskInput,
  type Model,
  type Task,
} from './schemas.js';

export const DEFAULT_MODEL = 'glabs-veo-3-1-fast';
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ClientOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  userAgent?: string;
  onTrace?: (event: TraceEvent) => void;
  onRetry?: (event: RetryEvent & { what: string }) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
}

interface Call<T extends z.ZodType> {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  schema: T;
  what: string;
  operation: Operation;
  family: 'media' | 'openai';
  taskId?: string;
  signal?: AbortSignal;
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
      schema: TaskSchema,
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
      schema: TaskSchema,
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
      schema: ModelsAnswerSchema,
      what: 'the model list',
      operation: 'read',
      family: 'media',
      signal: options.signal,
    });
    return answer.models;
  }

  getBalance(options: CallOptions = {}): Promise<Balance> {
    return this.#call({
      method: 'GET',
      path: '/v1/balance',
      schema: BalanceSchema,
      what: 'the balance',
      operation: 'read',
      family: 'openai',
      signal: options.signal,
    });
  }

  async #call<T extends z.ZodType>(call: Call<T>): Promise<z.infer<T>> {
    try {
      return await withRetry(() => this.#once(call), {
        operation: call.operation,
        policy: this.#options.retry ?? DEFAULT_RETRY_POLICY,
        signal: call.signal,
        onRetry: (event) => this.#options.onRetry?.({ ...event, what: call.what }),
      });
    } catch (error) {
      if (call.operation === 'create' && error instanceof NetworkError && error.sent) {
        throw new UnconfirmedCreateError(
          `${error.message} The create request may have reached the service, so it was not sent again: a task may have been created (and billed).`,
          {
            cause: error,
            hint: 'Check your GPTunnel dashboard for the task; once you know its id, `veo wait <id>` or `veo download <id>` picks it up. Re-run the create only if no task was made.',
          },
        );
      }
      throw error;
    }
  }

  async #once<T extends z.ZodType>(call: Call<T>): Promise<z.infer<T>> {
    const url = new URL(call.path, this.origin);
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    const trace = (fields: Partial<TraceEvent>) =>
      this.#options.onTrace?.({
        method: call.method,
        url: url.href,
        ms: Math.round(performance.now() - started),
        ...fields,
      });
    const { request } = await loadUndici();
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
        signal: call.signal,
      });
      answer = { status: response.statusCode, headers: response.headers, text: await readText(response.body) };
    } catch (error) {
      const described = describeNetworkError(error, url, call.signal);
      trace({ error: described.message });
      throw described;
    }
    trace({ status: answer.status });
    return call.family === 'media'
      ? interpretMediaAnswer(answer, call.schema, call.what, call.taskId)
      : interpretOpenAiAnswer(answer, call.schema, call.what);
  }
}
