/** Resume hints are meant to be pasted into a shell: a path with spaces or quotes must survive that. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
