// The bash completion script. bash splits the word being completed at ':' and '=' (COMP_WORDBREAKS), which would
// make `16:9` and `--ar=16:9` several words: the script joins what was typed without a space back into one word,
// completes that, and hands bash only the part it counts as the current word. Candidates that come from files
// (the journal, the models cache) are compared as plain strings and never pass through compgen -W, which would
// expand `$(…)` in them.
import { everyCommand, type CompletionSpec } from './spec.js';
import { optionNames, pathKey, shellCode, shQuote, valueWords } from './script-parts.js';

function commandTable(spec: CompletionSpec): string {
  const cases = everyCommand(spec.root).map((command) => {
    const subs = command.subcommands.map((sub) => sub.name).join(' ');
    const opts = command.options.flatMap(optionNames).join(' ');
    const args = command.args.map((values) => shQuote(valueWords(values))).join(' ');
    return `    ${shQuote(pathKey(command))}) __veo_subs=${shQuote(subs)} __veo_opts=${shQuote(opts)} __veo_args=(${args}) ;;`;
  });
  const globals = spec.globals.flatMap(optionNames).join(' ');
  return [
    '# Sets __veo_subs, __veo_opts and __veo_args (what each positional completes with) for the command path $1.',
    '__veo_command() {',
    `  __veo_globals=${shQuote(globals)}`,
    '  case $1 in',
    ...cases,
    '    *) __veo_subs= __veo_opts= __veo_args=() ;;',
    '  esac',
    '}',
  ].join('\n');
}

function valueTable(spec: CompletionSpec): string {
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

const LOGIC = shellCode`
# The words up to the cursor, with what bash split at COMP_WORDBREAKS (no space typed) joined again.
__veo_split() {
  local rest=\${COMP_LINE:0:COMP_POINT} word glued i
  __veo_line=()
  for ((i = 0; i <= COMP_CWORD && i < \${#COMP_WORDS[@]}; i++)); do
    word=\${COMP_WORDS[i]}
    glued=1
    [[ $rest == [[:space:]]* ]] && glued=0
    rest=\${rest#"\${rest%%[![:space:]]*}"}
    rest=\${rest#"$word"}
    if ((i > 0 && glued)); then
      __veo_line[\${#__veo_line[@]} - 1]+=$word
    else
      __veo_line+=("$word")
    fi
  done
}

__veo_add() {
  COMPREPLY+=("$__veo_lead$1")
}

# Offers what __veo_values names, for the word $1.
__veo_offer() {
  local word=$1 value line
  local -a values
  read -r -a values <<<"$__veo_values"
  for value in "\${values[@]}"; do
    case $value in
      @files | @folders)
        compopt -o filenames 2>/dev/null
        local flag=-f
        [[ $value == @folders ]] && flag=-d
        while IFS= read -r line; do __veo_add "$line"; done < <(compgen "$flag" -- "$word")
        ;;
      @models | @tasks)
        # Newest task first: kept in the order given (bash 4.4 and later).
        compopt -o nosort 2>/dev/null
        while IFS= read -r line; do
          line=\${line%%$'\t'*}
          [[ -n $line && $line == "$word"* ]] && __veo_add "$line"
        done < <(veo __complete "\${value#@}" "$word" 2>/dev/null)
        ;;
      *) [[ $value == "$word"* ]] && __veo_add "$value" ;;
    esac
  done
}

__veo_offer_words() {
  local word=$1 value
  shift
  for value in "$@"; do [[ $value == "$word"* ]] && __veo_add "$value"; done
}

_veo() {
  COMPREPLY=()
  local -a __veo_line __veo_args
  local __veo_subs __veo_opts __veo_globals __veo_values __veo_lead=
  __veo_split
  local last=$((\${#__veo_line[@]} - 1))
  ((last >= 1)) || return 0
  local cur=\${__veo_line[last]} cmd= expect= word i n=0 ended=0
  __veo_command ''
  for ((i = 1; i < last; i++)); do
    word=\${__veo_line[i]}
    if [[ -n $expect ]]; then
      expect=
    elif ((!ended)) && [[ $word == -?* ]]; then
      if [[ $word == -- ]]; then
        ended=1
      elif [[ $word != --*=* ]] && __veo_valued "$cmd" "$word"; then
        expect=$word
      fi
    elif ((n == 0)) && [[ " $__veo_subs " == *" $word "* ]]; then
      cmd=\${cmd:+$cmd }$word
      __veo_command "$cmd"
    else
      n=$((n + 1))
    fi
  done
  if [[ -n $expect ]]; then
    __veo_valued "$cmd" "$expect" && __veo_offer "$cur"
  elif ((!ended)) && [[ $cur == --*=* ]]; then
    __veo_lead=\${cur%%=*}=
    __veo_valued "$cmd" "\${cur%%=*}" && __veo_offer "\${cur#*=}"
  elif ((!ended)) && [[ $cur == -* ]]; then
    local -a names
    read -r -a names <<<"$__veo_opts $__veo_globals"
    __veo_offer_words "$cur" "\${names[@]}"
  elif ((n == 0)) && [[ -n $__veo_subs ]]; then
    local -a names
    read -r -a names <<<"$__veo_subs"
    __veo_offer_words "$cur" "\${names[@]}"
  elif ((n < \${#__veo_args[@]})); then
    __veo_values=\${__veo_args[n]}
    __veo_offer "$cur"
  fi
  # bash replaces only its own current word: what it split off before it is already on the line.
  local typed=\${COMP_WORDS[COMP_CWORD]}
  if ((\${#cur} > \${#typed})); then
    local before=\${cur:0:\${#cur}-\${#typed}}
    for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]=\${COMPREPLY[i]#"$before"}; done
  fi
}

complete -F _veo veo
`;

export function bashScript(spec: CompletionSpec): string {
  return [
    '# bash completion for veo; generated by `veo completion bash`.',
    '# Install: veo completion bash > ~/.local/share/bash-completion/completions/veo',
    '# or add to ~/.bashrc: source <(veo completion bash)',
    '',
    commandTable(spec),
    '',
    valueTable(spec),
    LOGIC,
  ].join('\n');
}
