import { NetworkError } from '../core/errors.js';

/**
 * What went wrong while a connection was being made, told so that the user can act: a certificate that does not
 * verify (which no retry mends), a proxy that cannot be reached or will not open a tunnel. None of these sent the
 * request, so each is `sent: false`.
 */

export interface ConnectPhase {
  step: 'direct' | 'proxy' | 'tunnel';
  /** host:port of the proxy, never its credentials. */
  proxy?: string;
}

/** OpenSSL's verification codes, as Node reports them, grouped by what the user can do about each. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'INVALID_CA',
]);
const CLOCK = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const WRONG_NAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID']);
const OTHER_CERTIFICATE = new Set([
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_PURPOSE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'HOSTNAME_MISMATCH',
]);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The codes along an error's cause chain: undici wraps a TLS failure met through a proxy in an error of its own. */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current = error as ErrorLike | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    if (typeof current.code === 'string') codes.push(current.code);
    current = current.cause as ErrorLike | undefined;
  }
  return codes;
}

function certificateError(code: string, host: string, error: unknown): NetworkError | undefined {
  const common = { sent: false, transient: false, code: 'TLS_CERTIFICATE', cause: error } as const;
  if (UNTRUSTED.has(code)) {
    return new NetworkError(
      `The TLS certificate of ${host} is not signed by an authority this machine trusts (${code}); nothing was sent.`,
      {
        ...common,
        hint: "If a company proxy or gateway re-signs TLS with its own authority, give veo that authority's certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem. Otherwise the connection may be intercepted: do not work around it.",
      },
    );
  }
  if (CLOCK.has(code)) {
    const state = code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet';
    return new NetworkError(
      `The TLS certificate of ${host} ${state} by this machine's clock (${new Date().toISOString()}); nothing was sent.`,
      {
        ...common,
        hint: "Check this machine's date, time and time zone; if they are right, the server's certificate is at fault and only its operator can renew it.",
      },
    );
  }
  if (WRONG_NAME.has(code)) {
    return new NetworkError(
      `The TLS certificate presented for ${host} is made out to another host name; nothing was sent.`,
      {
        ...common,
        hint: 'Check the host name in the URL (for the API: --base-url or GPTUNNEL_BASE_URL). A proxy that intercepts TLS can cause this too.',
      },
    );
  }
  if (OTHER_CERTIFICATE.has(code)) {
    return new NetworkError(`The TLS certificate of ${host} failed verification (${code}); nothing was sent.`, {
      ...common,
      hint: 'Retrying will not help: the server, or something between it and you, presents a certificate that cannot be trusted.',
    });
  }
  return undefined;
}

const REACH: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'its name could not be resolved',
  EAI_AGAIN: 'its name could not be resolved',
  EAI_NONAME: 'its name could not be resolved',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

const PROXY_HINT = 'Check HTTPS_PROXY / HTTP_PROXY (and NO_PROXY for hosts that must not use it).';

function proxyError(
  message: string,
  error: unknown,
  extra: { code?: string; transient?: boolean; hint?: string } = {},
): NetworkError {
  return new NetworkError(message, {
    sent: false,
    code: extra.code ?? 'PROXY',
    transient: extra.transient ?? true,
    cause: error,
    hint: extra.hint ?? PROXY_HINT,
  });
}

/**
 * undici reports a tunnel the proxy would not open only in its message ("Proxy response (407) !== 200 when HTTP
 * Tunneling"); the status is all that matters in it.
 */
function tunnelStatus(error: unknown): number | undefined {
  const message = String((error as ErrorLike | undefined)?.message ?? '');
  const status = /Proxy response \((\d{3})\)/.exec(message)?.[1];
  return status === undefined ? undefined : Number(status);
}

function tunnelRefused(status: number, proxy: string, host: string, error: unknown): NetworkError {
  const base = `The proxy ${proxy} refused to open a tunnel to ${host}: HTTP ${status}`;
  if (status === 407) {
    return proxyError(`${base} (proxy authentication required); nothing was sent.`, error, {
      code: 'PROXY_AUTH',
      transient: false,
      hint: "Put the proxy's user name and password in the proxy URL: HTTPS_PROXY=http://user:password@host:port (percent-encode special characters).",
    });
  }
  // 403 and the like are the proxy's policy; a 5xx is the proxy failing to reach the host, which may pass.
  return proxyError(`${base}; nothing was sent.`, error, {
    transient: status >= 500,
    hint: status >= 500 ? PROXY_HINT : `Ask the proxy's administrators to allow ${host}, or list it in NO_PROXY.`,
  });
}

/** A connect-phase failure described for the user, or undefined when the ordinary description fits. */
export function describeConnectFailure(
  error: unknown,
  url: URL,
  phase: ConnectPhase | undefined,
): NetworkError | undefined {
  const codes = codesOf(error);
  const onProxy = phase?.step === 'proxy';
  for (const code of codes) {
    const certificate = certificateError(code, onProxy ? `the proxy ${phase.proxy ?? ''}` : url.host, error);
    if (certificate) return certificate;
  }
  if (!phase || phase.step === 'direct') return undefined;
  const proxy = phase.proxy ?? 'the proxy';
  const message = String((error as ErrorLike | undefined)?.message ?? error);
  if (onProxy) {
    const why = codes.map((code) => REACH[code]).find(Boolean) ?? message;
    return proxyError(`Could not connect to the proxy ${proxy}: ${why}; nothing was sent to ${url.host}.`, error);
  }
  const status = tunnelStatus(error);
  if (status !== undefined) return tunnelRefused(status, proxy, url.host, error);
  return proxyError(
    `Could not open a connection to ${url.host} through the proxy ${proxy}: ${message}; nothing was sent.`,
    error,
  );
}
