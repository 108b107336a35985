import { UsageError } from '../../core/errors.js';

const DAY_UNITS: Record<string, number> = { d: 1, w: 7 };

/**
 * Where the window of `--since` starts (`spend`, `gallery`), in ms; undefined for `all`. Days and weeks (`30d`,
 * `2w`) count whole local days, today included, as the daily budget does (`spend`), or, `rolling`, back from now
 * in periods of 24 hours (`gallery`); hours, minutes and seconds (`12h`, `90m`,
 * `1h30m`) count back from now; a date (`2026-11-01`) starts at its local midnight, a date with a time
 * (`2026-11-01T09:30`, local unless it names its offset) at that moment.
 */
export function sinceStart(
  raw: string,
  now = new Date(),
  days: 'calendar' | 'rolling' = 'calendar',
): number | undefined {
  const text = raw.trim().toLowerCase();
  if (text === 'all') return undefined;
  const inDays = /^(\d{1,5})([dw])$/.exec(text);
  if (inDays && Number(inDays[1]) >= 1) {
    const count = Number(inDays[1]) * (DAY_UNITS[inDays[2] ?? 'd'] ?? 1);
    // A report by day counts whole days; "the clips of the last day" means the last 24 hours.
    if (days === 'rolling') return now.getTime() - count * 86_400_000;
    return new Date(now.getFullYear(), now.getMonth(), now.getDate() - count + 1).getTime();
  }
  const clock = /^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,8})s)?$/.exec(text);
  if (clock && text !== '') {
    const ms = (Number(clock[1] ?? 0) * 3600 + Number(clock[2] ?? 0) * 60 + Number(clock[3] ?? 0)) * 1000;
    if (ms > 0) return now.getTime() - ms;
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]) - 1, Number(date[3])];
    const start = new Date(y, m, d);
    if (start.getFullYear() === y && start.getMonth() === m && start.getDate() === d) return start.getTime();
  } else if (/^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}/.test(text)) {
    const ms = Date.parse(raw.trim());
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    `--since "${raw}" is not a time; use e.g. 30d, 2w, 12h, 90m, a date such as 2026-11-01, or all.`,
    {
      code: 'BAD_SINCE',
    },
  );
}
