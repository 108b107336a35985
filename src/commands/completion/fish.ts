// The fish completion script: fish's own `complete` entries, one per command, option and positional, each with
// a condition that says where on the command line it applies. The conditions walk the typed words the way the
// bash and zsh scripts do, skipping options and the values they take. Output of `veo __complete` becomes
// candidates (fish reads `value<TAB>description`) and is never evaluated.
import { everyCommand, type CommandSpec, type CompletionSpec, type OptionSpec, type Values } from './spec.js';
import { fishQuote, oneLine, pathKey, shellCode } from './script-parts.js';

/** The `complete` arguments that offer `values`. */
function valueArgs(values: Values): string {
  const parts: string[] = [];
  const words = [...(values.words ?? [])];
  if (words.length > 0) parts.push(fishQuote(words.join(' ')));
  // -k keeps the order given: task ids come newest first.
  if (values.dynamic) parts.push(`'(__veo_dynamic ${values.dynamic})' -k`);
  if (values.folders && !values.files) parts.push(`'(__fish_complete_directories (commandline -ct) "")'`);
  const offered = parts.length > 0 ? ` -a ${parts.join(' -a ')}` : '';
  return values.files ? `${offered} -F` : offered;
}

function optionLine(option: OptionSpec, condition: string | undefined): string {
  const names = [option.short ? `-s ${option.short.slice(1)}` : '', `-l ${option.long.slice(2)}`].filter(Boolean);
  const when = condition === undefined ? '' : ` -n ${fishQuote(condition)}`;
  const takes = option.values ? (option.values.files ? ' -r' : ' -x') + valueArgs(option.values) : '';
  return `complete -c veo${when} ${names.join(' ')}${takes} -d ${fishQuote(oneLine(option.description))}`;
}

/** A command path as an argument inside a condition: command names are plain words, '' is the top. */
function pathArgument(command: CommandSpec): string {
  return `"${pathKey(command)}"`;
}

function commandLines(command: CommandSpec): string[] {
  const key = pathArgument(command);
  const lines = command.subcommands.map(
    (sub) =>
      `complete -c veo -n ${fishQuote(`__veo_at ${key} 0`)} -a ${fishQuote(sub.name)} -d ${fishQuote(oneLine(sub.description))}`,
  );
  lines.push(...command.options.map((option) => optionLine(option, `__veo_in ${key}`)));
  command.args.forEach((values, index) => {
    const offered = valueArgs(values);
    if (offered) lines.push(`complete -c veo -n ${fishQuote(`__veo_at ${key} ${index}`)}${offered}`);
  });
  return lines;
}

function tables(spec: CompletionSpec): string {
  const commands = everyCommand(spec.root);
  const subs = commands
    .filter((command) => command.subcommands.length > 0)
    .map(
      (command) =>
        `        case ${fishQuote(pathKey(command))}\n            printf '%s\\n' ${command.subcommands.map((sub) => fishQuote(sub.name)).join(' ')}`,
    );
  const valued = commands.flatMap((command) =>
    command.options
      .filter((option) => option.values)
      .flatMap((option) => [option.short, option.long])
      .filter((name): name is string => name !== undefined)
      .map((name) => fishQuote(`${pathKey(command)}/${name}`)),
  );
  const globalValued = spec.globals
    .filter((option) => option.values)
    .flatMap((option) => [option.short, option.long])
    .filter((name): name is string => name !== undefined);
  return [
    '# The subcommands of the command path $argv[1].',
    'function __veo_subcommands',
    '    switch $argv[1]',
    ...subs,
    '    end',
    'end',
    '',
    '# Whether option $argv[2] of the command path $argv[1] takes a value.',
    'function __veo_takes_value',
    `    contains -- $argv[2] ${globalValued.map(fishQuote).join(' ')}; and return 0`,
    `    contains -- "$argv[1]/$argv[2]" ${valued.join(' ')}`,
    'end',
  ].join('\n');
}

const LOGIC = shellCode`
# Prints the command path typed before the cursor, then how many positionals follow it.
function __veo_where
    set -l cmd ''
    set -l n 0
    set -l expect 0
    set -l ended 0
    set -l words (commandline -opc)
    set -e words[1]
    for word in $words
        if test $expect = 1
            set expect 0
        else if test $ended = 0; and string match -qr -- '^-.' $word
            if test "$word" = --
                set ended 1
            else if not string match -q -- '--*=*' $word; and __veo_takes_value "$cmd" $word
                set expect 1
            end
        else if test $n = 0; and contains -- $word (__veo_subcommands "$cmd")
            set cmd (string trim -- "$cmd $word")
        else
            set n (math $n + 1)
        end
    end
    printf '%s\n' "$cmd" $n
end

# Whether the cursor is in the command path $argv[1].
function __veo_in
    set -l where (__veo_where)
    test "$where[1]" = "$argv[1]"
end

# Whether the cursor is at positional $argv[2] (from 0) of the command path $argv[1].
function __veo_at
    set -l where (__veo_where)
    test "$where[1]" = "$argv[1]"; and test "$where[2]" = "$argv[2]"
end

function __veo_dynamic
    veo __complete $argv[1] (commandline -ct) 2>/dev/null
end

complete -c veo -f
`;

export function fishScript(spec: CompletionSpec): string {
  const globals = spec.globals.map((option) => optionLine(option, undefined));
  return [
    '# fish completion for veo; generated by `veo completion fish`.',
    '# Install: veo completion fish > ~/.config/fish/completions/veo.fish',
    '',
    tables(spec),
    LOGIC,
    ...globals,
    ...everyCommand(spec.root).flatMap(commandLines),
    '',
  ].join('\n');
}
