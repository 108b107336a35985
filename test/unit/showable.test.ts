import assert from 'node:assert/strict';
import { it } from 'node:test';
import { redactKey } from '../../src/api/key.js';
import { showable } from '../../src/ui/showable.js';

it('showable escapes C0, DEL, C1, line separators and bidi overrides visibly, and nothing else', () => {
  assert.equal(showable('a\u001b[2Jb'), 'a\\x1b[2Jb');
  assert.equal(showable('title\u001b]0;x\u0007'), 'title\\x1b]0;x\\x07');
  assert.equal(showable('one\r\ntwo\tthree'), 'one\\r\\ntwo\\tthree');
  assert.equal(showable('\u0000\u007f\u0080\u009b\u009f'), '\\x00\\x7f\\x80\\x9b\\x9f');
  assert.equal(showable('a\u2028b\u202ec\u2066d'), 'a\\u2028b\\u202ec\\u2066d');
  const plain = 'caf\u00e9 \u00a0 ✔ 猫 C:\\path\\file.mp4 … 😀';
  assert.equal(showable(plain), plain, 'printable text, backslashes and emoji are kept as they are');
  const once = showable('x\u001by\nz\u009b');
  assert.equal(showable(once), once, 'applying it twice changes nothing');
});

it('redactKey masks the current key and anything shaped like a GPTunnel key, and is idempotent', () => {
  const key = 'shds-current-key-0123456789';
  assert.equal(redactKey(`bad ${key}!`, key), 'bad shds-…6789!');
  assert.equal(redactKey('old shds-AbCdEf012345xyz in a reason', undefined), 'old shds-…5xyz in a reason');
  assert.equal(redactKey('url?key=shds-0123456789abcdef&x=1', 'other-key-value'), 'url?key=shds-…cdef&x=1');
  assert.equal(redactKey('a custom key mykey-12345678', 'mykey-12345678'), 'a custom key mykey-…5678');
  assert.equal(redactKey('shds-short and shds- alone', undefined), 'shds-short and shds- alone');
  const once = redactKey(`two ${key} shds-zzzzzzzzzzzz`, key);
  assert.equal(redactKey(once, key), once);
});
