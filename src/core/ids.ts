// The shape of a task id, shared by every layer: the API checks the answers it reads, the journal the lines it
// loads, the commands the ids a user types. A MongoDB ObjectId: 24 lowercase hex digits, the first 8 its
// creation time in seconds.
export const TASK_ID_PATTERN = /^[0-9a-f]{24}$/;

/** A task id as a person may type or paste it: surrounding spaces and upper case do not make it another id. */
export function normaliseTaskId(raw: string): string | undefined {
  const id = raw.trim().toLowerCase();
  return TASK_ID_PATTERN.test(id) ? id : undefined;
}
