import type { Task } from './schemas.js';

/** Statuses that end a task without a video; anything unknown is treated as still running (the safe default). */
const FAILED_STATUSES = new Set(['failed', 'error', 'cancelled', 'canceled']);

export type TaskPhase = 'running' | 'done' | 'failed';

/** `done` without a url has been seen for a short while: it is not finished until a url appears. */
export function taskPhase(task: Pick<Task, 'status' | 'url'>): TaskPhase {
  const status = task.status.toLowerCase();
  if (FAILED_STATUSES.has(status)) return 'failed';
  if (status === 'done' && typeof task.url === 'string' && task.url.length > 0) return 'done';
  return 'running';
}

/** The failure reason is undocumented: `error` first, then `message`. */
export function failureReason(task: Task): string | undefined {
  for (const field of ['error', 'message', 'reason'] as const) {
    const value = (task as Record<string, unknown>)[field];
    if (typeof value === 'string' && value.trim()) return value.trim();
    if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
      return (value as { message: string }).message;
    }
  }
  return undefined;
}

/** What to do about a task that ended without a video: a cancellation is not a refusal of the prompt. */
export function failureHint(task: Pick<Task, 'status'>): string {
  const status = task.status.toLowerCase();
  if (status === 'cancelled' || status === 'canceled') {
    return 'The task was cancelled, not refused: nothing can be downloaded for it. `veo create` with the same prompt starts a new one (paid again).';
  }
  return 'Nothing can be downloaded for this task. If the reason concerns the content, change the prompt; otherwise try again later. A new task is paid again.';
}

/** `done` but without its video link yet: finished on the service, not ready to fetch. */
export function awaitingLink(task: Pick<Task, 'status' | 'url'>): boolean {
  return task.status.toLowerCase() === 'done' && taskPhase(task) === 'running';
}
