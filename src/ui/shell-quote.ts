/**
 * Hints that repeat a user-given value are meant to be pasted into sh, bash or zsh: a value with spaces, quotes
 * or other special characters must come through as typed. Only a plain alphabet stays bare, and not when it
 * starts with `=` (zsh would look up a command) or `~` (every shell would put the home folder there).
 */
export function shellQuote(word: string): string {
  return /^[\w@%+:,./-][\w@%+=:,./-]*$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
