import type { Readable } from 'node:stream';
import type { AnswerFault } from './answer-faults.js';
import type { BodyShapeFault } from './body-shapes.js';

/** Everything the simulator can be told at start-up (and most of it again at run time). */
export interface SimOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** API origin port. Default 0 (any free port). */
  port?: number;
  /** File host port: a second origin, as the real result files live on object storage. Default 0. */
  filePort?: number;
  /** Time from create to done (or failed). Status is 'idle' for the first 20% of it, then 'processing'. Default 3000. */
  taskMs?: number;
  /** A RegExp source (no flags): a prompt matching it ends as status 'failed'. Default: none. */
  failPattern?: string;
  /** The `error` field of a failed task. */
  failReason?: string;
  /** The one key the API rejects with code 2. Default 'shds-wrong-key'. */
  wrongKey?: string;
  /** When set, the file host serves a synthetic body of exactly this many bytes instead of assets/sample.mp4. */
  videoBytes?: number;
  /** How long a result link lives after its task became done. Default 48 h. */
  linkTtlMs?: number;
  /** Rubles. Default 1000. A create costs the model's price. */
  balance?: number;
  /** Rubles the balance may go below zero. Default 0. */
  creditLimit?: number;
  /** Prices (rubles) that replace the listed ones, by model id: in the model list and in what a create costs. */
  prices?: Record<string, number>;
}

/** A patch for `configure()`: a key given as null (or undefined) goes back to its default. */
export type SimOptionsPatch = { [K in keyof SimOptions]?: SimOptions[K] | null };

/** The options in force, every one resolved. `port` and `filePort` are the ports really bound. */
export interface ResolvedSimOptions {
  host: string;
  port: number;
  filePort: number;
  taskMs: number;
  failPattern: string | null;
  failReason: string;
  wrongKey: string;
  videoBytes: number | null;
  linkTtlMs: number;
  balance: number;
  creditLimit: number;
  prices: Record<string, number> | null;
}

/** Routes a fault can be aimed at. 'any-api' matches every API-origin request that has no fault of its own queued. */
export type Route = 'create' | 'result' | 'models' | 'balance' | 'file' | 'any-api';

/** The route a recorded request was classified as ('other' is any unknown path on the API origin). */
export type RecordedRoute = Exclude<Route, 'any-api'> | 'other';

export interface RecordedRequest {
  origin: 'api' | 'file';
  route: RecordedRoute;
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The raw request body as UTF-8 ('' when none, or when a reset-before fault cut the request short). */
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** Set when an injected fault answered (or refused to answer) this request. */
  fault?: Fault['kind'];
}

