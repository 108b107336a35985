// Prompts are paid for, so what reaches the API must be text a person wrote. A binary file given by mistake (a
// clip, random bytes) would otherwise split into hundreds of "prompts", each one a paid create.

export interface TextProblem {
  /** 1-based line, counted in LF-terminated lines as the batch file reader counts them. */
  line: number;
  /** 1-based column in characters (in bytes for invalid UTF-8, which has no characters). */
  column: number;
  message: string;
}

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x07: 'BEL',
  0x08: 'BS',
  0x0b: 'VT',
  0x0c: 'FF',
  0x0d: 'CR',
  0x1b: 'ESC',
  0x7f: 'DEL',
};

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** C0 controls other than tab, DEL and C1 controls. CR and LF are judged by the caller. */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
}

function controlName(code: number): string {
  const name = NAMES[code];
  return `${codePoint(code)}${name ? ` (${name})` : ''}`;
}

function describeControl(code: number, column: number): string {
  if (code === 0) return `has a NUL byte at column ${column} (a binary file, not text?)`;
  return `has the control character ${controlName(code)} at column ${column}`;
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
    else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
    else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    let value = lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      value = (value << 6) | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and anything past U+10FFFF are not UTF-8 either.
    if (value < min || (value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return i;
    i += length;
  }
  return -1;
}

/** The first control character of a decoded line (a CR is allowed only as its last character), or undefined. */
interface Control {
  column: number;
  /** Such as "U+001B (ESC)". */
  name: string;
  message: string;
}

function controlIn(text: string, allowNewlines: boolean): Control | undefined {
  let column = 0;
  for (const char of text) {
    column++;
    const code = char.codePointAt(0)!;
    if (!isControl(code)) continue;
    if (code === 0x0d && (allowNewlines || column === [...text].length)) continue;
    if (code === 0x0a && allowNewlines) continue;
    return { column, name: controlName(code), message: describeControl(code, column) };
  }
  return undefined;
}

/**
 * The first line of `bytes` that is not text: invalid UTF-8, a NUL byte, or another control character (C0 other
 * than tab, a CR that does not end its line, DEL, C1). Undefined when all of it is text.
 */
export function findNonText(bytes: Uint8Array): TextProblem | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const raw = bytes.subarray(start, end);
    const bad = firstInvalidUtf8(raw);
    // Whichever comes first in the line is named: the NUL that opens an MP4 says more than a stray byte after it.
    const control = controlIn(decoder.decode(bad >= 0 ? raw.subarray(0, bad) : raw), false);
    if (control) return { line, column: control.column, message: control.message };
    if (bad >= 0) {
      const byte = raw[bad]!.toString(16).padStart(2, '0');
      return { line, column: bad + 1, message: `is not valid UTF-8 (byte 0x${byte} at byte ${bad + 1} of the line)` };
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  return undefined;
}

/** A control character (other than tab, CR, LF) in text decoded from a valid source, such as a JSON string. */
export function findControlInDecoded(text: string): Control | undefined {
  return controlIn(text, true);
}

/**
 * The same rule for a command-line argument, which arrives already decoded: tab, CR and LF are allowed anywhere,
 * and U+FFFD stands for bytes that were not UTF-8 (the decoder put it there).
 */
export function findControlInText(text: string): { column: number; message: string } | undefined {
  const replacement = text.indexOf('\ufffd');
  const control = controlIn(text, true);
  if (replacement >= 0 && (!control || [...text.slice(0, replacement)].length < control.column)) {
    const column = [...text.slice(0, replacement)].length + 1;
    return { column, message: `has U+FFFD at column ${column}: it was not valid UTF-8` };
  }
  return control;
}
