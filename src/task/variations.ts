// Variations of a prompt: `{a|b|c}` makes one prompt per choice; groups nest and several groups multiply. A brace
// pair is a group only when it holds a `|` at its own level: any other brace (JSON, a lone one) is sent as written.
// Inside a prompt, `\{`, `\}` and `\|` write the character itself, never a group.
import { UsageError } from '../core/errors.js';

/** Beyond any set of clips one would pay for: the product is refused before it fills memory. */
export const MAX_VARIATIONS = 1000;

export interface Variation {
  prompt: string;
  /** The text each group chose, in the order the groups appear (a nested group after the one holding it). */
  choices: string[];
}

type Node = { text: string } | { alternatives: Node[][] };

const ESCAPABLE = new Set(['{', '}', '|']);

/** The index of the `}` closing the `{` at `open`, or -1. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && ESCAPABLE.has(text[i + 1] ?? '')) i++;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Where the text between `start` and `end` splits into choices: the `|` outside nested braces. */
function bars(text: string, start: number, end: number): number[] {
  const found: number[] = [];
  for (let i = start; i < end; i++) {
    const char = text[i];
    if (char === '\\' && ESCAPABLE.has(text[i + 1] ?? '')) i++;
    else if (char === '{') {
      const close = closingBrace(text, i);
      if (close >= 0 && close < end) i = close;
    } else if (char === '|') found.push(i);
  }
  return found;
}

function parse(text: string, start: number, end: number): Node[] {
  const nodes: Node[] = [];
  let literal = '';
  const flush = () => {
    if (literal) nodes.push({ text: literal });
    literal = '';
  };
  for (let i = start; i < end; i++) {
    const char = text[i] as string;
    const next = text[i + 1] ?? '';
    if (char === '\\' && ESCAPABLE.has(next) && i + 1 < end) {
      literal += next;
      i++;
      continue;
    }
    const close = char === '{' ? closingBrace(text, i) : -1;
    if (close < 0 || close >= end) {
      literal += char;
      continue;
    }
    const splits = bars(text, i + 1, close);
    if (splits.length === 0) {
      flush();
      nodes.push({ text: '{' }, ...parse(text, i + 1, close), { text: '}' });
    } else {
      flush();
      const edges = [i, ...splits, close];
      const alternatives = edges.slice(0, -1).map((edge, k) => parse(text, edge + 1, edges[k + 1] as number));
      nodes.push({ alternatives });
    }
    i = close;
  }
  flush();
  return nodes;
}

function expand(nodes: Node[]): Variation[] {
  let results: Variation[] = [{ prompt: '', choices: [] }];
  for (const node of nodes) {
    if ('text' in node) {
      results = results.map((r) => ({ prompt: r.prompt + node.text, choices: r.choices }));
      continue;
    }
    const options = node.alternatives.flatMap((alternative) =>
      expand(alternative).map((v) => ({ prompt: v.prompt, choices: [v.prompt.trim(), ...v.choices] })),
    );
    if (results.length * options.length > MAX_VARIATIONS) {
      throw new UsageError(`The prompt makes more than ${MAX_VARIATIONS} variations.`, {
        code: 'TOO_MANY_VARIATIONS',
        hint: 'Use fewer {a|b} groups or choices; \\{ \\| \\} write the characters themselves.',
      });
    }
    results = results.flatMap((r) =>
      options.map((o) => ({ prompt: r.prompt + o.prompt, choices: [...r.choices, ...o.choices] })),
    );
  }
  return results;
}

/** Every prompt a text stands for; a text without a group gives itself alone (escapes removed), with no choices. */
export function expandPrompt(text: string): Variation[] {
  // An empty choice ("a {red |}fox") leaves two spaces; a prompt without groups is sent exactly as written.
  return expand(parse(text, 0, text.length)).map((v) =>
    v.choices.length === 0 ? v : { prompt: v.prompt.replace(/ {2,}/g, ' ').trim(), choices: v.choices },
  );
}
