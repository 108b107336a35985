// The parts of undici veo uses, imported one by one: undici's package index loads every feature it has (fetch,
// WebSocket, caches, mocks, HTTP/2) and, through them, Node's own copy of undici, which costs a short command
// more than its request. The proxy agent comes from the index, and only when a proxy is set (see http.ts).
import type { Dispatcher } from 'undici';
import Agent from 'undici/lib/dispatcher/agent.js';
import Pool from 'undici/lib/dispatcher/pool.js';
import buildConnector from 'undici/lib/core/connect.js';
import dispatchRequest from 'undici/lib/api/api-request.js';

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method?: Dispatcher.HttpMethod;
  dispatcher: Dispatcher;
};

/** undici's `request(url, options)` for a given dispatcher, without its package index. */
export function request(url: URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  return dispatchRequest.call(dispatcher, {
    ...rest,
    origin: url.origin,
    path: url.search ? `${url.pathname}${url.search}` : url.pathname,
    method: options.method ?? 'GET',
  });
}

export { Agent, Pool, buildConnector };
