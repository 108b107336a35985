import type { VeoClient } from '../../api/client.js';
import { AuthError, InterruptedError, isVeoError } from '../../core/errors.js';
import type { Context } from '../../context.js';

/**
 * `/v1/balance` checks a key: it is read-only, costs nothing, and answers a refused key with HTTP 401 (doc), while
 * a media endpoint would need a task or a model to ask about.
 */
export type KeyCheck = { works: true } | { works: false; error: AuthError } | { works: undefined; error: Error };

export async function checkKey(ctx: Context, client: VeoClient): Promise<KeyCheck> {
  try {
    await client.getBalance({ signal: ctx.signal });
    return { works: true };
  } catch (error) {
    if (ctx.signal.aborted || error instanceof InterruptedError) throw error;
    if (error instanceof AuthError) return { works: false, error };
    // Anything else (the network, a busy or failing service) says nothing about the key.
    if (isVeoError(error)) return { works: undefined, error };
    throw error;
  }
}

/** The reason a check could not be made, for a sentence that goes on after it. */
export function whyUnchecked(error: Error): string {
  return error.message.replace(/\.$/, '');
}
