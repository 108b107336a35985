/**
 * What a failed file operation means, in the words a person uses: "EROFS" says nothing to most people. The code
 * itself stays available to scripts (the `errno` field of a --json error).
 */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of that path is a file, not a folder',
  EEXIST: 'something is already there',
  ELOOP: 'a symbolic link is in the way',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error (a failing disk or a lost terminal)',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is busy',
  EFBIG: 'the file is too large for this file system',
  EPIPE: 'broken pipe: the reader went away',
};

export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** Plain words for a file-system error: from the table, or Node's own description without its code and path. */
export function errnoWords(error: unknown): string {
  const code = errnoCode(error);
  if (code && WORDS[code]) return WORDS[code];
  const message = error instanceof Error ? error.message : String(error);
  return /^E[A-Z0-9]+: ([^,]+)/.exec(message)?.[1] ?? message;
}

/** A file-system error as a phrase that names its file: "read-only file system: /x/journal.jsonl". */
export function fileErrorText(error: unknown): string {
  if (!errnoCode(error)) return error instanceof Error ? error.message : String(error);
  const path = (error as { path?: unknown }).path;
  return typeof path === 'string' ? `${errnoWords(error)}: ${path}` : errnoWords(error);
}
