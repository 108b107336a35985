import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';

/** One CONNECT request the proxy received, and how it answered. */
export interface TunnelRequest {
  target: string;
  /** The raw request head, to check that nothing secret travels to the proxy. */
  head: string;
  status: number;
}

export interface ConnectProxy {
  port: number;
  /** The proxy URL, with the credentials it expects (if any) or the ones given. */
  url(credentials?: string): string;
  tunnels: TunnelRequest[];
  /** Answers the next `times` tunnels with `status` instead of opening them. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** "user:password" the proxy insists on (a 407 otherwise). */
  credentials?: string;
  /** Host names the proxy resolves, all to 127.0.0.1: the tests never leave loopback. Others get a 502. */
  hosts: string[];
}

function answer(socket: Socket, status: number, reason: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
}

function rawHead(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return lines.join('\r\n');
}

/** A small HTTP forward proxy on loopback that opens CONNECT tunnels, as a company proxy in front of veo would. */
export async function startConnectProxy(options: ConnectProxyOptions): Promise<ConnectProxy> {
  const tunnels: TunnelRequest[] = [];
  const sockets = new Set<Socket>();
  const failures: number[] = [];
  const expected = options.credentials && `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const server = createServer((_req, res) => {
    res.writeHead(405, { connection: 'close' }).end();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    client.on('error', () => undefined);
    const target = req.url ?? '';
    const record: TunnelRequest = { target, head: rawHead(req), status: 0 };
    tunnels.push(record);
    const refuse = (status: number, reason: string, extra = '') => {
      record.status = status;
      answer(client, status, reason, extra);
    };
    if (expected && req.headers['proxy-authorization'] !== expected) {
      return refuse(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="veo tests"\r\n');
    }
    const injected = failures.shift();
    if (injected !== undefined) return refuse(injected, 'Injected Failure');
    const match = /^([^:]+|\[[^\]]+\]):(\d+)$/.exec(target);
    const host = match?.[1] ?? '';
    if (!match || !(options.hosts.includes(host) || host === '127.0.0.1' || host === 'localhost')) {
      return refuse(502, 'Bad Gateway');
    }
    const upstream = connect(Number(match[2]), '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      if (record.status === 0) refuse(502, 'Bad Gateway');
      else client.destroy();
    });
    upstream.on('connect', () => {
      record.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    tunnels,
    url: (credentials = options.credentials) => `http://${credentials ? `${credentials}@` : ''}127.0.0.1:${port}`,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
