import type { Context } from '../context.js';
import { LINK_TTL_MS } from '../store/journal.js';
import { intentStartedMs, intentView } from './intent-state.js';

const REMIND_WITHIN_MS = 12 * 3600 * 1000;

/**
 * One line on stderr when finished videos nobody saved will lose their link within 12 hours. Never in --json or
 * --quiet, and never allowed to fail the command it follows. It runs after almost every command, so it reads the
 * journal's summary, never the whole journal. Listeners (the event stream) hear of each such video whatever the
 * output mode.
 */
export async function remindExpiring(ctx: Context): Promise<void> {
  if (!ctx.out.chatty && !ctx.events.listening) return;
  try {
    const journal = await ctx.journal();
    const { expiring: soon, intents } = await journal.glance(REMIND_WITHIN_MS);
    for (const { id, expiresAt } of soon) {
      await ctx.events.emit({ type: 'expiring', id, expiresAt }).catch(() => undefined);
    }
    if (!ctx.out.chatty) return;
    if (soon.length > 0) {
      const what = soon.length === 1 ? `1 finished video (${soon[0]?.id}) is` : `${soon.length} finished videos are`;
      const it = soon.length === 1 ? 'it' : 'them';
      ctx.out.warn(`${what} not saved and the link expires within 12 hours: run \`veo sync\` to save ${it}.`);
    }
    // Past 48 hours the link of any task it made is dead too: the reminder has nothing left to save.
    const recent = Date.now() - LINK_TTL_MS;
    const unconfirmed = intents.filter(
      (intent) => intentView(intent) === 'unconfirmed' && intentStartedMs(intent) > recent,
    );
    if (unconfirmed.length > 0) {
      ctx.out.warn(
        unconfirmed.length === 1
          ? '1 create request never got an answer: its task may exist and be billed (`veo list` shows it; check the GPTunnel dashboard).'
          : `${unconfirmed.length} create requests never got an answer: their tasks may exist and be billed (\`veo list\` shows them; check the GPTunnel dashboard).`,
      );
    }
  } catch {
    // A reminder is a courtesy: a journal problem is reported by the commands that need the journal.
  }
}
