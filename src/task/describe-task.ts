import type { Task } from '../api/schemas.js';
import { awaitingLink, failureReason } from '../api/status.js';

/** A task as `key  value` lines, the shape people read and `grep`/`awk` can still take apart. */
export function describeTask(task: Task): string[] {
  const lines: [string, string][] = [
    ['id', task.id],
    [
      'status',
      awaitingLink(task) ? `${task.status} (no video link yet: \`veo wait ${task.id}\` waits for it)` : task.status,
    ],
  ];
  if (task.model) lines.push(['model', task.model]);
  if (task.created_at) lines.push(['created', new Date(task.created_at * 1000).toISOString()]);
  if (task.url) lines.push(['url', task.url]);
  const reason = failureReason(task);
  if (reason && task.status !== 'done') lines.push(['reason', reason]);
  if (task.prompt) lines.push(['prompt', task.prompt.replace(/\s+/g, ' ')]);
  return lines.map(([key, value]) => `${key.padEnd(8)}${value}`);
}
