import { closeSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { errnoWords } from '../../core/errno-words.js';
import type { Context } from '../../context.js';
import { eventLine, type StreamEvent } from '../../task/event-line.js';
import type { DivertedResult } from '../../ui/output.js';
import { openEventTarget, writeLine } from './event-sink.js';

/**
 * `--events <file|->`: one JSON line per run event, as it happens (format: src/task/event-line.ts). With `-`, stdout
 * carries event lines only, and what the command would have printed there comes last as one `result` event. A
 * stream that cannot be written any more (a full disk, a reader gone) is warned about once; the run goes on.
 */
export function attachEventStream(ctx: Context, target: string, options: Record<string, unknown>): void {
  const opened = openEventTarget(target);
  const redact = (text: string) => ctx.out.redact(text);
  let write: (line: string) => void;
  let broken = false;
  const lost = (label: string, error: unknown) => {
    if (broken) return;
    broken = true;
    ctx.out.warn(
      `Cannot write the event stream to ${label} any more (${errnoWords(error)}); the run goes on without it.`,
      'EVENTS_FAILED',
    );
  };
  const results: { lines: string[]; data?: unknown } = { lines: [] };
  if (opened.kind === 'stdout') {
    if (options.output === '-') {
      throw new UsageError('--events - and -o - both want stdout: one of them must go elsewhere.', {
        code: 'STDOUT_TWICE',
        hint: 'Write the events to a file (--events events.jsonl) or the video to a file (-o clip.mp4).',
      });
    }
    write = ctx.out.divertResults(
      (result: DivertedResult) => {
        if ('text' in result) results.lines.push(result.text);
        else results.data = result.data;
      },
      (error) => lost('stdout', error),
    );
  } else {
    const { fd, label } = opened;
    write = (line) => {
      if (broken) return;
      try {
        writeLine(fd, line);
      } catch (error) {
        lost(label, error);
      }
    };
  }
  const tell = (event: StreamEvent) => write(eventLine(event, redact));
  ctx.events.on((event) => {
    if (event.type === 'end') {
      if (results.lines.length > 0 || results.data !== undefined) {
        tell({
          type: 'result',
          ...(results.lines.length > 0 ? { text: results.lines.join('\n') } : {}),
          ...(results.data !== undefined ? { data: results.data } : {}),
        });
      }
      tell(event);
      if (opened.kind === 'fd' && opened.owned) closeSync(opened.fd);
      return;
    }
    tell(event);
  });
}
