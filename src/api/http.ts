import type { buildConnector as BuildConnector, Dispatcher } from 'undici';
import { InterruptedError, NetworkError } from './errors.js';
import { isLoopbackHost } from './origin.js';

/** Errors that prove the request never left this machine, so even a paid create may be sent again. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export interface TraceEvent {
  method: string;
  url: string;
  status?: number;
  ms: number;
  error?: string;
}

export interface HttpOptions {
  /** Connect, headers and body timeouts, each. */
  timeoutMs: number;
  onTrace?: (event: TraceEvent) => void;
}

let undiciModule: Promise<typeof import('undici')> | undefined;
/** undici is the heaviest import; commands that never touch the network must not pay for it. */
export function loadUndici(): Promise<typeof import('undici')> {
  undiciModule ??= import('undici');
  return undiciModule;
}

const dispatchers = new Map<string, Dispatcher>();

/**
 * Errors raised while the connection was being made (TCP, or a TLS handshake cut short by a reset): whatever the
 * code, the request had not been written yet, so even a paid create may be sent again.
 */
const connectErrors = new WeakSet<object>();

function markingConnector(build: typeof BuildConnector, timeoutMs: number): BuildConnector.connector {
  const connect = build({ timeout: timeoutMs });
  return (options, callback) =>
    connect(options, (...args) => {
      if (args[0]) connectErrors.add(args[0]);
      callback(...args);
    });
}

/**
 * Proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured, except for loopback hosts: a request to the local
 * simulator over plain http must never hand the key to a proxy in clear.
 */
export async function dispatcherFor(url: URL, timeoutMs: number): Promise<Dispatcher> {
  const useProxy =
    !isLoopbackHost(url.hostname) &&
    Boolean(process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy);
  const key = `${useProxy}:${timeoutMs}`;
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    const { Agent, EnvHttpProxyAgent, buildConnector } = await loadUndici();
    const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
    dispatcher = useProxy
      ? new EnvHttpProxyAgent({ ...timeouts, connect: { timeout: timeoutMs } })
      : new Agent({ ...timeouts, connect: markingConnector(buildConnector, timeoutMs) });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

export function describeNetworkError(error: unknown, url: URL, signal?: AbortSignal): Error {
  if (signal?.aborted) return new InterruptedError('Interrupted.', { cause: error });
  const err = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const sent = !NOT_SENT_CODES.has(code) && !connectErrors.has(error as object);
  const where = url.host;
  let message: string;
  switch (code) {
    case 'ECONNREFUSED':
      message = `Could not connect to ${where}: connection refused.`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      message = `Could not resolve ${url.hostname} (DNS lookup failed).`;
      break;
    case 'UND_ERR_CONNECT_TIMEOUT':
      message = `Timed out connecting to ${where}.`;
      break;
    case 'UND_ERR_HEADERS_TIMEOUT':
      message = `${where} accepted the request but did not answer in time.`;
      break;
    case 'UND_ERR_BODY_TIMEOUT':
      message = `${where} stopped sending its answer half way.`;
      break;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      message = sent
        ? `The connection to ${where} was closed before an answer came.`
        : `The connection to ${where} was reset while connecting, before the request was sent.`;
      break;
    default:
      message = `Network error talking to ${where}: ${err.message ?? String(error)}`;
  }
  return new NetworkError(message, { sent, cause: error, code: code === 'ENOTFOUND' ? 'DNS' : 'NETWORK' });
}

/** Reads at most `limit` bytes of a body: an API answer is small, and a proxy's error page must not fill memory. */
export async function readText(body: Dispatcher.ResponseData['body'], limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.on('error', () => undefined);
      body.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
