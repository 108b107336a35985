import { ObjectIdGenerator } from './object-id.js';
import type { TaskState, TaskStatus } from './types.js';

/** Share of a task's duration spent 'idle' before it turns 'processing'. */
const IDLE_SHARE = 0.2;

export interface NewTask {
  model: string;
  prompt: string;
  ar: string | null;
  images: string[];
  cost: number;
  /** Fixed at create time so that changing taskMs later does not reshuffle tasks already running. */
  durationMs: number;
  /** The reason it will fail with, or null when it will succeed. */
  failReason: string | null;
}

export interface StoredTask extends NewTask {
  id: string;
  createdAtMs: number;
  polls: number;
}

export class TaskStore {
  private readonly ids = new ObjectIdGenerator();
  private readonly byId = new Map<string, StoredTask>();

  create(input: NewTask, nowMs: number): StoredTask {
    const id = this.ids.next(Math.floor(nowMs / 1000));
    const task: StoredTask = { ...input, images: [...input.images], id, createdAtMs: nowMs, polls: 0 };
    this.byId.set(id, task);
    return task;
  }

  get(id: string): StoredTask | undefined {
    return this.byId.get(id);
  }

  all(): StoredTask[] {
    return [...this.byId.values()];
  }
}

export function finishesAt(task: StoredTask): number {
  return task.createdAtMs + task.durationMs;
}

export function statusAt(task: StoredTask, nowMs: number): TaskStatus {
  const elapsed = nowMs - task.createdAtMs;
  if (elapsed >= task.durationMs) return task.failReason === null ? 'done' : 'failed';
  return elapsed < task.durationMs * IDLE_SHARE ? 'idle' : 'processing';
}

export function createdAtSeconds(task: StoredTask): number {
  return Math.floor(task.createdAtMs / 1000);
}

/** A finished task's link stops working linkTtlMs after the task became done; 0 means at once. */
export function linkExpiresAt(task: StoredTask, linkTtlMs: number): number {
  return finishesAt(task) + linkTtlMs;
}

export function isLinkExpired(task: StoredTask, linkTtlMs: number, nowMs: number): boolean {
  return nowMs >= linkExpiresAt(task, linkTtlMs);
}

export function describeTask(task: StoredTask, nowMs: number, linkTtlMs: number, fileUrl: string): TaskState {
  const status = statusAt(task, nowMs);
  return {
    id: task.id,
    model: task.model,
    prompt: task.prompt,
    ar: task.ar,
    images: [...task.images],
    createdAt: createdAtSeconds(task),
    createdAtMs: task.createdAtMs,
    finishesAtMs: finishesAt(task),
    status,
    willFail: task.failReason !== null,
    error: status === 'failed' ? task.failReason : null,
    url: status === 'done' ? fileUrl : null,
    linkExpiresAtMs: status === 'done' ? linkExpiresAt(task, linkTtlMs) : null,
    cost: task.cost,
    polls: task.polls,
  };
}
