import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBatch } from '../../src/commands/batch/parse-file.js';
import { findControlInText, findNonText, firstInvalidUtf8 } from '../../src/commands/shared/text-check.js';
import { prng } from '../helpers/answer-gen.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

describe('text checks', () => {
  it('firstInvalidUtf8 agrees with a strict decoder on random bytes, and finds the first bad byte', () => {
    const random = prng(99);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let n = 0; n < 3000; n++) {
      // Mostly valid text with a few random bytes mixed in, so both answers occur often.
      const parts: (string | number[])[] = [];
      for (let k = 0; k < 4; k++) {
        parts.push(random() < 0.7 ? 'añ日😀'.slice(0, Math.floor(random() * 6)) : [Math.floor(random() * 256)]);
      }
      const sample = bytes(...parts);
      const bad = firstInvalidUtf8(sample);
      let valid = true;
      try {
        decoder.decode(sample);
      } catch {
        valid = false;
      }
      assert.equal(bad === -1, valid, sample.toString('hex'));
      if (bad >= 0) {
        assert.doesNotThrow(() => decoder.decode(sample.subarray(0, bad)), `prefix of ${sample.toString('hex')}`);
      }
    }
  });

  it('refuses overlong forms, surrogates, code points past U+10FFFF and cut sequences', () => {
    assert.equal(firstInvalidUtf8(bytes('ab', [0xc0, 0x80])), 2);
    assert.equal(firstInvalidUtf8(bytes([0xe0, 0x80, 0x80])), 0);
    assert.equal(firstInvalidUtf8(bytes('x', [0xed, 0xa0, 0x80])), 1);
    assert.equal(firstInvalidUtf8(bytes([0xf4, 0x90, 0x80, 0x80])), 0);
    assert.equal(firstInvalidUtf8(bytes('日本', [0xe6, 0x97])), 6);
    assert.equal(firstInvalidUtf8(bytes('a fox 🦊, 日本, é')), -1);
  });

  it('names the first line that is not text, and what is wrong with it', () => {
    const cases: [Buffer, number, RegExp][] = [
      [bytes('one\ntwo\nthr', [0], 'ee\n'), 3, /NUL byte at column 4/],
      [bytes('one\nt', [0xff], 'wo\n'), 2, /not valid UTF-8 \(byte 0xff at byte 2 of the line\)/],
      [bytes('one\ntwo\nthree\n\u001b[31mred\n'), 4, /U\+001B \(ESC\) at column 1/],
      [bytes('a\u007fb\n'), 1, /U\+007F \(DEL\)/],
      [bytes('ok\nc1 \u0085 here\n'), 2, /U\+0085 at column 4/],
      [bytes('ok\r\nmid\rline\n'), 2, /U\+000D \(CR\) at column 4/],
      [bytes('bell\u0007\n'), 1, /U\+0007 \(BEL\)/],
      // The NUL that opens an MP4 is named, not the invalid byte after it.
      [bytes([0, 0, 0, 0x18], 'ftypisom', [0xe8, 0x00]), 1, /NUL byte at column 1/],
    ];
    for (const [sample, line, message] of cases) {
      const problem = findNonText(sample);
      assert.equal(problem?.line, line, sample.toString('hex'));
      assert.match(problem.message, message);
    }
  });

  it('accepts tabs, CRLF endings, a BOM, a last line without LF, and any printable Unicode', () => {
    assert.equal(findNonText(bytes('\ufeff# shots\r\na\tfox\r\n\r\n日本 😀 ‮ok\r\nno newline at the end')), undefined);
    assert.equal(findNonText(bytes('')), undefined);
  });

  it('arguments: U+FFFD is what invalid UTF-8 became; newlines and tabs are allowed', () => {
    assert.match(findControlInText('a\ufffdb')?.message ?? '', /U\+FFFD at column 2: it was not valid UTF-8/);
    assert.match(findControlInText('a\u001bb\ufffd')?.message ?? '', /U\+001B \(ESC\) at column 2/);
    assert.equal(findControlInText('two\nlines\tand a tab\r\n'), undefined);
  });

  it('a JSON line whose prompt escapes a control character is refused by line', () => {
    const parsed = parseBatch('{"prompt":"fine"}\n{"prompt":"bad\\u0000one"}\n{"prompt":"two\\nlines"}\n', {
      model: 'glabs-veo-3-1-fast',
    });
    assert.deepEqual(parsed.problems, [{ line: 2, message: 'prompt has the control character U+0000 (NUL)' }]);
    assert.deepEqual(
      parsed.items.map((item) => item.line),
      [1, 3],
    );
  });
});
