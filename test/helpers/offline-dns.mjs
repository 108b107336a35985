// Preloaded into every veo the tests spawn: tests never send a packet beyond loopback, so every name lookup
// except localhost fails the way an unknown host does, without asking a resolver.
import dns from 'node:dns';

const original = dns.lookup;
dns.lookup = function offlineLookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  if (hostname === 'localhost') return original.call(dns, hostname, options, callback);
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname,
  });
  process.nextTick(done, error);
  return undefined;
};
