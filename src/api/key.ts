import { UsageError } from './errors.js';

/** Keys pasted from files and env vars often carry whitespace or quotes, which the service rejects as invalid. */
export function normalizeApiKey(raw: string): string {
  let key = raw.trim();
  while (key.length >= 2 && /^(["'`]).*\1$/s.test(key)) key = key.slice(1, -1).trim();
  if (/^bearer\s+/i.test(key)) key = key.replace(/^bearer\s+/i, '');
  if (!key) throw new UsageError('The API key is empty.');
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

/** Removes every occurrence of the key from a text that is about to be shown. */
export function redactKey(text: string, key: string | undefined): string {
  if (!key || key.length < 4) return text;
  return text.split(key).join(maskApiKey(key));
}
