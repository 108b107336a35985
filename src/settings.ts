import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthError } from './api/errors.js';
import { normalizeApiKey, maskApiKey } from './api/key.js';
import { DEFAULT_BASE_URL, parseBaseUrl } from './api/origin.js';
import { CONFIG_FILE, configDir } from './config/paths.js';
import { readConfig, type ConfigValues } from './config/store.js';

export type Source = 'flag' | 'env' | 'config' | 'default';

export interface Setting<T> {
  value: T;
  source: Source;
}

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  apiKey?: string;
  baseUrl?: string;
}

export interface Settings {
  configDir: string;
  config: ConfigValues;
  apiKey: Setting<string> | undefined;
  baseUrl: Setting<string>;
  outputDir: Setting<string>;
  warnings: string[];
}

function pick(
  flag: string | undefined,
  env: string | undefined,
  config: string | undefined,
): Setting<string> | undefined {
  if (flag !== undefined && flag !== '') return { value: flag, source: 'flag' };
  if (env !== undefined && env.trim() !== '') return { value: env, source: 'env' };
  if (config !== undefined && config !== '') return { value: config, source: 'config' };
  return undefined;
}

/** Files in the config folder hold the key: a folder or file others can read is tightened and reported. */
async function tightenPermissions(dir: string): Promise<string[]> {
  if (process.platform === 'win32') return [];
  const warnings: string[] = [];
  for (const [path, mode] of [
    [dir, 0o700],
    [join(dir, CONFIG_FILE), 0o600],
  ] as const) {
    try {
      const info = await stat(path);
      if ((info.mode & 0o077) !== 0) {
        await chmod(path, mode);
        warnings.push(`${path} was accessible to other users; its permissions were tightened to 0${mode.toString(8)}.`);
      }
    } catch {
      // Missing is fine: it is created private when first written.
    }
  }
  return warnings;
}

/**
 * `ps` shows every process's command line to every user: a key given with --api-key is masked there as soon as it
 * is known. (The window before that is why the flag is discouraged.)
 */
function hideKeyFromProcessTitle(key: string): void {
  const args = process.argv.slice(2);
  if (!args.some((arg) => arg.includes(key))) return;
  const masked = maskApiKey(key.trim());
  try {
    process.title = ['veo', ...args.map((arg) => arg.split(key).join(masked))].join(' ');
  } catch {
    // Some platforms refuse a new title; the flag's documentation already warns about ps.
  }
}

/** Precedence: flag, then environment, then the config store, then the default. */
export async function resolveSettings(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  const dir = configDir(env);
  const warnings = await tightenPermissions(dir);
  const config = await readConfig(dir);
  const rawKey = pick(globals.apiKey, env.GPTUNNEL_API_KEY, config['api-key']);
  if (globals.apiKey) hideKeyFromProcessTitle(globals.apiKey);
  const apiKey = rawKey && { value: normalizeApiKey(rawKey.value), source: rawKey.source };
  const baseUrl = pick(globals.baseUrl, env.GPTUNNEL_BASE_URL, config['base-url']) ?? {
    value: DEFAULT_BASE_URL,
    source: 'default' as const,
  };
  parseBaseUrl(baseUrl.value);
  const outputDir = pick(undefined, undefined, config['output-dir']) ?? { value: '.', source: 'default' as const };
  return { configDir: dir, config, apiKey, baseUrl, outputDir, warnings };
}

export function requireApiKey(settings: Settings): string {
  if (!settings.apiKey) {
    throw new AuthError('No API key is set.', {
      code: 'NO_API_KEY',
      hint: 'Run `veo auth login`, or set GPTUNNEL_API_KEY. Keys are on your GPTunnel account page.',
    });
  }
  return settings.apiKey.value;
}

export function describeKey(setting: Setting<string>): string {
  const where = { flag: '--api-key', env: 'GPTUNNEL_API_KEY', config: 'the config store', default: 'default' }[
    setting.source
  ];
  return `${maskApiKey(setting.value)} (from ${where})`;
}
