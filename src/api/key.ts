import { UsageError } from '../core/errors.js';

/** Keys pasted from files and env vars often carry whitespace or quotes, which the service rejects as invalid. */
export function normalizeApiKey(raw: string): string {
  let key = raw.trim();
  while (key.length >= 2 && /^(["'`]).*\1$/s.test(key)) key = key.slice(1, -1).trim();
  if (/^bearer\s+/i.test(key)) key = key.replace(/^bearer\s+/i, '');
  if (!key) {
    throw new UsageError('The API key is empty: nothing but spaces or quotes.', {
      hint: 'Copy the key (it starts with shds-) from your GPTunnel account page and store it with `veo auth login` (or put it in GPTUNNEL_API_KEY).',
    });
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new UsageError('The API key contains spaces or characters that cannot travel in an HTTP header.');
  }
  return key;
}

/** The most that is ever shown of a key: its prefix and last four characters. */
export function maskApiKey(key: string): string {
  const prefix = /^[a-z]+-/i.exec(key)?.[0] ?? '';
  if (key.length < 12) return `${prefix}…`;
  return `${prefix}…${key.slice(-4)}`;
}

/** Anything shaped like a GPTunnel key (`shds-` and a long token), whoever's key it is. */
const KEY_SHAPE = /shds-[A-Za-z0-9_-]{8,}/gi;

/**
 * The one redaction applied to every text veo shows or writes (screen, journal, cache, error documents, logs): the
 * current key, and anything shaped like a key, such as an old key echoed by a gateway and kept in a journal.
 * The masked form cannot match again, so redacting twice changes nothing.
 */
export function redactKey(text: string, key: string | undefined): string {
  let redacted = text;
  if (key && key.length >= 4) redacted = redacted.split(key).join(maskApiKey(key));
  return redacted.replace(KEY_SHAPE, (found) => maskApiKey(found));
}
