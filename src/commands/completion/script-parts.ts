// What the three scripts share: how a value set is spelled in them, and quoting of the texts they embed.
import { everyCommand, type CommandSpec, type CompletionSpec, type OptionSpec, type Values } from './spec.js';

/**
 * A value set as one space-separated word list: plain words are offered as they are, and `@files`, `@folders`,
 * `@models`, `@tasks` name what the script computes when Tab is pressed. Empty: free text, nothing offered.
 */
export function valueWords(values: Values): string {
  const words = [...(values.words ?? [])];
  if (values.dynamic) words.push(`@${values.dynamic}`);
  if (values.files) words.push('@files');
  if (values.folders) words.push('@folders');
  return words.join(' ');
}

/** Single-quoted for bash and zsh: nothing inside is expanded. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Single-quoted for fish, where a backslash escapes a quote or a backslash even inside quotes. */
export function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, '\\$&')}'`;
}

/** A command's path as the scripts key it: its words joined by spaces, '' at the top. */
export function pathKey(command: CommandSpec): string {
  return command.path.join(' ');
}

export function optionNames(option: OptionSpec): string[] {
  return option.short ? [option.short, option.long] : [option.long];
}

/** One-line help texts: the declarations' own, with the spaces a long description was wrapped with folded. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Shell code written as a template literal: its backslashes are kept as they are, and `\${` stands for `${`, the
 * one sequence a template literal would otherwise read as its own. Nothing is interpolated.
 */
export function shellCode(strings: TemplateStringsArray): string {
  return strings.raw.join('').replace(/\\\$\{/g, '${');
}

/** bash and zsh alike: a function that tells what the value of an option completes with. */
export function valuedOptionsCase(spec: CompletionSpec): string {
  const cases: string[] = [];
  for (const command of everyCommand(spec.root)) {
    for (const option of command.options) {
      if (!option.values) continue;
      const patterns = optionNames(option).map((name) => shQuote(`${pathKey(command)}/${name}`));
      cases.push(`    ${patterns.join('|')}) __veo_values=${shQuote(valueWords(option.values))} ;;`);
    }
  }
  for (const option of spec.globals) {
    if (!option.values) continue;
    const patterns = optionNames(option).map((name) => `*/${shQuote(name)}`);
    cases.push(`    ${patterns.join('|')}) __veo_values=${shQuote(valueWords(option.values))} ;;`);
  }
  return [
    '# Sets __veo_values to what the value of option $2 of command path $1 completes with; fails if it takes none.',
    '__veo_valued() {',
    '  case $1/$2 in',
    ...cases,
    '    *) return 1 ;;',
    '  esac',
    '}',
  ].join('\n');
}
