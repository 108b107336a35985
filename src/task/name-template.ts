// Output name templates: `-o`, `--dir`, `output-dir` and `output-template` may hold fields such as {slug:30} or
// {id}. A field's value is made into text that is a valid part of a file name on Linux, macOS and Windows; only
// the template's own text may hold folder separators, so no field can move a file out of the folder chosen.
import { UsageError } from '../core/errors.js';

export const TEMPLATE_FIELDS = [
  'id',
  'date',
  'time',
  'model',
  'ar',
  'prompt',
  'slug',
  'n',
  'variant',
  'choices',
  'ext',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** The name every video got before templates: still the default. */
export const DEFAULT_TEMPLATE = '{id}.{ext}';
/** Most file systems limit one name (not a path) to 255 bytes. */
export const MAX_NAME_BYTES = 255;
const DEFAULT_SLUG_CHARS = 60;

type Token = { text: string } | { field: TemplateField; width?: number };

export interface Template {
  source: string;
  /** Split at `/` (and `\`): folder parts, the last one the file name. */
  segments: Token[][];
}

/** What is known of a clip when its name is made; a field whose value is unknown cannot be rendered yet. */
export interface TemplateValues {
  id?: string;
  /** When the task was created (before the create: now). */
  created?: Date;
  model: string;
  ar?: string;
  prompt: string;
  /** The batch line (1 for `veo create`). */
  n?: number;
  /** Which variation of its line, from 1. */
  variant?: number;
  choices?: string[];
}

const FIELD = /^([a-z]+)(?::(\d{1,4}))?$/;

export function hasFields(text: string): boolean {
  return /\{[a-z]+(?::\d{1,4})?\}/.test(text);
}

/** Reads a template; `{{` and `}}` stand for literal braces. An unknown field is refused before anything is sent. */
export function parseTemplate(source: string, what = 'the output template'): Template {
  const segments: Token[][] = [[]];
  let literal = '';
  const flush = () => {
    if (literal) segments.at(-1)?.push({ text: literal });
    literal = '';
  };
  for (let i = 0; i < source.length; i++) {
    const char = source[i] as string;
    if ((char === '{' || char === '}') && source[i + 1] === char) {
      literal += char;
      i++;
    } else if (char === '{') {
      const end = source.indexOf('}', i);
      if (end < 0) {
        throw new UsageError(`An unclosed { in ${what}: ${source.slice(i)} (write {{ for a literal brace).`, {
          code: 'BAD_TEMPLATE',
        });
      }
      const match = FIELD.exec(source.slice(i + 1, end));
      const name = match?.[1];
      if (!match || !name || !(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
        throw new UsageError(`Unknown field in ${what}: ${source.slice(i, end + 1)}.`, {
          code: 'BAD_TEMPLATE',
          hint: `Fields: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(' ')}; {prompt:40} and {slug:30} cut the text; {{ and }} are literal braces.`,
        });
      }
      flush();
      const width = match[2] === undefined ? undefined : Number(match[2]);
      segments.at(-1)?.push({ field: name as TemplateField, ...(width ? { width } : {}) });
      i = end;
    } else if (char === '}') {
      throw new UsageError(`A lone } in ${what}: write }} for a literal brace.`, { code: 'BAD_TEMPLATE' });
    } else if (char === '/' || char === '\\') {
      flush();
      segments.push([]);
    } else literal += char;
  }
  flush();
  return { source, segments };
}

export function fieldsOf(template: Template): Set<TemplateField> {
  const found = new Set<TemplateField>();
  for (const segment of template.segments) for (const token of segment) if ('field' in token) found.add(token.field);
  return found;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Local date and time, with no `:` (Windows forbids it in names). */
export function formatDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
export function formatTime(date: Date): string {
  return `${pad(date.getHours())}-${pad(date.getMinutes())}-${pad(date.getSeconds())}`;
}

/** Letters and digits of any script, lower case, other runs made one `-`; never empty. */
export function slugOf(text: string, maxChars = DEFAULT_SLUG_CHARS): string {
  const words =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if ([...next].length <= maxChars) slug = next;
    else {
      if (!slug) slug = [...word].slice(0, maxChars).join('');
      break;
    }
  }
  return slug || 'clip';
}

function fieldText(token: { field: TemplateField; width?: number }, values: TemplateValues): string | undefined {
  const { width } = token;
  const cut = (text: string) => (width ? [...text].slice(0, width).join('').trimEnd() : text);
  const number = (value: number | undefined) => (value === undefined ? undefined : pad(value, width ?? 1));
  switch (token.field) {
    case 'id':
      return values.id;
    case 'date':
      return values.created && formatDate(values.created);
    case 'time':
      return values.created && formatTime(values.created);
    case 'model':
      return cut(values.model);
    case 'ar':
      return values.ar ? values.ar.replace(':', 'x') : 'default';
    case 'prompt':
      return cut(values.prompt.replace(/\s+/g, ' ').trim());
    case 'slug':
      return slugOf(values.prompt, width);
    case 'n':
      return number(values.n ?? 1);
    case 'variant':
      return number(values.variant ?? 1);
    case 'choices':
      return values.choices && values.choices.length > 0 ? cut(values.choices.join('+')) : 'none';
    case 'ext':
      return 'mp4';
  }
}

// Characters no Windows name may hold, and those that would reach a terminal as control sequences.
const FORBIDDEN = /[<>:"/\\|?*\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

/** A field's text as a part of a name: no separator, no control or forbidden character. */
export function cleanFieldText(text: string): string {
  return text.normalize('NFC').replace(FORBIDDEN, '_');
}

const bytesOf = (text: string) => Buffer.byteLength(text, 'utf8');

/** A whole name made safe: no trailing dot or space, no reserved device name, never `.` or `..` or empty. */
export function safeName(name: string): string {
  let safe = name.replace(/[. ]+$/, '').replace(/^ +/, '');
  if (safe === '' || /^\.+$/.test(safe)) return '_';
  const stem = safe.split('.')[0] ?? '';
  if (RESERVED.test(stem.trimEnd())) safe = `_${safe}`;
  return safe;
}

export type Rendered = { ok: true; path: string } | { ok: false; missing: TemplateField[] };

/**
 * The relative (or, if the template's own text says so, absolute) path a template gives. Each name holding a field
 * is cut to 255 bytes by shortening its longest field values (never the text the template gives), then made safe.
 */
export function renderTemplate(template: Template, values: TemplateValues): Rendered {
  const missing: TemplateField[] = [];
  const names = template.segments.map((segment) => {
    const parts = segment.map((token) => {
      if ('text' in token) return { text: token.text, field: false };
      const text = fieldText(token, values);
      if (text === undefined) missing.push(token.field);
      return { text: cleanFieldText(text ?? ''), field: true };
    });
    if (!parts.some((part) => part.field)) return parts.map((part) => part.text).join('');
    // Bounded: each pass removes one character of a field.
    for (let pass = 0; pass < 100_000 && bytesOf(parts.map((p) => p.text).join('')) > MAX_NAME_BYTES; pass++) {
      const longest = parts.filter((part) => part.field).reduce((a, b) => (bytesOf(b.text) > bytesOf(a.text) ? b : a));
      if (longest.text === '') break;
      longest.text = [...longest.text].slice(0, -1).join('');
    }
    return safeName(parts.map((part) => part.text).join(''));
  });
  if (missing.length > 0) return { ok: false, missing: [...new Set(missing)] };
  return { ok: true, path: names.join('/') };
}
