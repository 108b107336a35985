import { isIP, type Socket } from 'node:net';
import type { buildConnector as BuildConnector, Dispatcher, EnvHttpProxyAgent } from 'undici';
import { addressGuard, type AddressGuard } from './address-policy.js';
import { InterruptedError, NetworkError, VeoError } from '../core/errors.js';
import { isLoopbackHost } from './origin.js';
import { describeConnectFailure, type ConnectPhase } from './transport-errors.js';

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

let undiciModule: Promise<typeof import('./undici-parts.js')> | undefined;
/** undici is the heaviest import; commands that never touch the network must not pay for it. */
export function loadUndici(): Promise<typeof import('./undici-parts.js')> {
  undiciModule ??= import('./undici-parts.js');
  return undiciModule;
}

const dispatchers = new Map<string, Dispatcher>();

/**
 * Errors raised while the connection was being made: TCP, a proxy's tunnel, the TLS handshake. Whatever the code,
 * the request had not been written yet, so even a paid create may be sent again.
 */
const connectErrors = new WeakMap<object, ConnectPhase>();
/** Connectors that already mark their errors; the agent factory must not wrap them again as tunnels. */
const markingConnectors = new WeakSet<BuildConnector.connector>();

function markConnectError(error: unknown, phase: ConnectPhase): void {
  // The first mark wins: a proxy that could not be reached is reported as that, not as the tunnel it failed to open.
  if (error && typeof error === 'object' && !connectErrors.has(error)) connectErrors.set(error, phase);
}

function settle(callback: BuildConnector.Callback, phase: ConnectPhase) {
  return (error: Error | null, socket?: Socket | null) => {
    if (error) {
      markConnectError(error, phase);
      callback(error, null);
    } else callback(null, socket as Socket);
  };
}

/**
 * A direct connection. For a file host the guard refuses a local address before connecting (a literal one, or one
 * a name resolves to) and checks the address really connected to once more.
 */
function directConnector(
  build: typeof BuildConnector,
  timeoutMs: number,
  guard: AddressGuard | undefined,
): BuildConnector.connector {
  const connect = build({ timeout: timeoutMs, ...(guard ? { lookup: guard.lookup } : {}) });
  const connector: BuildConnector.connector = (options, callback) => {
    const done = settle(callback, { step: 'direct' });
    if (!guard) return connect(options, (error, socket) => done(error, socket));
    const literal = isIP(options.hostname) ? guard.check(options.hostname, options.hostname) : Promise.resolve();
    literal.then(
      () =>
        connect(options, (error, socket) => {
          if (error || !socket) return done(error);
          guard.check(options.hostname, socket.remoteAddress ?? '').then(
            () => done(null, socket),
            (refused: Error) => {
              socket.destroy();
              done(refused);
            },
          );
        }),
      (refused: Error) => done(refused),
    );
  };
  markingConnectors.add(connector);
  return connector;
}

/** The proxy undici picks for `origin` from the environment (lower case first, as undici reads them), without credentials. */
function proxyHost(origin: URL): string {
  const env = process.env;
  const http = env.http_proxy ?? env.HTTP_PROXY;
  const raw = origin.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY ?? http) : http;
  try {
    return new URL(raw ?? '').host || 'the proxy';
  } catch {
    return 'the proxy';
  }
}

function tunnelConnector(
  connect: BuildConnector.connector,
  proxy: string,
  guard: AddressGuard | undefined,
): BuildConnector.connector {
  return (options, callback) => {
    const done = settle(callback, { step: 'tunnel', proxy });
    // The proxy resolves names itself; only a literal address in the link can be checked here.
    const literal =
      guard && isIP(options.hostname) ? guard.check(options.hostname, options.hostname) : Promise.resolve();
    literal.then(
      () => connect(options, (error, socket) => done(error, socket)),
      (refused: Error) => done(refused),
    );
  };
}

export interface FileHostRole {
  /** The API origin the video link came from: local addresses are fetched from only when it is local too. */
  apiOrigin: string | undefined;
}

/**
 * Proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured, except for loopback hosts: a request to the local
 * simulator over plain http must never hand the key to a proxy in clear. `fileHost` is given for the hosts a video
 * is fetched from, which are held to the address policy.
 */
export async function dispatcherFor(url: URL, timeoutMs: number, fileHost?: FileHostRole): Promise<Dispatcher> {
  const useProxy =
    !isLoopbackHost(url.hostname) &&
    Boolean(process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy);
  const key = JSON.stringify([useProxy, timeoutMs, fileHost ? (fileHost.apiOrigin ?? null) : false]);
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    const { Agent, Pool, buildConnector } = await loadUndici();
    // The proxy agent lives in undici's package index, which costs more than a request: loaded only when needed.
    const ProxyAgent = useProxy ? (await import('undici')).EnvHttpProxyAgent : undefined;
    const guard = fileHost ? addressGuard(fileHost.apiOrigin) : undefined;
    const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
    const connect = directConnector(buildConnector, timeoutMs, guard);
    dispatcher = ProxyAgent
      ? new ProxyAgent({
          ...timeouts,
          connect,
          // Every connection an agent makes goes through here: tunnels get their errors marked and named.
          factory: (origin: string | URL, options: object) => {
            const inner = (options as { connect: BuildConnector.connector }).connect;
            const wrapped = markingConnectors.has(inner)
              ? inner
              : tunnelConnector(inner, proxyHost(new URL(origin)), guard);
            return new Pool(origin, { ...options, connect: wrapped });
          },
          // The connection to the proxy itself, with the same bounds as any other.
          clientFactory: (proxyUrl: URL) =>
            new Pool(proxyUrl, {
              ...timeouts,
              connect: markedAs(buildConnector({ timeout: timeoutMs }), { step: 'proxy', proxy: proxyUrl.host }),
            }),
        } as EnvHttpProxyAgent.Options)
      : new Agent({ ...timeouts, connect });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

function markedAs(connect: BuildConnector.connector, phase: ConnectPhase): BuildConnector.connector {
  return (options, callback) => connect(options, (error, socket) => settle(callback, phase)(error, socket));
}

/** A network failure that trying again cannot mend: a certificate, a proxy's refusal, an address refused. */
export function isPermanent(error: unknown): boolean {
  return error instanceof NetworkError && !error.transient;
}

export function describeNetworkError(error: unknown, url: URL, signal?: AbortSignal): Error {
  if (signal?.aborted) return new InterruptedError('Interrupted.', { cause: error });
  // A refusal of the address guard already says everything.
  if (error instanceof VeoError) return error;
  const phase = connectErrors.get(error as object);
  const special = describeConnectFailure(error, url, phase);
  if (special) return special;
  const err = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const sent = !NOT_SENT_CODES.has(code) && phase === undefined;
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

/** A body that is not what was asked for, told by its labels alone: what it says never reaches a terminal. */
export function describeBody(contentType: string | undefined, length: string | undefined): string {
  const type = (contentType ?? '')
    .replace(/[^\x21-\x7e ]/g, '')
    .trim()
    .slice(0, 80);
  const size = length !== undefined && /^\d{1,15}$/.test(length.trim()) ? `${Number(length)} bytes` : 'size not stated';
  return `${type || 'no content type'}, ${size}`;
}
