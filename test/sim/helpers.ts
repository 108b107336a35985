import { createHash } from 'node:crypto';
import { startSim, type Sim, type SimOptions } from '../../src/sim/index.js';

export const KEY = 'shds-test-key-0001';

export async function withSim(options: SimOptions, body: (sim: Sim) => Promise<void>): Promise<void> {
  const sim = await startSim(options);
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

export interface CallOptions {
  method?: string;
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  redirect?: 'follow' | 'manual' | 'error';
}

/** Calls the API origin with the bare key (unless told otherwise) and returns the status and parsed JSON. */
export async function call(
  sim: Sim,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await callRaw(sim, path, options);
  const text = await res.text();
  return {
    status: res.status,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: res.headers,
  };
}

export function callRaw(sim: Sim, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) headers.authorization = key;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  return fetch(`${sim.baseUrl}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: options.signal ?? AbortSignal.timeout(10_000),
    redirect: options.redirect ?? 'follow',
  });
}

export async function createTask(sim: Sim, prompt = 'a red fox in the snow', extra: object = {}): Promise<string> {
  const { json } = await call(sim, '/v1/media/create', { body: { model: 'glabs-veo-3-1-fast', prompt, ...extra } });
  if (json.code !== 0 || typeof json.id !== 'string') throw new Error(`create failed: ${JSON.stringify(json)}`);
  return json.id;
}

export function result(sim: Sim, id: string) {
  return call(sim, `/v1/media/result?task_id=${id}`);
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Creates a task with a short taskMs and waits until it is done; returns its id and file URL. */
export async function doneTask(sim: Sim): Promise<{ id: string; url: string }> {
  const id = await createTask(sim);
  const url = await until(async () => {
    const { json } = await result(sim, id);
    return json.status === 'done' && typeof json.url === 'string' ? json.url : undefined;
  });
  return { id, url };
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
