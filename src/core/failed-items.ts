import { isVeoError, ItemsFailedError, type ErrorKind } from './errors.js';
import { mostSevere } from './exit-codes.js';

/** The kind an item's failure counts as: a VeoError says so itself; anything else is a bug of ours. */
export function failureKind(error: unknown): ErrorKind {
  return isVeoError(error) ? error.kind : 'internal';
}

/**
 * A run over many items (batch, sync) goes on past a failed item and ends with one error for all of them, whose
 * exit code is the most severe item's. `describe` is asked only when something failed.
 */
export function throwIfItemsFailed(kinds: ErrorKind[], describe: () => { message: string; hint: string }): void {
  const worst = mostSevere(kinds);
  if (!worst) return;
  const { message, hint } = describe();
  throw new ItemsFailedError(message, worst, { hint });
}
