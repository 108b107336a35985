// --exec: the user's commands, run in order after each clip is in its final place. A hook that fails is reported at
// once and makes the run end with exit 10, but the clip stays saved and the other clips of the run go on.
import { lstat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ENV_KNOBS, knobFromEnv } from '../config/env-knobs.js';
import { formatLimitMs } from '../core/duration.js';
import { EXIT_CODES } from '../core/exit-codes.js';
import { HookFailedError, InterruptedError } from '../core/errors.js';
import type { Context } from '../context.js';
import { shellQuote } from '../ui/shell-quote.js';
import { HOOK_FIELDS, hookCommandLine, hookEnvironment, type HookField } from './hook-command.js';
import {
  describeOutcome,
  hookShell,
  runHookProcess,
  succeeded,
  type HookOutcome,
  type HookOutputListener,
} from './hook-process.js';
import { recordSafely } from './journal-record.js';
import type { RunEvent } from './run-events.js';

/** Ten minutes: long enough for a transcode or an upload, short enough that a stuck hook does not hold a batch. */
export const DEFAULT_HOOK_TIMEOUT_MS = 10 * 60 * 1000;
/** Commands that save at most one clip (create and rerun without variations). */
const ONE_CLIP = new Set(['create', 'rerun', 'wait', 'download']);
/** The failures the final error lists one by one; the count says how many there were in all. */
const LISTED_FAILURES = 10;

interface Hook {
  /** As the user typed it: for messages. */
  template: string;
  /** What the shell runs. */
  line: string;
  /** The fields it names, for the command that runs it again by hand. */
  fields: HookField[];
}

type Saved = Extract<RunEvent, { type: 'saved' }>;

function fieldsOf(template: string): HookField[] {
  return (Object.keys(HOOK_FIELDS) as HookField[]).filter((field) => template.includes(`{${field}}`));
}

/** What a failed hook left to say: a warning at once, and the one failure the run ends with, kept current. */
class HookFailures {
  #listed: string[] = [];
  #error: HookFailedError | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly timeoutText: string,
  ) {}

  async report(
    hook: Hook,
    saved: Saved,
    env: Record<string, string>,
    outcome: HookOutcome,
    skipped: number,
  ): Promise<void> {
    const { ctx } = this;
    const how = describeOutcome(outcome, this.timeoutText);
    const later =
      skipped > 0 ? ` The ${skipped === 1 ? 'hook' : `${skipped} hooks`} after it did not run for this clip.` : '';
    const message = `The hook ${JSON.stringify(hook.template)} failed for ${saved.path} (${how}); the clip is kept.${later}`;
    if (ctx.out.json) {
      const { exitCode, signal, timedOut, output } = outcome;
      const id = saved.id ? { id: saved.id } : {};
      const warning = { code: 'HOOK_FAILED', message, hook: hook.template, path: saved.path, ...id };
      ctx.out.jsonLine({ warning: { ...warning, exitCode, signal, timedOut, output } });
    } else {
      ctx.out.warn(message, 'HOOK_FAILED');
    }
    // The event stream and the step summary hear of it like any other failure, with the clip it was given.
    await ctx.events
      .emit({
        type: 'failed',
        ...(saved.id ? { id: saved.id } : {}),
        code: 'HOOK_FAILED',
        message,
        exitCode: EXIT_CODES.hook,
        path: saved.path,
      })
      .catch(() => undefined);
    this.#listed.push(`${saved.path}: ${JSON.stringify(hook.template)} ${how}`);
    const n = this.#listed.length;
    const details = this.#listed.slice(0, LISTED_FAILURES);
    if (n > LISTED_FAILURES) details.push(`… and ${n - LISTED_FAILURES} more`);
    const text = `${n === 1 ? 'A hook' : `${n} hooks`} failed; ${n === 1 ? 'its clip is' : 'their clips are'} saved.`;
    if (this.#error) {
      this.#error.message = text;
      this.#error.details = details;
      this.#error.hint = this.#error.hint?.replace(/^Run it again/, 'Run the first one again');
      return;
    }
    // Told once, then kept current: the run ends with this failure unless a worse one happened.
    const command = byHand(hook, env, saved.path);
    // $'…' (a value with a control character) is read by bash and zsh, not by every sh yet.
    const hint = `Run it again by hand${command.includes("$'") ? ' (in bash or zsh)' : ''}: ${command}`;
    this.#error = new HookFailedError(text, { details, hint, ...(saved.id ? { taskId: saved.id } : {}) });
    ctx.events.late(this.#error);
  }
}

