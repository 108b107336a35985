import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

/**
 * How the simulator's two origins are reached: plain http by default, or https with a certificate of the caller's
 * (a private authority the client is told about through NODE_EXTRA_CA_CERTS), under a host name of its choosing.
 */
export interface Serving {
  /** PEM certificate (chain) and key: both origins then speak https only. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** The host name put in the URLs the simulator hands out, e.g. one the certificate is made out to. */
  urlHost?: string;
}

export function createOriginServer(serving: Serving, handler: RequestListener): Server {
  if (!serving.tls) return createHttpServer(handler);
  // An https.Server has the http.Server surface the simulator uses (listen, close, address, connection events).
  return createHttpsServer({ cert: serving.tls.cert, key: serving.tls.key }, handler) as unknown as Server;
}

export function originUrl(serving: Serving, boundHost: string, port: number): string {
  return `${serving.tls ? 'https' : 'http'}://${serving.urlHost ?? boundHost}:${port}`;
}

/** The serving options from the command line's file paths; a file that cannot be read is a usage error upstream. */
export function servingFromFiles(files: { certPath?: string; keyPath?: string; urlHost?: string }): Serving {
  const serving: Serving = {};
  if (files.certPath !== undefined && files.keyPath !== undefined) {
    serving.tls = { cert: readFileSync(files.certPath), key: readFileSync(files.keyPath) };
  }
  if (files.urlHost !== undefined) serving.urlHost = files.urlHost;
  return serving;
}
