import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { maskApiKey, normalizeApiKey, redactKey } from '../../src/api/key.js';
import { parseBaseUrl } from '../../src/api/origin.js';
import { createOptionsSchema } from '../../src/commands/create/run.js';
import { fileNameFromUrl } from '../../src/commands/download/run.js';
import { parseDuration, parseOptions, parseTaskId } from '../../src/commands/shared/option-schemas.js';

describe('durations', () => {
  it('reads the documented forms', () => {
    assert.equal(parseDuration('90'), 90_000);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('0.5'), 500);
  });
  it('rejects the rest', () => {
    for (const bad of ['', 'soon', '15 minutes', '-1', 'm', '1x'])
      assert.throws(() => parseDuration(bad), UsageError, bad);
  });
});

describe('task ids', () => {
  it('accepts 24 hex characters only, in lower case whatever case they were typed in', () => {
    assert.equal(parseTaskId('684e5b2214bed9a815408cb3'), '684e5b2214bed9a815408cb3');
    assert.equal(parseTaskId('684E5B2214BED9A815408CB3'), '684e5b2214bed9a815408cb3');
    assert.equal(parseTaskId(' 684e5b2214BED9a815408cb3\n'), '684e5b2214bed9a815408cb3');
    for (const bad of [
      '../x',
      '684g5b2214bed9a815408cb3',
      '684e5b2214bed9a815408cb',
      '684e5b2214bed9a815408cb3/..',
      '',
    ])
      assert.throws(() => parseTaskId(bad), UsageError, bad);
  });
});

describe('create options', () => {
  const parse = (raw: Record<string, unknown>) =>
    parseOptions(createOptionsSchema(), { interval: '5', timeout: '15m', ...raw });
  it('applies defaults', () => {
    const options = parse({ prompt: 'x' });
    assert.equal(options.model, 'glabs-veo-3-1-fast');
    assert.equal(options.interval, 5000);
    assert.equal(options.timeout, 900_000);
  });
  it('rejects a bad image URL, ratio, interval and timeout', () => {
    assert.throws(() => parse({ image: 'file:///etc/passwd' }), /--image must be a public http\(s\) URL/);
    assert.throws(() => parse({ image: 'not a url' }), UsageError);
    assert.throws(() => parse({ ar: '4:3' }), /--ar must be/);
    assert.throws(() => parse({ interval: 'fast' }), UsageError);
    assert.throws(() => parse({ interval: '0' }), UsageError);
    assert.throws(() => parse({ timeout: 'forever' }), UsageError);
    assert.throws(() => parse({ model: 'a b' }), UsageError);
  });
});

describe('keys', () => {
  it('strips whitespace, quotes and a Bearer word', () => {
    assert.equal(normalizeApiKey('  shds-abc\n'), 'shds-abc');
    assert.equal(normalizeApiKey('"shds-abc"'), 'shds-abc');
    assert.equal(normalizeApiKey("'shds-abc'"), 'shds-abc');
    assert.equal(normalizeApiKey('Bearer shds-abc'), 'shds-abc');
    assert.throws(() => normalizeApiKey('   '), UsageError);
    assert.throws(() => normalizeApiKey('shds abc'), UsageError);
  });
  it('masks all but the prefix and the last four', () => {
    assert.equal(maskApiKey('shds-0123456789abcdef9f2c'), 'shds-…9f2c');
    assert.equal(maskApiKey('short'), '…');
    assert.equal(redactKey('key=shds-0123456789abcdef9f2c!', 'shds-0123456789abcdef9f2c'), 'key=shds-…9f2c!');
  });
});

describe('base URLs', () => {
  it('allows https anywhere and http only to loopback', () => {
    assert.equal(parseBaseUrl('https://gptunnel.ru').href, 'https://gptunnel.ru/');
    assert.equal(parseBaseUrl('http://127.0.0.1:8080/').origin, 'http://127.0.0.1:8080');
    assert.equal(parseBaseUrl('http://localhost:1').origin, 'http://localhost:1');
    assert.equal(parseBaseUrl('http://[::1]:1').origin, 'http://[::1]:1');
    for (const bad of [
      'http://gptunnel.ru',
      'http://10.0.0.1',
      'ftp://gptunnel.ru',
      'https://gptunnel.ru/v1',
      'https://u:p@gptunnel.ru',
      'nope',
    ])
      assert.throws(() => parseBaseUrl(bad), UsageError, bad);
  });
});

describe('file names from URLs', () => {
  it('uses the task id when the URL has one, and never leaves the folder', () => {
    assert.deepEqual(fileNameFromUrl(new URL('https://s.example/predication/6870d9bc6fd394f886a7bd7f_result.mp4')), {
      id: '6870d9bc6fd394f886a7bd7f',
      name: '6870d9bc6fd394f886a7bd7f.mp4',
    });
    assert.equal(fileNameFromUrl(new URL('https://s.example/a/..%2F..%2Fetc%2Fpasswd')).name, '_.._etc_passwd.mp4');
    assert.equal(fileNameFromUrl(new URL('https://s.example/')).name, 'video.mp4');
  });
});
