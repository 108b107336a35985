import { InvalidInputError, isVeoError, type VeoError } from '../core/errors.js';
import { EXIT_CODES } from '../core/exit-codes.js';
import type { Output } from './output.js';
import { showable } from './showable.js';

export function exitCodeFor(error: unknown): number {
  return isVeoError(error) ? EXIT_CODES[error.kind] : EXIT_CODES.internal;
}

function issueLines(error: VeoError): string[] {
  if (!(error instanceof InvalidInputError)) return [];
  return error.issues.map((issue) => {
    const path = issue.path?.length ? `${issue.path.join('.')}: ` : '';
    return `  - ${showable(`${path}${issue.message ?? JSON.stringify(issue)}`)}`;
  });
}

/** The stack's frames without its first line, which repeats the message (and so text from outside). */
function frames(error: Error): string {
  const stack = error.stack ?? '';
  const at = stack.indexOf('\n    at ');
  return at < 0 ? '' : stack.slice(at);
}

/** The error as one annotation: the same showable lines, without colour or the `veo: error:` prefix. */
function annotationText(error: VeoError): string {
  const lines = [showable(error.message), ...error.details.map(showable), ...issueLines(error)];
  if (error.taskId && !error.message.includes(error.taskId)) lines.push(`task: ${showable(error.taskId)}`);
  if (error.hint) lines.push(`hint: ${showable(error.hint)}`);
  return lines.join('\n');
}

/**
 * Errors as a person reads them, or as one JSON document on stderr in --json mode. Messages and hints carry text
 * from outside (an API's reason, a URL, a path): each part is made showable before the lines are joined.
 */
export function renderError(out: Output, error: unknown): number {
  const exitCode = exitCodeFor(error);
  if (!isVeoError(error)) {
    const detail = error instanceof Error ? `${showable(error.message)}${frames(error)}` : showable(String(error));
    if (out.json) {
      out.stderr(
        `${JSON.stringify({ error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), exitCode } })}\n`,
      );
    } else {
      out.stderr(
        `${out.paint('red', 'veo: internal error:')} ${detail}\nThis is a bug in veo; please report it with the command you ran.\n`,
      );
      out.annotate('error', `internal error: ${showable(error instanceof Error ? error.message : String(error))}`);
    }
    return exitCode;
  }
  if (out.json) {
    const message = [error.message, ...error.details].join('\n');
    const body: Record<string, unknown> = { code: error.code, message, exitCode };
    if (error.details.length > 0) body.details = error.details;
    if (error.taskId) body.taskId = error.taskId;
    if (error.hint) body.hint = error.hint;
    if (error.errno) body.errno = error.errno;
    if (error instanceof InvalidInputError) body.issues = error.issues;
    out.stderr(`${JSON.stringify({ error: body })}\n`);
    return exitCode;
  }
  const lines = [
    `${out.paint('red', 'veo: error:')} ${showable(error.message)}`,
    ...error.details.map((line) => `  ${showable(line)}`),
    ...issueLines(error),
  ];
  if (error.taskId && !error.message.includes(error.taskId)) lines.push(`  task: ${showable(error.taskId)}`);
  if (error.hint) lines.push(`  ${out.paint('dim', 'hint:')} ${showable(error.hint)}`);
  out.stderr(`${lines.join('\n')}\n`);
  out.annotate('error', annotationText(error));
  return exitCode;
}
