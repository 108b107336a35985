import { Help, type Command, type HelpConfiguration } from 'commander';

/** Help is never wider than this, even on a wide terminal: long lines are hard to read. */
export const HELP_MAX_COLUMNS = 80;

/** Below this, a description beside its term would be a narrow column of a word or two a line. */
const MIN_DESCRIPTION_COLUMNS = 30;

/** The width help is laid out for: the terminal's, up to 80 columns; 80 when it goes to a file or a pipe. */
export function helpColumns(stream: NodeJS.WriteStream): number {
  const columns = stream.isTTY ? stream.columns : undefined;
  return columns && columns > 0 ? Math.min(columns, HELP_MAX_COLUMNS) : HELP_MAX_COLUMNS;
}

/** Wraps prose at spaces to `width`; a word longer than the line stays whole. */
export function wrapWords(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        lines.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line ? indent + line : '');
  }
  return lines.join('\n');
}

/**
 * An example command that does not fit is continued on the next line with a backslash, as a shell reads it, so
 * that it can still be pasted as it is shown. A quoted argument is never split.
 */
export function wrapCommand(command: string, width: number, prefix: string, continuation: string): string {
  const tokens = command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [command];
  // An option stays on the line of its value, when both fit on one.
  const words: string[] = [];
  for (const token of tokens) {
    const last = words.at(-1);
    const pair = `${last} ${token}`;
    const fits = continuation.length + pair.length + 2 <= width;
    if (last !== undefined && /^-\S*$/.test(last) && !token.startsWith('-') && fits) words[words.length - 1] = pair;
    else words.push(token);
  }
  const lines: string[] = [];
  let line = prefix;
  let bare = true;
  for (const [index, word] of words.entries()) {
    // Every line but the last ends in " \", which needs room.
    const room = index === words.length - 1 ? 0 : 2;
    if (!bare && line.length + 1 + word.length + room > width) {
      lines.push(`${line} \\`);
      line = continuation + word;
    } else line = bare ? line + word : `${line} ${word}`;
    bare = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/**
 * commander's layout puts each description beside its term and stops wrapping when that column is narrow, so on
 * a small terminal every long line breaks wherever the terminal cuts it. When the column would be narrow, the
 * description goes under its term instead, wrapped to the width. (A configuration, not a subclass: commander
 * hands it down to every subcommand.)
 */
export const narrowHelp: HelpConfiguration = {
  minWidthToWrap: 10,
  /** The usage line, continued under itself when it does not fit. */
  commandUsage(this: Help, command: Command): string {
    const usage = Help.prototype.commandUsage.call(this, command);
    const width = (this.helpWidth ?? HELP_MAX_COLUMNS) - 'Usage: '.length;
    return wrapWords(usage, width).replace(/\n/g, `\n${' '.repeat('Usage: '.length)}`);
  },
  formatItem(this: Help, term: string, termWidth: number, description: string, helper: Help): string {
    const width = this.helpWidth ?? HELP_MAX_COLUMNS;
    if (!description || width - termWidth - 4 >= MIN_DESCRIPTION_COLUMNS) {
      return Help.prototype.formatItem.call(this, term, termWidth, description, helper);
    }
    return `  ${term}\n${wrapWords(description, width, '      ')}`;
  },
};
