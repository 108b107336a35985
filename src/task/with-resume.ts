import { InterruptedError, isVeoError, WaitTimeoutError } from '../core/errors.js';

/**
 * Adds the task id and the exact command that picks the work up again (with its -o) to an interruption or a
 * timeout; `what` says what is left behind.
 */
export function withResume(
  error: unknown,
  id: string | undefined,
  resume: string,
  what: 'task' | 'download' | 'stream',
): unknown {
  if (error instanceof InterruptedError || (isVeoError(error) && error.kind === 'interrupted')) {
    const message =
      what === 'download'
        ? 'Interrupted; the part already downloaded is kept and the download resumes from it.'
        : what === 'stream'
          ? 'Interrupted; the video written to stdout is incomplete.'
          : id
            ? `Interrupted; task ${id} keeps running on the service.`
            : 'Interrupted.';
    return new InterruptedError(message, { taskId: id, hint: `Resume with: ${resume}`, cause: error });
  }
  if (error instanceof WaitTimeoutError) error.hint = `Resume with: ${resume}`;
  if (isVeoError(error) && !error.taskId) error.taskId = id;
  return error;
}