/**
 * Hooks a signal cut short, or kept from starting, after their clip was saved: the clip is kept, and the run's
 * final error (exit 130 or 143 as for any stop) names each one with the command that runs it by hand.
 */
class HookStops {
  #listed: string[] = [];
  #count = 0;
  #error: InterruptedError | undefined;

  constructor(private readonly ctx: Context) {}

  note(hook: Hook, saved: Saved, env: Record<string, string>, started: boolean): void {
    const n = ++this.#count;
    const what = started ? 'was stopped' : 'did not run';
    if (this.#listed.length < LISTED_FAILURES) {
      this.#listed.push(
        `${saved.path}: ${JSON.stringify(hook.template)} ${what}; by hand: ${byHand(hook, env, saved.path)}`,
      );
    }
    const details = n > LISTED_FAILURES ? [...this.#listed, `… and ${n - LISTED_FAILURES} more`] : [...this.#listed];
    // Worded from "Interrupted" so that a stop by SIGTERM or SIGHUP is named as such where the run ends.
    const text = `Interrupted: ${n === 1 ? 'a hook' : `${n} hooks`} did not finish; ${n === 1 ? 'its clip is' : 'their clips are'} saved and kept.`;
    if (this.#error) {
      this.#error.message = text;
      this.#error.details = details;
      this.#error.hint = 'Run each hook listed above by hand.';
      return;
    }
    const hint = `Run it by hand: ${byHand(hook, env, saved.path)}`;
    this.#error = new InterruptedError(text, { details, hint, ...(saved.id ? { taskId: saved.id } : {}) });
    this.ctx.events.late(this.#error);
  }
}

/** Checks every hook (an unknown field is exit 2, before anything is paid for) and runs them after each save. */
export function attachHooks(ctx: Context, templates: string[]): void {
  const shell = hookShell();
  const hooks: Hook[] = templates.map((template) => ({
    template,
    line: hookCommandLine(template, shell),
    fields: fieldsOf(template),
  }));
  const knob = knobFromEnv(ctx.env, ENV_KNOBS.hookTimeout);
  const timeoutMs = knob === undefined ? DEFAULT_HOOK_TIMEOUT_MS : knob * 1000;
  const failures = new HookFailures(ctx, formatLimitMs(timeoutMs));
  const stops = new HookStops(ctx);
  ctx.hooks = hooks.length > 0;
  let saves = 0;

  ctx.events.on(async (event) => {
    if (event.type === 'end') {
      // A command of one clip that saved none to a file (no -o, or -o -) would leave the hook silently unrun.
      if (saves === 0 && event.exitCode === 0 && ONE_CLIP.has(event.command)) {
        ctx.out.warn(
          '--exec did not run: this run saved no clip to a file (a clip saved before, or by another veo meanwhile, is not saved again, and its hooks are not run again).',
        );
      }
      return;
    }
    if (event.type !== 'saved' || event.path === '-') return;
    // A clip is hooked by the veo that saved it: one another veo saved meanwhile (two `wait --all -o` at once, a
    // sync beside a wait) gets that veo's hooks, so running ours too would run them twice for one clip.
    if (event.alreadySaved) return;
    saves++;
    const env = hookEnvironment({
      path: event.path,
      id: event.id ?? '',
      prompt: await promptOf(ctx, event.id),
      url: event.url,
      sha256: event.fileSha256 ?? event.sha256,
    });
    for (const [index, hook] of hooks.entries()) {
      // Stopped by the user: the clip is saved, and the final error says which hooks are left to run by hand.
      if (ctx.signal.aborted) {
        for (const left of hooks.slice(index)) stops.note(left, event, env, false);
        return;
      }
      const outcome = await runHookProcess(hook.line, {
        env: { ...withoutApiKey(ctx.env), ...env },
        timeoutMs,
        onOutput: relay(ctx, event.path),
      });
      if (succeeded(outcome)) continue;
      if (ctx.signal.aborted && !outcome.timedOut) {
        stops.note(hook, event, env, true);
        for (const left of hooks.slice(index + 1)) stops.note(left, event, env, false);
        return;
      }
      await failures.report(hook, event, env, outcome, hooks.length - index - 1);
      return;
    }
    if (event.id) await noteHandedOff(ctx, event.id, event.path);
  });
}

/**
 * A clip its hooks moved or removed (`mv {path} archive/`, `rclone move`) was handed on: the journal says so, and
 * `veo sync` does not fetch it again. A file still there, or one that cannot be looked at, changes nothing.
 */
async function noteHandedOff(ctx: Context, id: string, path: string): Promise<void> {
  try {
    await lstat(path);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
  }
  await recordSafely(ctx, { id, handedOffAt: new Date().toISOString() });
}

async function promptOf(ctx: Context, id: string | undefined): Promise<string> {
  if (!id) return '';
  const entry = await (await ctx.journal()).get(id).catch(() => undefined);
  return entry?.prompt ?? '';
}

/** The longest piece of a hook's output shown as one line. */
const MAX_HOOK_LINE = 4096;

/**
 * The environment a hook or a notifier runs in: veo's own, without the API key. A hook is handed clips, not the
 * account: an uploader it calls never sees the key, whether or not it came from the environment.
 */
export function withoutApiKey(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Windows reads variable names in any case: every spelling of the key's name goes.
  return Object.fromEntries(Object.entries(env).filter(([name]) => name.toUpperCase() !== 'GPTUNNEL_API_KEY'));
}

/**
 * The hook's output goes to stderr (stdout carries veo's results), a line at a time with the clip's name before it
 * and control characters escaped like any other text. In --json mode stderr is JSON only: the output is kept for a
 * failure report instead; --quiet keeps it too.
 */
function relay(ctx: Context, path: string): HookOutputListener | undefined {
  if (!ctx.out.chatty) return undefined;
  const pending = { stdout: '', stderr: '' };
  return (text, stream, ended) => {
    const lines = (pending[stream] + text).split(/\r\n|\r|\n/);
    let rest = lines.pop() ?? '';
    // Output without line breaks (binary, a progress bar) is shown in pieces rather than held without bound.
    while (rest.length > MAX_HOOK_LINE) {
      lines.push(rest.slice(0, MAX_HOOK_LINE));
      rest = rest.slice(MAX_HOOK_LINE);
    }
    pending[stream] = ended ? '' : rest;
    if (ended && rest !== '') lines.push(rest);
    for (const line of lines) ctx.out.info(`hook ${basename(path)}: ${line}`);
  };
}

/** The same command, runnable in a shell: the fields it names set as variables, the rest exactly as veo ran it. */
function byHand(hook: Hook, env: Record<string, string>, path: string): string {
  if (hookShell() === 'cmd') return `run ${JSON.stringify(hook.template)} again for ${path}.`;
  const assignments = hook.fields.map((field) => {
    const variable = HOOK_FIELDS[field];
    return `${variable}=${shellQuote(env[variable] ?? '')}`;
  });
  return [...assignments, 'sh', '-c', shellQuote(hook.line)].join(' ');
}
