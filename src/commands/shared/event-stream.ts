import { UsageError } from '../../core/errors.js';
import { errnoWords } from '../../core/errno-words.js';
import type { Context } from '../../context.js';
import { eventLine, type StreamEvent } from '../../task/event-line.js';
import type { DivertedResult } from '../../ui/output.js';
import { ENV_KNOBS, knobFromEnv } from '../../config/env-knobs.js';
import { eventWriter, openEventTarget, StalledReaderError } from './event-sink.js';

/** A reader that takes nothing for this long in all is given up on: the run must not hang on its event stream. */
const STUCK_READER_SECONDS = 10;

/**
 * `--events <file|->`: one JSON line per run event, as it happens (format: src/task/event-line.ts). With `-`, stdout
 * carries event lines only, and what the command would have printed there comes last as one `result` event. A
 * stream that cannot be written any more (a full disk, a reader gone) is warned about once; the run goes on.
 */
export function attachEventStream(ctx: Context, target: string, options: Record<string, unknown>): void {
  const opened = openEventTarget(target);
  const stuckMs = (knobFromEnv(ctx.env, ENV_KNOBS.eventsStuck) ?? STUCK_READER_SECONDS) * 1000;
  const redact = (text: string) => ctx.out.redact(text);
  const results: { lines: string[]; data?: unknown } = { lines: [] };
  if (opened.kind === 'stdout' && options.output === '-') {
    throw new UsageError('--events - and -o - both want stdout: one of them must go elsewhere.', {
      code: 'STDOUT_TWICE',
      hint: 'Write the events to a file (--events events.jsonl) or the video to a file (-o clip.mp4).',
    });
  }
  const label = opened.kind === 'stdout' ? 'stdout' : opened.label;
  const writer = eventWriter(
    opened.kind === 'stdout'
      ? {
          stream: ctx.out.divertResults((result: DivertedResult) => {
            if ('text' in result) results.lines.push(result.text);
            else results.data = result.data;
          }),
        }
      : opened,
    stuckMs,
    (error) => {
      const why =
        error instanceof StalledReaderError
          ? `its reader left lines waiting for ${stuckMs / 1000} s in all`
          : errnoWords(error as NodeJS.ErrnoException);
      ctx.out.warn(
        `Cannot write the event stream to ${label} any more (${why}); the run goes on without it.`,
        'EVENTS_FAILED',
      );
    },
  );
  const tell = (event: StreamEvent) => writer.write(eventLine(event, redact));
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
      // The run ends once the last lines are written, or the stream given up: within its one bound.
      return writer.finish();
    }
    tell(event);
  });
}
