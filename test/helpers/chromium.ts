// A headless Chromium driven over the DevTools protocol, for tests of pages veo writes. The protocol's WebSocket
// comes from undici, which veo already depends on (Node 20 has no WebSocket global without a flag), so no browser
// automation library is needed. Every wait here is bounded and every browser is killed by close().
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { WebSocket } from 'undici';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome'];
const STEP_TIMEOUT_MS = 30_000;

/** The browser on the PATH, or undefined: a test that needs one skips, saying why. */
export function findChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of NAMES) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

export interface BrowserEvent {
  method: string;
  params: Record<string, unknown>;
}

export interface Page {
  send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves with the first event of this name (from now on) for which `match` holds. */
  next(method: string, match?: (params: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Every event of the page so far. */
  events: BrowserEvent[];
}

export interface Browser {
  open(): Promise<Page>;
  close(): Promise<void>;
}

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`browser: no answer to ${what} within ${STEP_TIMEOUT_MS} ms`)),
      STEP_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function devToolsUrl(child: ChildProcess): Promise<string> {
  return bounded(
    new Promise((resolve, reject) => {
      let text = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const found = /DevTools listening on (ws:\/\/\S+)/.exec(text);
        if (found?.[1]) resolve(found[1]);
      });
      child.once('exit', (code) => reject(new Error(`chromium exited (${code}) before listening:\n${text}`)));
    }),
    'start-up',
  );
}

export async function launchChromium(executable: string): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'veo-chromium-'));
  // Everything that would reach beyond this machine is off: the page under test loads only local files.
  const child = spawn(
    executable,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--mute-audio',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const socket = new WebSocket(await devToolsUrl(child));
  await bounded(
    new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error('cannot reach the DevTools socket')), { once: true });
    }),
    'the DevTools socket',
  );
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, ((event: BrowserEvent) => void)[]>();
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data)) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: { message: string };
      method?: string;
      params?: Record<string, unknown>;
      sessionId?: string;
    };
    if (data.id !== undefined) {
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) waiting?.reject(new Error(data.error.message));
      else waiting?.resolve(data.result ?? {});
    } else if (data.method && data.sessionId) {
      for (const listener of listeners.get(data.sessionId) ?? [])
        listener({ method: data.method, params: data.params ?? {} });
    }
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    bounded(
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      }),
      method,
    );
  return {
    async open() {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
      const events: BrowserEvent[] = [];
      const waiters: ((event: BrowserEvent) => void)[] = [];
      listeners.set(sessionId, [
        (event) => {
          events.push(event);
          for (const waiter of [...waiters]) waiter(event);
        },
      ]);
      return {
        events,
        send: (method, params) => send(method, params, sessionId),
        next: (method, match = () => true) =>
          bounded(
            new Promise((resolve) => {
              const waiter = (event: BrowserEvent): void => {
                if (event.method !== method || !match(event.params)) return;
                waiters.splice(waiters.indexOf(waiter), 1);
                resolve(event.params);
              };
              waiters.push(waiter);
            }),
            method,
          ),
      };
    },
    async close() {
      await send('Browser.close').catch(() => undefined);
      socket.close();
      if (child.exitCode === null && child.signalCode === null) {
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      await rm(profile, { recursive: true, force: true });
    },
  };
}
