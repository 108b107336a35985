// The V8 code cache of the bundle: what V8 compiled on an earlier run, so that this one skips parsing and compiling.
// It is a convenience: a missing, stale, damaged or foreign file reads as no cache, and a cache that cannot be
// written is not written; neither is ever an error. The file is read and written without following a link:
// opened with O_NOFOLLOW, and written to a fresh temp file (created exclusively) renamed over it.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';

// Loaded only on this path: `veo --version` must not pay for node:crypto.
const require = createRequire(import.meta.url);

const MAGIC = 'veo-code-cache-1\n';
const HEADER_BYTES = MAGIC.length + 65 + 65;
/** Far above any real cache (a few MB): a file this large is not ours. */
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Where per-user caches go: XDG_CACHE_HOME (else ~/.cache) on Linux, the platform's cache folder elsewhere; or
 * undefined when there is no home folder to put it in. A relative XDG_CACHE_HOME is ignored, as the XDG spec
 * says, and an empty or relative home is no home: a cache must never land in the current folder.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.platform === 'win32') {
    const local =
      env.LOCALAPPDATA && isAbsolute(env.LOCALAPPDATA) ? env.LOCALAPPDATA : under(homeDir(), 'AppData', 'Local');
    return local === undefined ? undefined : join(local, 'veo', 'Cache');
  }
  if (process.platform === 'darwin') return under(homeDir(), 'Library', 'Caches', 'veo');
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'veo');
  return under(homeDir(), '.cache', 'veo');
}

function under(home: string | undefined, ...parts: string[]): string | undefined {
  return home === undefined ? undefined : join(home, ...parts);
}

/** The home folder, if there is a usable one: os.homedir() throws when HOME is unset and the user has no entry. */
function homeDir(): string | undefined {
  const { homedir } = require('node:os') as typeof import('node:os');
  try {
    const home = homedir();
    return home && isAbsolute(home) ? home : undefined;
  } catch {
    return undefined;
  }
}

export const CODE_CACHE_FILE = 'code-cache.bin';

function sha256(data: string | Uint8Array): string {
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What the cached code depends on: V8 rejects code compiled by another V8 or under other flags, but it checks only
 * the length of the source, so the hash of the source compiled is part of the key too (about 2 ms for the bundle:
 * the price of never running code compiled from another file of the same length).
 */
export function cacheKey(parts: { veoVersion: string; source: string; v8Flags: string }): string {
  return sha256(
    JSON.stringify([
      parts.veoVersion,
      process.version,
      process.arch,
      process.versions.v8,
      sha256(parts.source),
      parts.v8Flags,
    ]),
  );
}

/** A real folder (not a link) of this user's that no one else can write into. */
function isOwnDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) return false;
    return process.getuid === undefined || (st.uid === process.getuid() && (st.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

export type CacheRead = { data: Buffer } | { data: undefined; why: string };

/** The cached data for `key`, or why there is none to use. */
export function readCodeCache(dir: string, key: string): CacheRead {
  if (!isOwnDir(dir)) return { data: undefined, why: 'no cache folder of ours' };
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO put in its place would otherwise block the open until someone writes into it.
    fd = openSync(join(dir, CODE_CACHE_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { data: undefined, why: `cannot open it (${(error as NodeJS.ErrnoException).code})` };
  }
  try {
    const st = fstatSync(fd);
    const ours = process.getuid === undefined || st.uid === process.getuid();
    if (!st.isFile() || !ours || st.size < HEADER_BYTES || st.size > MAX_BYTES) {
      return { data: undefined, why: 'not a cache file of ours' };
    }
    const file = Buffer.allocUnsafe(st.size);
    let filled = 0;
    while (filled < file.length) {
      const got = readSync(fd, file, filled, file.length - filled, filled);
      if (got === 0) break;
      filled += got;
    }
    const header = file.toString('latin1', 0, HEADER_BYTES);
    const payload = file.subarray(HEADER_BYTES, filled);
    if (header !== `${MAGIC}${key}\n${sha256(payload)}\n`) return { data: undefined, why: 'stale or damaged' };
    return { data: payload };
  } catch (error) {
    return { data: undefined, why: `cannot read it (${(error as NodeJS.ErrnoException).code})` };
  } finally {
    closeSync(fd);
  }
}

/** Replaces the cache file with `data` for `key`; throws when it cannot (the caller ignores it). */
export function writeCodeCache(dir: string, key: string, data: Buffer): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isOwnDir(dir)) throw new Error(`${dir} is not a folder of ours`);
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  const target = join(dir, CODE_CACHE_FILE);
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let isOpen = true;
  try {
    const file = Buffer.concat([Buffer.from(`${MAGIC}${key}\n${sha256(data)}\n`, 'latin1'), data]);
    let written = 0;
    while (written < file.length) written += writeSync(fd, file, written);
    isOpen = false;
    closeSync(fd);
    renameSync(temp, target);
  } catch (error) {
    if (isOpen) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never made it, or already gone
    }
    throw error;
  }
}
