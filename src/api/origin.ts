import { UsageError } from '../core/errors.js';

export const DEFAULT_BASE_URL = 'https://gptunnel.ru';

/**
 * Only names that cannot leave the machine: `*.localhost` is left out because a resolver without RFC 6761 support
 * forwards it to DNS, and plain http (the key in clear) is allowed only to loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The key is sent to this origin, so it must be https; plain http is allowed only to a loopback host, where the
 * simulator runs. Rejected before any connection is made.
 */
export function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`The base URL "${raw}" is not a valid URL.`, {
      hint: 'Example: --base-url https://gptunnel.ru',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`The base URL must use https, not ${url.protocol.replace(':', '')}.`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `Refusing plain http to ${url.host}: the API key would travel unencrypted. Use https (plain http is allowed only to a loopback host such as 127.0.0.1).`,
    );
  }
  if (url.username || url.password) throw new UsageError('The base URL must not contain credentials.');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new UsageError(`The base URL is an origin such as https://gptunnel.ru, not "${raw}".`, {
      hint: 'veo appends /v1/media/create, /v1/media/result and so on itself.',
    });
  }
  return new URL(url.origin);
}

/** A URL that came back from the API and is about to be fetched: only http(s), nothing else. */
export function parseVideoUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`"${raw}" is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`Only http(s) video URLs can be downloaded, not ${url.protocol.replace(':', '')}.`);
  }
  return url;
}
