import { GenerationFailedError, InterruptedError, WaitTimeoutError } from '../core/errors.js';
import { deadlineAt } from './deadline.js';
import { formatLimitMs } from '../core/duration.js';
import { isRetryable, sleep } from './retry.js';
import type { Task } from './schemas.js';
import { awaitingLink, failureHint, failureReason, taskPhase } from './status.js';

export interface WaitProgress {
  task: Task;
  elapsedMs: number;
  polls: number;
  /** When the check that brought this answer was sent (by `now`). */
  sentAt: number;
}

export interface WaitOptions {
  intervalMs: number;
  /**
   * When given, the delay before each next check (and before the first one unless firstPollMs says otherwise);
   * intervalMs then bounds the first one and is the gap after a failed check.
   */
  nextDelayMs?: () => Promise<number>;
  timeoutMs: number;
  /** Delay before the first poll: short, because `veo wait` is often called on a task that already finished. */
  firstPollMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: WaitProgress) => void;
  /** A poll failed with a transient error; polling goes on. */
  onPollError?: (error: unknown) => void;
  now?: () => number;
}

export interface TaskReader {
  getTask(taskId: string, options?: { signal?: AbortSignal }): Promise<Task>;
}

/**
 * Polls until the task has a video, fails, or the deadline passes. Transient errors (already retried inside the
 * client) don't end the wait: the task is still running on the service and the next poll may well succeed.
 * The deadline also aborts a request in flight, so a slow or dripping answer cannot outlive it.
 */
export async function waitForTask(client: TaskReader, taskId: string, options: WaitOptions): Promise<Task> {
  const now = options.now ?? Date.now;
  const started = now();
  const deadline = started + options.timeoutMs;
  // Real time, whatever `now` says: the abort is what reaches into a request in flight.
  const expiry = deadlineAt(Date.now() + options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, expiry.signal]) : expiry.signal;
  try {
    return await poll(client, taskId, options, {
      now,
      started,
      deadline,
      signal,
      expired: () => expiry.signal.aborted,
    });
  } finally {
    expiry.dispose();
  }
}

function nextDelay(options: WaitOptions): Promise<number> {
  return options.nextDelayMs ? options.nextDelayMs() : Promise.resolve(options.intervalMs);
}

interface PollState {
  now: () => number;
  started: number;
  deadline: number;
  signal: AbortSignal;
  expired: () => boolean;
  /** The last answer about the task, for a timeout to say where it stood. */
  last?: Task;
}

async function poll(client: TaskReader, taskId: string, options: WaitOptions, state: PollState): Promise<Task> {
  const { now, started, deadline, signal } = state;
  let polls = 0;
  let delay =
    options.firstPollMs === undefined && options.nextDelayMs
      ? await options.nextDelayMs()
      : Math.min(options.firstPollMs ?? 0, options.intervalMs);
  let lastError: unknown;
  for (;;) {
    const remaining = deadline - now();
    if (remaining <= 0 || state.expired()) break;
    if (delay > 0) {
      try {
        await sleep(Math.min(delay, remaining), signal);
      } catch (error) {
        if (options.signal?.aborted || !state.expired()) throw error;
        break;
      }
    }
    if (options.signal?.aborted) throw new InterruptedError('Interrupted.', { taskId });
    let task: Task;
    const sentAt = now();
    try {
      task = await client.getTask(taskId, { signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (state.expired()) break;
      if (error instanceof InterruptedError) throw error;
      if (!isRetryable(error, 'read')) throw error;
      lastError = error;
      options.onPollError?.(error);
      // A failing service gets the longest gap, which is also what the warning about it announces.
      delay = options.intervalMs;
      continue;
    }
    polls++;
    lastError = undefined;
    state.last = task;
    options.onProgress?.({ task, elapsedMs: now() - started, polls, sentAt });
    const phase = taskPhase(task);
    if (phase === 'done') return task;
    if (phase === 'failed') {
      const reason = failureReason(task);
      throw new GenerationFailedError(
        `The generation failed (status "${task.status}")${reason ? `: ${reason}` : ', and the service gave no reason.'}`,
        { taskId, reason, hint: failureHint(task) },
      );
    }
    delay = await nextDelay(options);
  }
  // Never reached at all: that is a network failure, not a slow task. Otherwise the deadline is what ended it.
  if (lastError && polls === 0) throw lastError;
  const where =
    state.last && awaitingLink(state.last)
      ? 'it is done on the service, but its video link has not come yet'
      : 'it keeps running on the service';
  throw new WaitTimeoutError(
    `Gave up waiting for task ${taskId} after ${formatLimitMs(options.timeoutMs)}; ${where}.`,
    {
      taskId,
      hint: `Resume with: veo wait ${taskId}`,
      cause: lastError,
    },
  );
}
