// veo-sim: two origins (the API and the file host) over real HTTP, sharing one task store, one fault queue and one
// log of the requests received. startSim wires the parts together; serve.ts answers one request.
import type { Server } from 'node:http';
import type { ApiContext } from './api-routes.js';
import type { ControlContext } from './control-routes.js';
import { FaultQueue } from './faults.js';
import { resultPath } from './file-host.js';
import { Lifecycle } from './lifecycle.js';
import { ObjectIdGenerator } from './object-id.js';
import { applyOptions, DEFAULT_OPTIONS } from './options.js';
import { createOriginServer, originUrl, type Serving } from './serving.js';
import { handler, type ServeContext } from './serve.js';
import { describeTask, TaskStore } from './tasks.js';
import type { Fault, RecordedRequest, ResolvedSimOptions, Route, Sim, SimOptions, SimOptionsPatch } from './types.js';
import { describeSource, loadSample, VideoLibrary } from './video.js';

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

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

interface Watcher {
  match: (request: RecordedRequest) => boolean;
  resolve: (r: RecordedRequest) => void;
}

/** The simulator's state, shared by both origins; `options` is replaced whole on every change. */
interface Core {
  options: ResolvedSimOptions;
  fileBaseUrl: string;
  library: VideoLibrary;
  store: TaskStore;
  faults: FaultQueue;
  requests: RecordedRequest[];
  watchers: Set<Watcher>;
  lifecycle: Lifecycle;
  now: () => number;
  fileUrl: (id: string) => string;
}

export async function startSim(initial: SimOptions = {}, serving: Serving = {}): Promise<Sim> {
  const faults = new FaultQueue();
  const watchers = new Set<Watcher>();
  const core: Core = {
    options: applyOptions({ ...DEFAULT_OPTIONS }, initial, false),
    fileBaseUrl: '',
    library: new VideoLibrary(await loadSample()),
    store: new TaskStore(),
    faults,
    requests: [],
    watchers,
    lifecycle: new Lifecycle(() => {
      faults.clear();
      watchers.clear();
    }),
    now: () => Date.now(),
    fileUrl: (id) => `${core.fileBaseUrl}${resultPath(id)}`,
  };
  const sim = facadeOf(core);
  let shutdownRequested = false;
  const serve: ServeContext = {
    api: apiContextOf(core),
    files: {
      findTask: (id) => core.store.get(id),
      video: () => core.library.current(core.options.videoBytes),
      linkTtlMs: () => core.options.linkTtlMs,
      now: core.now,
    },
    control: controlOf(sim, () => (shutdownRequested = true)),
    faults,
    lifecycle: core.lifecycle,
    now: core.now,
    record: (request) => recordRequest(core, request),
    shutdownRequested: () => shutdownRequested,
  };

  const apiServer = createOriginServer(serving, handler(serve, 'api'));
  const fileServer = createOriginServer(serving, handler(serve, 'file'));
  core.lifecycle.track(apiServer);
  core.lifecycle.track(fileServer);
  try {
    const port = await listen(apiServer, core.options.port, core.options.host);
    const filePort = await listen(fileServer, core.options.filePort, core.options.host);
    core.options = { ...core.options, port, filePort };
  } catch (error) {
    await core.lifecycle.close();
    throw error;
  }
  const host = urlHost(core.options.host);
  Object.assign(sim, {
    baseUrl: originUrl(serving, host, core.options.port),
    fileBaseUrl: originUrl(serving, host, core.options.filePort),
  });
  core.fileBaseUrl = sim.fileBaseUrl;
  return sim;
}

function recordRequest(core: Core, request: RecordedRequest): void {
  core.requests.push(request);
  for (const watcher of core.watchers) {
    if (!watcher.match(request)) continue;
    core.watchers.delete(watcher);
    watcher.resolve(request);
  }
}

function apiContextOf(core: Core): ApiContext {
  return {
    options: () => core.options,
    store: core.store,
    now: core.now,
    fileUrl: core.fileUrl,
    charge(price) {
      const { options } = core;
      if (options.balance + options.creditLimit < price) return false;
      core.options = { ...options, balance: round2(options.balance - price) };
      return true;
    },
    orgId: new ObjectIdGenerator().next(Math.floor(Date.now() / 1000)),
  };
}

/** What a test in the same process holds: the simulator's state, read and changed through methods. */
function facadeOf(core: Core): Sim {
  const { store, faults, requests, now, fileUrl } = core;
  return {
    baseUrl: '',
    fileBaseUrl: '',
    requests,
    get options() {
      return Object.freeze({ ...core.options });
    },
    configure(patch: SimOptionsPatch) {
      core.options = applyOptions(core.options, patch, true);
    },
    inject(route: Route, fault: Fault, times = 1) {
      faults.add(route, fault, times);
    },
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    video: () => describeSource(core.library.current(core.options.videoBytes)),
    tasks: () => store.all().map((task) => describeTask(task, now(), core.options.linkTtlMs, fileUrl(task.id))),
    task(id: string) {
      const task = store.get(id);
      return task && describeTask(task, now(), core.options.linkTtlMs, fileUrl(task.id));
    },
    fileUrl,
    waitForRequest(match = () => true) {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => core.watchers.add({ match, resolve }));
    },
    close: () => core.lifecycle.close(),
  };
}

/** The /_sim control routes act on the simulator through the same methods a test in the same process calls. */
function controlOf(sim: Sim, shutdown: () => void): ControlContext {
  return {
    options: () => sim.options,
    configure: (patch) => sim.configure(patch as SimOptionsPatch),
    inject: (route, fault, times) => sim.inject(route, fault, times),
    clearFaults: sim.clearFaults,
    pendingFaults: sim.pendingFaults,
    requests: sim.requests,
    tasks: sim.tasks,
    video: sim.video,
    shutdown,
  };
}
