// Random create answers for property tests: every member of a task answer gets a random raw JSON value (strings with
// control characters and lone surrogates, numbers out of every range, nulls, arrays, objects with awkward keys, deep
// nesting, very long strings), generated as text so that a value too deep for JSON.stringify can still be written.

/** mulberry32: small, seeded, and the same sequence on every machine, so a failing case can be replayed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenLimits {
  /** The longest string generated (characters). */
  maxString: number;
  /** The deepest nesting generated. */
  maxDepth: number;
}

export const TASK_MEMBERS = ['code', 'model', 'prompt', 'created_at', 'status', 'url'] as const;

const NUMBERS = [
  '0',
  '-0',
  '1',
  '-1',
  '1e16',
  '1e999',
  '-1e999',
  '1e-400',
  '1.5',
  '4294967296',
  '1753000550',
  '1753000550000',
  '9007199254740993',
  '123456789012345678901234567890',
  '5',
  '99',
];

const KEYS = ['__proto__', 'constructor', 'toJSON', 'prototype', '', ' ', 'id', 'a', 'error', 'message', 'url'];

const CHARS = [
  'a',
  'Z',
  ' ',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\u001b]0;title\u0007',
  '\r',
  '\n',
  '\t',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u202e',
  '\ufeff',
  'é',
  '日本',
  '😀',
  '"',
  '\\',
  '/',
];

export class AnswerGen {
  readonly #random: () => number;
  readonly #limits: GenLimits;

  constructor(seed: number, limits: GenLimits) {
    this.#random = prng(seed);
    this.#limits = limits;
  }

  int(below: number): number {
    return Math.floor(this.#random() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.#random() < p;
  }

  hex(length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += '0123456789abcdef'[this.int(16)];
    return text;
  }

  /** A JSON string literal; sometimes with a lone surrogate escape, sometimes very long. */
  string(): string {
    const roll = this.int(10);
    if (roll === 0) return JSON.stringify('x'.repeat(this.int(this.#limits.maxString + 1)));
    if (roll === 1) return this.pick(['"\\ud800"', '"\\udc00x\\ud83d"', '"\\u0000"', '""']);
    if (roll === 2) return JSON.stringify(this.pick(['done', 'idle', 'failed', 'DONE', 'unknown', 'http://x']));
    let text = '';
    const length = this.int(40);
    for (let i = 0; i < length; i++) text += this.pick(CHARS);
    return JSON.stringify(text);
  }

  /** Brackets (and object members) nested `depth` levels around a leaf. */
  nested(depth: number): string {
    const object = this.chance(0.5);
    const leaf = this.leaf();
    return object ? '{"a":'.repeat(depth) + leaf + '}'.repeat(depth) : '['.repeat(depth) + leaf + ']'.repeat(depth);
  }

  leaf(): string {
    switch (this.int(5)) {
      case 0:
        return this.pick(NUMBERS);
      case 1:
        return this.pick(['null', 'true', 'false']);
      default:
        return this.string();
    }
  }

  /** Any JSON value as text, `budget` bounding how many more containers it may hold. */
  value(budget = 3): string {
    const roll = this.int(12);
    if (roll === 0 && this.#limits.maxDepth > 0) return this.nested(1 + this.int(this.#limits.maxDepth));
    if (budget <= 0 || roll < 6) return this.leaf();
    if (roll < 9) {
      const items = Array.from({ length: this.int(4) }, () => this.value(budget - 1));
      return `[${items.join(',')}]`;
    }
    const members = Array.from(
      { length: this.int(4) },
      () => `${JSON.stringify(this.key())}:${this.value(budget - 1)}`,
    );
    return `{${members.join(',')}}`;
  }

  key(): string {
    return this.chance(0.5) ? this.pick(KEYS) : JSON.parse(this.string()) + '';
  }

  /**
   * What a sim 'answer-fields' fault needs: raw values for some task members (the others stay as the service
   * sent them, or are omitted) and a few extra members. The id is never touched: it is what must survive.
   */
  answerFields(): { fields: Record<string, string>; omit: string[] } {
    const fields: Record<string, string> = {};
    const omit: string[] = [];
    for (const member of TASK_MEMBERS) {
      const roll = this.int(10);
      if (roll < 5) fields[member] = this.value();
      else if (roll < 7) omit.push(member);
    }
    const extras = this.int(4);
    for (let i = 0; i < extras; i++) {
      const key = this.key();
      if (key === 'id' || (TASK_MEMBERS as readonly string[]).includes(key)) continue;
      Object.defineProperty(fields, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
    }
    return { fields, omit };
  }

  /** A whole create answer as text, around the given id, with members in random order. */
  answerText(id: string): string {
    const { fields, omit } = this.answerFields();
    const members = [`"id":${JSON.stringify(id)}`];
    const defaults: Record<string, string> = {
      code: '0',
      model: '"glabs-veo-3-1-fast"',
      prompt: '"a fox"',
      created_at: '1753000550',
      status: '"idle"',
      url: 'null',
    };
    for (const member of TASK_MEMBERS) {
      if (omit.includes(member) && !(member in fields)) continue;
      members.push(`${JSON.stringify(member)}:${fields[member] ?? defaults[member]}`);
    }
    for (const [name, text] of Object.entries(fields)) {
      if (!(TASK_MEMBERS as readonly string[]).includes(name)) members.push(`${JSON.stringify(name)}:${text}`);
    }
    for (let i = members.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    return `{${members.join(',')}}`;
  }
}
