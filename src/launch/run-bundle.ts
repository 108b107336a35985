// Loads dist/veo.cjs, the bundle of everything `veo` runs, through a V8 code cache (see code-cache.ts): node's own
// loader cannot take cached data on Node 20, so the bundle is compiled here as one script, wrapped the way node
// wraps a CommonJS module.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, cacheKey, readCodeCache, writeCodeCache, CODE_CACHE_FILE } from './code-cache.js';
import { mapBundleStacks } from './stack-map.js';

// Loaded only on this path: `veo --version` must not pay for node:vm.
const require = createRequire(import.meta.url);

/** On one line, so the bundle's line numbers (and its source map) stay as they are. */
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname) {';

export interface Bundle {
  main(argv: string[]): Promise<number>;
}

export interface LoadedBundle {
  bundle: Bundle;
  /** Writes the code cache when there was none to use; V8 includes what this run compiled lazily. */
  saveCodeCache(): void;
}

/**
 * VEO_CODE_CACHE=off compiles without a cache and writes none; VEO_CODE_CACHE=debug tells on stderr whether the
 * cache was used, rejected or saved.
 */
export function loadBundle(veoVersion: string, v8Flags: string, env: NodeJS.ProcessEnv = process.env): LoadedBundle {
  const vm = require('node:vm') as typeof import('node:vm');
  const file = fileURLToPath(new URL('./veo.cjs', import.meta.url));
  const mode = env.VEO_CODE_CACHE === 'off' ? 'off' : env.VEO_CODE_CACHE === 'debug' ? 'debug' : 'on';
  const debug = (text: string) => {
    if (mode === 'debug') process.stderr.write(`veo: code cache: ${text}\n`);
  };
  // The bundle is ASCII only (esbuild's charset option): latin1 is the fastest way to a V8 string.
  const code = readFileSync(file, 'latin1');
  const source = `${WRAPPER_START}${code}\n})`;
  const dir = mode === 'off' ? undefined : cacheDirOrNone(env);
  const key = dir === undefined ? '' : cacheKey({ veoVersion, source: code, v8Flags });
  const cached =
    mode === 'off'
      ? { data: undefined, why: 'turned off' }
      : dir === undefined
        ? { data: undefined, why: 'no home folder to keep it in' }
        : readCodeCache(dir, key);
  if (cached.data === undefined) debug(`none used (${cached.why})`);
  const script = new vm.Script(source, { filename: file, cachedData: cached.data });
  if (cached.data !== undefined) debug(script.cachedDataRejected ? 'rejected by V8' : `used ${dir}/${CODE_CACHE_FILE}`);
  mapBundleStacks(file, `${file}.map`, WRAPPER_START.length);
  const module = { exports: {} as Bundle };
  const wrapped = script.runInThisContext() as (...args: unknown[]) => void;
  wrapped(module.exports, createRequire(file), module, file, dirname(file));
  const needsSaving = dir !== undefined && (cached.data === undefined || script.cachedDataRejected === true);
  return {
    bundle: module.exports,
    saveCodeCache() {
      if (!needsSaving || dir === undefined) return;
      try {
        writeCodeCache(dir, key, script.createCachedData());
        debug(`saved ${dir}/${CODE_CACHE_FILE}`);
      } catch (error) {
        debug(`not saved (${(error as Error).message})`);
      }
    },
  };
}

/** A cache is a convenience: a home folder that cannot be found means no cache, never a failed command. */
function cacheDirOrNone(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return cacheDir(env);
  } catch {
    return undefined;
  }
}