export type Fault =
  /** An API envelope {code, message} with HTTP 200 (HTTP 404 for 99); code 3 adds issues. On 'balance', code 2 is the OpenAI-style 401. */
  | { kind: 'code'; code: number; message?: string }
  /** Any HTTP answer, e.g. a 503 HTML page, a 429 with Retry-After, an empty 502. */
  | { kind: 'http'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** HTTP 502 with an nginx-like HTML error page. */
  | { kind: 'html' }
  /** HTTP 200 with an empty body. */
  | { kind: 'empty' }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** HTTP 200 with JSON of an unexpected shape. */
  | { kind: 'shape' }
  /** The connection is reset as soon as the request head arrives; its body is never read and nothing is processed. */
  | { kind: 'reset-before' }
  /** The whole request is read and really processed (a create creates its task), then the connection is reset unanswered. */
  | { kind: 'reset-after' }
  /** The request is read and never answered (until close()). */
  | { kind: 'stall' }
  /** Answered normally after `ms`. */
  | { kind: 'slow'; ms: number }
  /** create/result: the real task answered with status 'done' and url null (the task itself is unchanged). */
  | { kind: 'done-without-url' }
  /** create/result: the real task answered with this status string instead of its own. */
  | { kind: 'status'; status: string }
  /** A redirect (default 302) to `location`, nothing processed. */
  | { kind: 'redirect'; location: string; status?: number }
  /** Headers with the full Content-Length, `afterBytes` of body, then the connection is closed (any route). */
  | { kind: 'drop'; afterBytes: number }
  /** `afterBytes` of body, then silence until close() (any route: an API answer stalled half way, too). */
  | { kind: 'stall-body'; afterBytes: number }
  /** File host: a Range header is ignored; 200 with the whole body. */
  | { kind: 'ignore-range' }
  /** File host: 403 with the S3 'Request has expired' XML, whatever the link's age. */
  | { kind: 'expired' }
  /** File host: the video served as Content-Type text/html. */
  | { kind: 'wrong-type' }
  /** File host: a body of the video's length that is an HTML page, not an MP4. */
  | { kind: 'not-mp4' }
  | AnswerFault
  | BodyShapeFault;

export type FaultKind = Fault['kind'];

export interface PendingFault {
  route: Route;
  fault: Fault;
  /** How many more requests it will hit (Infinity: until clearFaults()). */
  remaining: number;
}

export type TaskStatus = 'idle' | 'processing' | 'done' | 'failed';

export interface TaskState {
  id: string;
  model: string;
  prompt: string;
  ar: string | null;
  images: string[];
  /** Unix seconds, as the API's created_at. */
  createdAt: number;
  createdAtMs: number;
  /** When the task reaches done (or failed). */
  finishesAtMs: number;
  /** The status now. */
  status: TaskStatus;
  /** Decided at create time from failPattern. */
  willFail: boolean;
  /** The failure reason once failed, else null. */
  error: string | null;
  /** The result link once done, else null. */
  url: string | null;
  /** When the link stops working, for a done task (under the current linkTtlMs), else null. */
  linkExpiresAtMs: number | null;
  /** What the create cost (rubles). */
  cost: number;
  /** How many result requests asked about this task. */
  polls: number;
}

/** What the file host serves now, for comparing with what a client saved. */
export interface VideoInfo {
  /** 'sample': the real clip assets/sample.mp4; 'synthetic': generated bytes of options.videoBytes. */
  kind: 'sample' | 'synthetic';
  size: number;
  /** The file on disk for 'sample', else null. */
  path: string | null;
  /** The ETag header the file host sends. */
  etag: string;
  /** Hex SHA-256 of the whole body (computed by streaming for synthetic bodies, then cached). */
  sha256(): Promise<string>;
  /** Bytes [start, end) of the body (end exclusive, default: to the end). Refuses more than 256 MiB at once. */
  bytes(start?: number, end?: number): Promise<Buffer>;
  /** The same bytes as a stream, for large bodies. */
  stream(start?: number, end?: number): Readable;
}

export interface Sim {
  /** The API origin, e.g. 'http://127.0.0.1:41234' (no trailing slash). */
  readonly baseUrl: string;
  /** The file host origin. */
  readonly fileBaseUrl: string;
  /** Every request either origin got, in arrival order (control calls to /__sim excluded). Live: clear it with `requests.length = 0`. */
  readonly requests: RecordedRequest[];
  /**
   * Resolves with the first recorded request, already recorded or still to come, that `match` accepts: a test can
   * act at the moment a request arrives (send a signal, say) instead of sleeping. Never resolves after close().
   */
  waitForRequest(match?: (request: RecordedRequest) => boolean): Promise<RecordedRequest>;
  /** A snapshot of the options in force (balance goes down as creates are paid). */
  readonly options: Readonly<ResolvedSimOptions>;
  /** Change behaviour at run time. host, port and filePort cannot change. Throws TypeError on a bad value. */
  configure(patch: SimOptionsPatch): void;
  /** Queue a fault for the next `times` requests of a route (default 1; Infinity allowed). Throws TypeError if the fault does not apply to the route. */
  inject(route: Route, fault: Fault, times?: number): void;
  clearFaults(): void;
  pendingFaults(): PendingFault[];
  video(): VideoInfo;
  tasks(): TaskState[];
  task(id: string): TaskState | undefined;
  /** The link a done task's result answer carries. */
  fileUrl(id: string): string;
  /** Closes both servers, destroying every open, stalled or streaming connection. */
  close(): Promise<void>;
}
