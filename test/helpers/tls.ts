import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM text, with the path of the certificate file. */
export interface Issued {
  cert: string;
  key: string;
}

/**
 * Certificates made for one test run by openssl: a private authority the client is told about through
 * NODE_EXTRA_CA_CERTS, a second authority nobody trusts, and server certificates signed by them.
 */
export interface TestPki {
  dir: string;
  /** Path of the trusted authority's certificate, for NODE_EXTRA_CA_CERTS. */
  caPath: string;
  /** Made out to `names` and signed by the trusted authority. */
  server: Issued;
  /** The same names, signed by an authority that is not trusted. */
  untrusted: Issued;
  /** The same names and authority, but its validity ended yesterday. */
  expired: Issued;
  close(): Promise<void>;
}

/** Why the TLS tests cannot run here, or undefined when openssl is available. */
export function opensslMissing(): string | undefined {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'openssl is not installed (Debian package openssl): no test certificates';
}

const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function authority(dir: string, name: string): void {
  const subject = `/CN=veo test authority ${name}`;
  openssl(dir, [
    'req',
    '-x509',
    ...CURVE,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    subject,
  ]);
}

async function issue(dir: string, ca: string, name: string, hosts: string[], days: number): Promise<Issued> {
  const san = hosts.map((host) => (/^[\d.]+$/.test(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
  await writeFile(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  openssl(dir, ['req', ...CURVE, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${hosts[0]}`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    String(days),
    '-extfile',
    `${name}.ext`,
  ]);
  return {
    cert: await readFile(join(dir, `${name}.pem`), 'utf8'),
    key: await readFile(join(dir, `${name}.key`), 'utf8'),
  };
}

/** Makes the authorities and certificates for `names` (host names or IPv4 addresses) in a temporary folder. */
export async function makeTestPki(names: string[]): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'veo-pki-'));
  authority(dir, 'ca');
  authority(dir, 'rogue-ca');
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    server: await issue(dir, 'ca', 'server', names, 2),
    untrusted: await issue(dir, 'rogue-ca', 'untrusted', names, 2),
    // A negative validity: the certificate ends before it begins, so it has expired already.
    expired: await issue(dir, 'ca', 'expired', names, -1),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
