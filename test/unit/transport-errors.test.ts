import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressGuard, localAddressKind } from '../../src/api/address-policy.js';
import { NetworkError } from '../../src/core/errors.js';
import { describeNetworkError } from '../../src/api/http.js';
import { isRetryable } from '../../src/api/retry.js';
import { mayHaveCreated } from '../../src/api/safety.js';
import { describeConnectFailure } from '../../src/api/transport-errors.js';

const API = new URL('https://api.example.com/v1/media/create');

function withCode(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('address policy: which addresses count as local', () => {
  it('classifies loopback, private, shared, link-local and unique-local addresses, in every spelling', () => {
    const cases: [string, string | undefined][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['0.0.0.0', 'loopback'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['::', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['::ffff:192.168.1.1', 'private'],
      ['100.64.0.1', 'private (shared, carrier-grade NAT)'],
      ['100.127.255.254', 'private (shared, carrier-grade NAT)'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['fc00::1', 'private (unique local)'],
      ['fdff:ffff::1', 'private (unique local)'],
      ['172.15.0.1', undefined],
      ['172.32.0.1', undefined],
      ['100.63.255.255', undefined],
      ['100.128.0.0', undefined],
      ['8.8.8.8', undefined],
      ['2606:4700::1111', undefined],
      ['::ffff:8.8.8.8', undefined],
      ['example.com', undefined],
    ];
    for (const [address, kind] of cases) assert.equal(localAddressKind(address), kind, address);
  });

  it('a remote API refuses local addresses; a local API (a literal or a loopback name) allows them', async () => {
    await assert.rejects(addressGuard('https://api.example.com').check('127.0.0.1', '127.0.0.1'), (error) => {
      assert.ok(error instanceof NetworkError);
      assert.equal(error.code, 'LOCAL_ADDRESS_REFUSED');
      assert.equal(error.sent, false);
      assert.equal(error.transient, false);
      return true;
    });
    await assert.rejects(addressGuard(undefined).check('files.example', '10.0.0.7'), /files\.example \(10\.0\.0\.7\)/);
    await addressGuard('https://api.example.com').check('cdn.example', '93.184.216.34');
    await addressGuard('http://127.0.0.1:8080').check('127.0.0.1', '127.0.0.1');
    await addressGuard('http://localhost:8080').check('10.0.0.7', '10.0.0.7');
    await addressGuard('https://[fd00::5]').check('192.168.0.2', '192.168.0.2');
    await assert.rejects(addressGuard('not a url').check('127.0.0.1', '127.0.0.1'), /Refused to fetch/);
  });
});

describe('connect-phase failures: told truthfully, retried only when that can help', () => {
  it('certificate errors are not sent, not transient, and say what to do', () => {
    const cases: [string, RegExp, RegExp][] = [
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not signed by an authority this machine trusts/, /NODE_EXTRA_CA_CERTS/],
      ['SELF_SIGNED_CERT_IN_CHAIN', /not signed by an authority/, /NODE_EXTRA_CA_CERTS/],
      ['CERT_HAS_EXPIRED', /has expired by this machine's clock/, /date, time and time zone/],
      ['CERT_NOT_YET_VALID', /is not valid yet by this machine's clock/, /date, time/],
      ['ERR_TLS_CERT_ALTNAME_INVALID', /made out to another host name/, /--base-url or GPTUNNEL_BASE_URL/],
      ['CERT_REVOKED', /failed verification \(CERT_REVOKED\)/, /Retrying will not help/],
    ];
    for (const [code, message, hint] of cases) {
      const error = describeNetworkError(withCode(code), API);
      assert.ok(error instanceof NetworkError, code);
      assert.match(error.message, message, code);
      assert.match(error.hint ?? '', hint, code);
      assert.equal(error.code, 'TLS_CERTIFICATE');
      assert.equal(error.sent, false, code);
      assert.equal(isRetryable(error, 'read'), false, code);
      assert.equal(mayHaveCreated(error), false, code);
    }
  });

  it('finds the certificate error that undici wraps when it was met through a proxy', () => {
    const wrapped = Object.assign(new Error('secure proxy connection'), {
      code: 'UND_ERR_PRX_TLS',
      cause: withCode('ERR_TLS_CERT_ALTNAME_INVALID'),
    });
    const error = describeConnectFailure(wrapped, API, { step: 'tunnel', proxy: 'proxy.corp:3128' });
    assert.match(error?.message ?? '', /api\.example\.com is made out to another host name/);
  });

  it('names the proxy: unreachable (retried), a refused tunnel (407 and 403 not retried, 5xx retried)', () => {
    const unreachable = describeConnectFailure(withCode('ECONNREFUSED'), API, { step: 'proxy', proxy: 'p:3128' });
    assert.match(unreachable?.message ?? '', /^Could not connect to the proxy p:3128: connection refused/);
    assert.equal(unreachable?.sent, false);
    assert.equal(isRetryable(unreachable, 'create'), true);

    const status = (code: number) =>
      describeConnectFailure(new Error(`Proxy response (${code}) !== 200 when HTTP Tunneling`), API, {
        step: 'tunnel',
        proxy: 'p:3128',
      });
    assert.match(status(407)?.message ?? '', /proxy p:3128 refused to open a tunnel to api\.example\.com: HTTP 407/);
    assert.equal(status(407)?.code, 'PROXY_AUTH');
    assert.equal(isRetryable(status(407), 'create'), false);
    assert.equal(isRetryable(status(403), 'read'), false);
    assert.match(status(403)?.hint ?? '', /NO_PROXY/);
    assert.equal(isRetryable(status(502), 'create'), true);
    for (const code of [407, 403, 502]) assert.equal(mayHaveCreated(status(code)), false);
  });

  it('leaves a failure once the request was out as it was: maybe sent', () => {
    const error = describeNetworkError(withCode('ECONNRESET'), API) as NetworkError;
    assert.equal(error.sent, true);
    assert.equal(mayHaveCreated(error), true);
    assert.equal(describeConnectFailure(withCode('ECONNRESET'), API, undefined), undefined);
  });
});
