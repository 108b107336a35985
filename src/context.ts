import type { VeoClient } from './api/client.js';
import { maskApiKey } from './api/key.js';
import { ENV_KNOBS, knobFromEnv } from './config/env-knobs.js';
import type { Journal } from './store/journal.js';
import { RunEvents } from './task/run-events.js';
import { tellRetry } from './task/event-tellers.js';
import {
  keySourceName,
  requireApiKey,
  requireUsableConfig,
  resolveSettings,
  type GlobalOptions,
  type Settings,
} from './settings.js';
import type { Output } from './ui/output.js';
import { VERSION } from './version.js';

/** What every command receives: the parsed global options, the output, an abort signal, lazily built services. */
export interface Context {
  globals: GlobalOptions;
  out: Output;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Knobs from the environment that shorten timeouts and backoff, for tests and slow networks. */
  tuning: Tuning;
  settings(): Promise<Settings>;
  client(): Promise<VeoClient>;
  /** A client for a key that is not the configured one (a key being checked before it is stored). */
  clientFor(apiKey: string): Promise<VeoClient>;
  journal(): Promise<Journal>;
  /** Create requests on their way: a signal handler tells the user that their answers are awaited. */
  creates: CreatesInFlight;
  /** What happens during the run, for the event stream, hooks, notifications and the step summary. */
  events: RunEvents;
  /** The command being run, as typed (`batch`, `auth login`): set once it is known. */
  command?: string;
  /** --exec was given: a command that would save no clip to a file refuses to start rather than never run them. */
  hooks?: boolean;
}

export interface CreatesInFlight {
  count: number;
  /** Ids answered but not journaled yet: a second signal prints them rather than lose them. */
  received: Set<string>;
  /** Set by a command that tells the user itself what a Ctrl-C does to its creates (batch). */
  announcesOwnStop?: boolean;
}

export interface Tuning {
  timeoutMs?: number;
  retryBaseMs?: number;
  attempts?: number;
  /** The shortest polling interval allowed (default 1 s); lowered only to poll a local simulator in tests. */
  minIntervalMs?: number;
  /** The most bytes a video may have (default 4 GiB); lowered so that the cut of an endless body is quick to try. */
  maxVideoBytes?: number;
}

/**
 * Test and power-user knobs: shorter timeouts and retry delays make fault scenarios quick to reproduce. A value
 * that cannot be used stops the command (exit 2) naming the variable.
 */
export function tuningFromEnv(env: NodeJS.ProcessEnv): Tuning {
  const timeoutSeconds = knobFromEnv(env, ENV_KNOBS.requestTimeout);
  return {
    timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
    retryBaseMs: knobFromEnv(env, ENV_KNOBS.retryBaseMs),
    attempts: knobFromEnv(env, ENV_KNOBS.retryAttempts),
    minIntervalMs: knobFromEnv(env, ENV_KNOBS.minIntervalMs),
    maxVideoBytes: knobFromEnv(env, ENV_KNOBS.maxVideoBytes),
  };
}

export function createContext(
  globals: GlobalOptions,
  out: Output,
  signal: AbortSignal,
  env = process.env,
  creates: CreatesInFlight = { count: 0, received: new Set() },
): Context {
  let settings: Promise<Settings> | undefined;
  let client: Promise<VeoClient> | undefined;
  let journal: Promise<Journal> | undefined;
  const tuning = tuningFromEnv(env);
  const context: Context = {
    tuning,
    creates,
    events: new RunEvents(),
    globals,
    out,
    signal,
    env,
    settings() {
      settings ??= resolveSettings(globals, env).then((resolved) => {
        out.setSecret(resolved.apiKey?.value);
        for (const warning of resolved.warnings) out.warn(warning, 'CONFIG');
        return resolved;
      });
      return settings;
    },
    client() {
      client ??= context.settings().then((resolved) => buildClient(resolved, out, tuning, context.events));
      return client;
    },
    async clientFor(apiKey) {
      return buildClient(await context.settings(), out, tuning, context.events, {
        value: apiKey,
        from: 'the key given',
      });
    },
    journal() {
      journal ??= (async () => {
        const resolved = await context.settings();
        const { Journal } = await import('./store/journal.js');
        // The journal outlives the key: whatever a service echoed back is stored without it.
        return new Journal(resolved.configDir, { redact: (text) => out.redact(text) });
      })();
      return journal;
    },
  };
  return context;
}

/** The API client, loaded on first use so that `--version` and `--help` never import it. */
async function buildClient(
  resolved: Settings,
  out: Output,
  tuning: Tuning,
  events: RunEvents,
  given?: { value: string; from: string },
): Promise<VeoClient> {
  const noted = new Set<string>();
  // A key given directly still goes only to an API origin the user chose.
  if (given) requireUsableConfig(resolved, ['base-url']);
  const apiKey = given?.value ?? requireApiKey(resolved);
  const { VeoClient } = await import('./api/client.js');
  const { DEFAULT_RETRY_POLICY } = await import('./api/retry.js');
  const { RetryNotice } = await import('./ui/retry-notice.js');
  const retries = new RetryNotice(out);
  const from = given?.from ?? (resolved.apiKey ? keySourceName(resolved.apiKey.source) : '');
  out.trace(`using key ${maskApiKey(apiKey)} (from ${from}), API ${resolved.baseUrl.value}`);
  return new VeoClient({
    apiKey,
    baseUrl: resolved.baseUrl.value,
    timeoutMs: tuning.timeoutMs,
    userAgent: `veo/${VERSION} node/${process.versions.node}`,
    retry: {
      ...DEFAULT_RETRY_POLICY,
      ...(tuning.retryBaseMs === undefined
        ? {}
        : { baseMs: tuning.retryBaseMs, maxMs: Math.max(tuning.retryBaseMs * 8, 1) }),
      ...(tuning.attempts === undefined ? {} : { attempts: tuning.attempts }),
    },
    onTrace: (event) => {
      // An answer arrived: the note goes. (A 200 may still carry an error, so the warning state stays.)
      if (event.status !== undefined) retries.progressed();
      out.trace(`${event.method} ${event.url} ${event.status ?? event.error ?? ''} ${event.ms}ms`.replace(/\s+/g, ' '));
    },
    // Once each: a poll that meets the same oddity every few seconds need not say so every time. In --json
    // mode stderr carries JSON only, so a warning is a document of its own there.
    onNote: (note) => {
      if (noted.has(note.message)) return;
      noted.add(note.message);
      if (out.json) out.jsonLine({ warning: note });
      else out.warn(note.message);
    },
    onRetry: (event) => {
      tellRetry(events, event.taskId, { ...event, what: event.request });
      retries.failed({
        what: event.what.endsWith('request') ? event.what : `the request for ${event.what}`,
        error: event.error,
        retryInMs: event.delayMs,
        attempt: event.attempt,
        attempts: event.attempts,
        trace: `retrying ${event.what} in ${event.delayMs}ms (attempt ${event.attempt + 1}): ${(event.error as Error).message}`,
      });
    },
  });
}
