// Which tasks of the journal `veo wait --all` takes on, and which creates it has to leave out.
import { setTimeout as delay } from 'node:timers/promises';
import type { Context } from '../../context.js';
import type { CreateIntent, JournalEntry } from '../../store/journal.js';
import { loadJournal } from '../../task/journal-record.js';
import { counted } from '../../ui/text-format.js';
import { entryState } from '../../task/entry-state.js';
import { intentView } from '../../task/intent-state.js';

/**
 * A task last seen still running (created, queued, processing, done without its link yet, or a status veo does not
 * know), or one seen done whose download was started and never completed while its link lives: what a script that
 * started creates, or an interrupted `wait --all -o`, left to collect. A finished task nobody started to save is
 * `veo sync`'s business: `wait --all` does not print or fetch every earlier result again.
 */
export function isUnfinished(entry: JournalEntry, now = Date.now()): boolean {
  const state = entryState(entry, now);
  return state === 'running' || (state === 'unsaved' && entry.unfinishedDownload !== undefined);
}

/** Creates without a task id: still being sent by a live veo, or sent and never answered. */
export interface OpenCreates {
  creating: number;
  unconfirmed: number;
}

export function openCreates(intents: CreateIntent[], now = Date.now()): OpenCreates {
  const creating = intents.filter((intent) => intentView(intent, now) === 'creating').length;
  return { creating, unconfirmed: intents.length - creating };
}

/** How often the journal is read again while another veo's create is on its way. */
const CREATE_CHECK_MS = 250;

/**
 * The journal once no live veo is still sending a create (within --timeout): a script that started `veo create &`
 * a moment before must find that task here, not a "nothing to wait for".
 */
export async function afterCreatesInFlight(
  ctx: Context,
  deadline: number,
): Promise<Awaited<ReturnType<typeof loadJournal>>> {
  let told = false;
  for (;;) {
    const journal = await loadJournal(ctx);
    const { creating } = openCreates(journal.intents);
    if (creating === 0 || ctx.signal.aborted || Date.now() >= deadline) return journal;
    if (!told) {
      told = true;
      ctx.out.info(`Waiting for ${counted(creating, 'create')} another veo is still sending, to take its task in.`);
    }
    await delay(CREATE_CHECK_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}

/** Creates without a task id are said once: they cannot be waited for, and `veo list` shows them. */
export function tellOpenCreates(ctx: Context, creates: OpenCreates): void {
  const parts = [
    creates.creating > 0 ? `${counted(creates.creating, 'create')} still being sent by another veo` : '',
    creates.unconfirmed > 0
      ? `${counted(creates.unconfirmed, 'create')} whose answer never came (a task may exist and be billed)`
      : '',
  ].filter(Boolean);
  if (parts.length === 0) return;
  ctx.out.warn(
    `${parts.join(' and ')} ${creates.creating + creates.unconfirmed === 1 ? 'has' : 'have'} no task id yet and cannot be waited for; \`veo list\` shows them.`,
    'CREATES_WITHOUT_ID',
  );
}
