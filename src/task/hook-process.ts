// One hook command, run bounded: its own process group (so that a timeout ends everything it started), its output
// handed over as it comes with the last few KiB kept for a failure report, and a signal veo receives passed on.
import { spawn, type ChildProcess } from 'node:child_process';
import type { HookShell } from './hook-command.js';

/** How much of a hook's output a failure report keeps: the end, where the reason usually is. */
export const HOOK_OUTPUT_TAIL_BYTES = 4096;
/** After SIGTERM, how long a hook has to clean up before SIGKILL. */
const KILL_GRACE_MS = 2000;
/** After the hook itself exited, how long a process it left behind may keep its output open. */
const OUTPUT_CLOSE_MS = 1000;
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface HookOutcome {
  /** The exit status, when it exited by itself. */
  exitCode: number | null;
  /** The signal that ended it. */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Why it could not be started at all. */
  startError?: Error;
  /** The last HOOK_OUTPUT_TAIL_BYTES of its stdout and stderr, as text. */
  output: string;
}

/** Told each piece of output as it comes; `ended` once a stream is over, with what was left undecoded. */
export type HookOutputListener = (text: string, stream: 'stdout' | 'stderr', ended: boolean) => void;

export function hookShell(): HookShell {
  return process.platform === 'win32' ? 'cmd' : 'sh';
}

function spawnShell(line: string, env: NodeJS.ProcessEnv): ChildProcess {
  if (hookShell() === 'cmd') {
    // As Node's own `shell: true` does on Windows, with delayed expansion on for the !VEO_…! references.
    return spawn(env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/v:on', '/c', `"${line}"`], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsVerbatimArguments: true,
      windowsHide: true,
    });
  }
  return spawn('/bin/sh', ['-c', line], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

/** Sends a signal to the hook's whole group (everything it started), or to the hook alone where groups are not. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The hooks running now (a batch runs several at once). One listener per signal passes it on to all of them, however
 * many there are, and is there only while one runs.
 */
const running = new (class RunningHooks {
  #children = new Set<ChildProcess>();
  #forwarders = [...FORWARDED.map((signal) => [signal, () => this.#signalAll(signal)] as const)];
  // veo quitting at once (a second Ctrl-C) does not leave a hook running on its own.
  #onExit = () => this.#signalAll('SIGTERM');

  add(child: ChildProcess): void {
    if (this.#children.size === 0) {
      for (const [signal, handler] of this.#forwarders) process.on(signal, handler);
      process.on('exit', this.#onExit);
    }
    this.#children.add(child);
  }

  delete(child: ChildProcess): void {
    if (!this.#children.delete(child) || this.#children.size > 0) return;
    for (const [signal, handler] of this.#forwarders) process.off(signal, handler);
    process.off('exit', this.#onExit);
  }

  #signalAll(signal: NodeJS.Signals): void {
    for (const child of this.#children) signalGroup(child, signal);
  }
})();

/**
 * Runs `line` through the system shell. Resolves once it ended, whichever way; never rejects. A hook still running
 * after `timeoutMs` is sent SIGTERM, then SIGKILL, with every process of its group.
 */
export function runHookProcess(
  line: string,
  options: { env: NodeJS.ProcessEnv; timeoutMs: number; onOutput?: HookOutputListener },
): Promise<HookOutcome> {
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    let timedOut = false;
    let startError: Error | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const child = spawnShell(line, options.env);
    running.add(child);
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child, 'SIGTERM');
      killer = setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name];
      const decoder = new TextDecoder();
      stream?.on('data', (chunk: Buffer) => {
        tail = Buffer.concat([tail, chunk]);
        if (tail.length > HOOK_OUTPUT_TAIL_BYTES) tail = tail.subarray(tail.length - HOOK_OUTPUT_TAIL_BYTES);
        options.onOutput?.(decoder.decode(chunk, { stream: true }), name, false);
      });
      stream?.on('end', () => options.onOutput?.(decoder.decode(), name, true));
    }
    child.on('error', (error) => {
      startError = error;
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A process the hook left running may hold its output open: the hook is over all the same.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, OUTPUT_CLOSE_MS).unref();
    });
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killer);
      running.delete(child);
      resolve({
        exitCode: exit?.code ?? code,
        signal: exit?.signal ?? signal,
        timedOut,
        ...(startError ? { startError } : {}),
        // Cut at a byte count, so the first character may be a broken one: it is dropped.
        output: new TextDecoder().decode(tail).replace(/^\uFFFD/, ''),
      });
    };
    child.on('close', settle);
    // A shell that could not be started has no process to wait for.
    if (child.pid === undefined) child.once('error', () => setImmediate(() => settle(null, null)));
  });
}

export function succeeded(outcome: HookOutcome): boolean {
  return outcome.exitCode === 0 && !outcome.timedOut && !outcome.startError;
}

/** How it ended, in words: "exit status 3", "killed by SIGTERM after the 10 min limit", "could not start: …". */
export function describeOutcome(outcome: HookOutcome, timeoutText: string): string {
  if (outcome.startError) return `could not start: ${outcome.startError.message}`;
  if (outcome.timedOut) return `still running after ${timeoutText}, so it was stopped`;
  if (outcome.signal) return `ended by ${outcome.signal}`;
  return `exit status ${outcome.exitCode ?? 'unknown'}`;
}
