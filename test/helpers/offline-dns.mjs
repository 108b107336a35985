// Preloaded into every veo the tests spawn: tests never send a packet beyond loopback, so every name lookup
// except localhost fails the way an unknown host does, without asking a resolver. VEO_TEST_HOSTS lists names
// that resolve to a loopback address instead ("name=127.0.0.1,other=::1"), as a real-looking host served by a
// local test server would.
import dns from 'node:dns';
import { isIP } from 'node:net';

const original = dns.lookup;
const hosts = new Map(
  (process.env.VEO_TEST_HOSTS ?? '')
    .split(',')
    .map((pair) => pair.trim().split('='))
    .filter(([name, address]) => name && address && isIP(address)),
);

dns.lookup = function offlineLookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  if (hostname === 'localhost') return original.call(dns, hostname, options, callback);
  const address = hosts.get(hostname);
  if (address !== undefined) {
    const family = isIP(address);
    const all = typeof options === 'object' && options !== null && options.all;
    if (all) process.nextTick(done, null, [{ address, family }]);
    else process.nextTick(done, null, address, family);
    return undefined;
  }
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname,
  });
  process.nextTick(done, error);
  return undefined;
};
