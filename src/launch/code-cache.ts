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
import { join } from 'node:path';

// Loaded only on this path: `veo --version` must not pay for node:crypto.
const require = createRequire(import.meta.url);

const MAGIC = 'veo-code-cache-1\n';
const HEADER_BYTES = MAGIC.length + 65 + 65;
/** Far above any real cache (a few MB): a file this large is not ours. */
const MAX_BYTES = 64 * 1024 * 1024;

/** Where per-user caches go: XDG_CACHE_HOME (else ~/.cache) on Linux, the platform's cache folder elsewhere. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const { homedir } = require('node:os') as typeof import('node:os');
  if (process.platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'veo', 'Cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'veo');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'veo');
}

export const CODE_CACHE_FILE = 'code-cache.bin';

function sha256(data: string | Uint8Array): string {
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What the cached code depends on: V8 rejects code compiled by another V8 or under other flags, but it checks only
 * the length of the source, so the bundle's own hash is part of the key too.
 */
export function cacheKey(parts: { veoVersion: string; bundleHash: string; v8Flags: string }): string {
  return sha256(
    JSON.stringify([
      parts.veoVersion,
      process.version,
      process.arch,
      process.versions.v8,
      parts.bundleHash,
      parts.v8Flags,
    ]),
  );
}

function isOwnDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && (process.getuid === undefined || st.uid === process.getuid());
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
    fd = openSync(join(dir, CODE_CACHE_FILE), constants.O_RDONLY | constants.O_NOFOLLOW);
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
