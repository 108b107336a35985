import dns from 'node:dns';
import { isIP } from 'node:net';
import { NetworkError } from '../core/errors.js';
import { isLoopbackHost } from './origin.js';

/**
 * Where a video may be fetched from. A video link comes from the API (or from a redirect of the file host), so a
 * link into this machine or its local network would let whoever controls that link make veo probe services that
 * are not reachable from outside. Such addresses are refused unless the API origin is itself one of them, which
 * is how `veo-sim` and an in-house gateway are set up.
 */

/** What kind of non-public address `ip` is, or undefined for an address on the internet. */
export function localAddressKind(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return ipv4Kind(bare);
  if (family === 6) return ipv6Kind(bare);
  return undefined;
}

function ipv4Kind(ip: string): string | undefined {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  if (a === 127) return 'loopback';
  // 0.0.0.0/8 means "this host": a connection to 0.0.0.0 reaches the loopback interface.
  if (a === 0) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private (shared, carrier-grade NAT)';
  if (a === 169 && b === 254) return 'link-local';
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (`isIP` has already said it is one). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [, a, b, c, d] = dotted.map(Number);
    text = `${text.slice(0, dotted.index)}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function ipv6Kind(ip: string): string | undefined {
  const groups = ipv6Groups(ip);
  const [first = 0] = groups;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    // An IPv4-mapped address (::ffff:127.0.0.1) reaches the IPv4 address it carries.
    const [high = 0, low = 0] = groups.slice(6);
    return ipv4Kind(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`);
  }
  // ::1, and :: which, like 0.0.0.0, reaches this host.
  if (groups.slice(0, 7).every((group) => group === 0) && (groups[7] ?? 0) <= 1) return 'loopback';
  if ((first & 0xfe00) === 0xfc00) return 'private (unique local)';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  return undefined;
}

function blockedError(host: string, ip: string, kind: string): NetworkError {
  const where = host === ip ? ip : `${host} (${ip})`;
  return new NetworkError(`Refused to fetch the video from ${where}: a ${kind} address, and the API is not local.`, {
    sent: false,
    transient: false,
    code: 'LOCAL_ADDRESS_REFUSED',
    hint: 'A video link from a remote API never points into this machine or its local network; nothing was fetched. If the API really runs on your network, set the base URL to its local address.',
  });
}

/** Whether the API origin is itself local: its host is a local address, a loopback name, or a name that resolves to one. */
async function isLocalOrigin(origin: string): Promise<boolean> {
  let host: string;
  try {
    host = new URL(origin).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (isLoopbackHost(host)) return true;
  if (isIP(host)) return localAddressKind(host) !== undefined;
  try {
    // dns.lookup itself rather than dns.promises: one resolver for the connections and for this check.
    const addresses = await new Promise<dns.LookupAddress[]>((resolve, reject) =>
      dns.lookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))),
    );
    return addresses.some(({ address }) => localAddressKind(address) !== undefined);
  } catch {
    // A name that cannot be resolved here (behind a proxy, say) is not known to be local.
    return false;
  }
}

export interface AddressGuard {
  /** Throws (rejects) when `ip`, reached for `host`, is a local address that the API origin does not allow. */
  check(host: string, ip: string): Promise<void>;
  /** A `dns.lookup` replacement that refuses a name resolving to a local address before any connection is made. */
  lookup: typeof dns.lookup;
}

/** The guard for the hosts a video is fetched from, given the API origin its link came from (none: the strictest). */
export function addressGuard(apiOrigin: string | undefined): AddressGuard {
  let allowed: Promise<boolean> | undefined;
  // Asked only once a local address turns up, so an ordinary download never pays for an extra lookup.
  const localAllowed = () => (allowed ??= apiOrigin === undefined ? Promise.resolve(false) : isLocalOrigin(apiOrigin));

  async function check(host: string, ip: string): Promise<void> {
    const kind = localAddressKind(ip);
    if (kind !== undefined && !(await localAllowed())) throw blockedError(host, ip, kind);
  }

  const lookup = ((hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, options, (error, address: string | dns.LookupAddress[], family?: number) => {
      if (error) return callback(error, address as string, family);
      const all = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
      // A name with a local address among public ones is refused too: which one is used is not ours to pick.
      Promise.all(all.map((entry) => check(hostname, entry.address))).then(
        () => callback(null, address as string, family),
        (refused: NodeJS.ErrnoException) => callback(refused, '', undefined),
      );
    });
  }) as unknown as typeof dns.lookup;

  return { check, lookup };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;
