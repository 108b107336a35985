import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { classifyApiPath, envelope, handleApiRequest, type ApiContext } from './api-routes.js';
import { CODE_EXCEPTION } from './api-codes.js';
import { handleControl, isControlPath, type ControlContext } from './control-routes.js';
import { isSentShaped, sendShaped } from './body-shapes.js';
import { FaultQueue } from './faults.js';
import { faultReply, truncationFor } from './fault-replies.js';
import { handleFileRequest, resultPath, type FileHostContext } from './file-host.js';
import { headerRecord, readBody, sendReply, splitUrl, type Reply, type SimRequest } from './http-io.js';
import { ObjectIdGenerator } from './object-id.js';
import { applyOptions, DEFAULT_OPTIONS } from './options.js';
import { createOriginServer, originUrl, type Serving } from './serving.js';
import { describeTask, TaskStore } from './tasks.js';
import type { Fault, RecordedRequest, Route, Sim, SimOptions, SimOptionsPatch } from './types.js';
import { describeSource, loadSample, VideoLibrary } from './video.js';

type Origin = 'api' | 'file';

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** The host part of a URL that reaches a server bound to `host` (a wildcard bind is reached over loopback). */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Tears the connection down with a TCP RST, which clients see as ECONNRESET rather than a tidy close. */
function reset(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export async function startSim(initial: SimOptions = {}, serving: Serving = {}): Promise<Sim> {
  let options = applyOptions({ ...DEFAULT_OPTIONS }, initial, false);
  const library = new VideoLibrary(await loadSample());
  const store = new TaskStore();
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const watchers = new Set<{ match: (request: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }>();
  const sockets = new Set<Socket>();
  const sleepers = new Map<NodeJS.Timeout, () => void>();
  const orgId = new ObjectIdGenerator().next(Math.floor(Date.now() / 1000));
  let closed = false;
  let shutdownRequested = false;
  let closing: Promise<void> | undefined;
  let fileBaseUrl = '';

  const now = () => Date.now();
  const fileUrl = (id: string) => `${fileBaseUrl}${resultPath(id)}`;

  const api: ApiContext = {
    options: () => options,
    store,
    now,
    fileUrl,
    charge(price) {
      if (options.balance + options.creditLimit < price) return false;
      options = { ...options, balance: round2(options.balance - price) };
      return true;
    },
    orgId,
  };

  const files: FileHostContext = {
    findTask: (id) => store.get(id),
    video: () => library.current(options.videoBytes),
    linkTtlMs: () => options.linkTtlMs,
    now,
  };

  const sim: Sim = {
    baseUrl: '',
    fileBaseUrl: '',
    requests,
    get options() {
      return Object.freeze({ ...options });
    },
    configure(patch: SimOptionsPatch) {
      options = applyOptions(options, patch, true);
    },
    inject(route: Route, fault: Fault, times = 1) {
      faults.add(route, fault, times);
    },
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    video: () => describeSource(library.current(options.videoBytes)),
    tasks: () => store.all().map((task) => describeTask(task, now(), options.linkTtlMs, fileUrl(task.id))),
    task(id: string) {
      const task = store.get(id);
      return task && describeTask(task, now(), options.linkTtlMs, fileUrl(task.id));
    },
    fileUrl,
    waitForRequest(match = () => true) {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => watchers.add({ match, resolve }));
    },
    close,
  };

  const control: ControlContext = {
    options: () => sim.options,
    configure: (patch) => sim.configure(patch as SimOptionsPatch),
    inject: (route, fault, times) => sim.inject(route, fault, times),
    clearFaults: sim.clearFaults,
    pendingFaults: sim.pendingFaults,
    requests,
    tasks: sim.tasks,
    video: sim.video,
    shutdown: () => {
      shutdownRequested = true;
    },
  };

  /** A delay that close() cuts short, so no timer outlives the simulator. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        sleepers.delete(timer);
        resolve();
      }, ms);
      sleepers.set(timer, resolve);
    });
  }

  async function serve(origin: Origin, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, query } = splitUrl(req.url);
    const method = req.method ?? 'GET';
    const headers = headerRecord(req);
    if (origin === 'api' && isControlPath(path)) {
      const body = await readBody(req);
      await sendReply(res, await handleControl(control, { method, path, query, headers, body }));
      if (shutdownRequested) {
        await new Promise((resolve) => (res.writableFinished ? resolve(undefined) : res.once('finish', resolve)));
        await close();
      }
      return;
    }
    const route = origin === 'file' ? 'file' : classifyApiPath(path);
    const record: RecordedRequest = { origin, route, method, path, query, headers, body: '', at: now() };
    requests.push(record);
    const fault = faults.take(route, origin);
    if (fault) record.fault = fault.kind;
    for (const watcher of watchers) {
      if (!watcher.match(record)) continue;
      watchers.delete(watcher);
      watcher.resolve(record);
    }

    if (fault?.kind === 'reset-before') {
      reset(req.socket);
      return;
    }
    record.body = await readBody(req);
    if (closed) return;
    const request: SimRequest = { method, path, query, headers, body: record.body };
    const answer = (shaping: Fault | undefined): Reply =>
      origin === 'api' ? handleApiRequest(api, request, shaping) : handleFileRequest(files, request, shaping);

    switch (fault?.kind) {
      case 'stall':
        return;
      case 'reset-after':
        answer(undefined);
        reset(req.socket);
        return;
      case 'slow':
        await sleep(fault.ms);
        if (closed) return;
        await sendReply(res, answer(undefined));
        return;
      case 'late-answer': {
        const reply = answer(undefined);
        await sleep(fault.ms);
        if (closed) return;
        await sendReply(res, reply);
        return;
      }
    }
    if (isSentShaped(fault)) {
      await sendShaped(res, answer(origin === 'file' ? fault : undefined), fault, { sleep, closed: () => closed });
      return;
    }
    const canned = fault && faultReply(route, fault);
    if (canned) {
      await sendReply(res, { ...canned, headOnly: method === 'HEAD' });
      return;
    }
    await sendReply(res, answer(fault), truncationFor(fault));
  }

  function handler(origin: Origin) {
    return (req: IncomingMessage, res: ServerResponse) => {
      serve(origin, req, res).catch((error: unknown) => {
        // A bug in the simulator: say so loudly, and answer the way the real service does on an exception.
        console.error('veo-sim: internal error:', error);
        if (!res.headersSent) void sendReply(res, envelope(CODE_EXCEPTION)).catch(() => res.destroy());
        else res.destroy();
      });
    };
  }

  function track(server: Server): void {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      closed = true;
      faults.clear();
      watchers.clear();
      for (const [timer, wake] of sleepers) {
        clearTimeout(timer);
        wake();
      }
      sleepers.clear();
      const stopped = [apiServer, fileServer].map(
        (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      );
      for (const socket of sockets) socket.destroy();
      await Promise.all(stopped);
    })();
    return closing;
  }

  const apiServer = createOriginServer(serving, handler('api'));
  const fileServer = createOriginServer(serving, handler('file'));
  track(apiServer);
  track(fileServer);

  try {
    const port = await listen(apiServer, options.port, options.host);
    const filePort = await listen(fileServer, options.filePort, options.host);
    options = { ...options, port, filePort };
  } catch (error) {
    await close();
    throw error;
  }
  const host = urlHost(options.host);
  Object.assign(sim, {
    baseUrl: originUrl(serving, host, options.port),
    fileBaseUrl: originUrl(serving, host, options.filePort),
  });
  fileBaseUrl = sim.fileBaseUrl;
  return sim;
}
