import { AuthError, UsageError } from './core/errors.js';
import { normalizeApiKey, maskApiKey } from './api/key.js';
import { DEFAULT_BASE_URL, parseBaseUrl } from './api/origin.js';
import { configDir } from './config/paths.js';
import { loadConfig, type ConfigKey, type ConfigValues } from './config/store.js';
import { checkConfigDir } from './config/trust.js';

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
  /**
   * The stored config could not be used (damaged, unreadable, a link, or open to other users): its values were
   * left out (an output-dir it names is not used either: videos go to the current folder). `needed` names the key
   * or the API origin when it holds (or may hold) one that flags and the environment did not replace; a command
   * that talks to the API stops with `problem` rather than go on without them.
   */
  unusedConfig?: { problem: UsageError; needed: ConfigKey[] };
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

/** A value refused where it came from: the message names the variable or stored setting, so it can be fixed. */
function namingSource<T>(
  setting: Setting<string>,
  names: { env: string; config: string },
  check: (value: string) => T,
): T {
  try {
    return check(setting.value);
  } catch (error) {
    const from = setting.source === 'env' ? names.env : setting.source === 'config' ? `the stored ${names.config}` : '';
    if (error instanceof UsageError && from) error.message = `${error.message.replace(/\.$/, '')} (from ${from}).`;
    throw error;
  }
}

/**
 * Precedence: flag, then environment, then the config store, then the default. A config folder open to others
 * stops here (exit 2); a config file that cannot be used is left out, so that flags and the environment still work.
 */
export async function resolveSettings(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  const dir = configDir(env);
  const warnings = await checkConfigDir(dir);
  const stored = await loadConfig(dir);
  const config = stored.usable ? stored.values : {};
  if (stored.usable) warnings.push(...stored.warnings);
  const rawKey = pick(globals.apiKey, env.GPTUNNEL_API_KEY, config['api-key']);
  if (globals.apiKey) hideKeyFromProcessTitle(globals.apiKey);
  const apiKey = rawKey && {
    value: namingSource(rawKey, { env: 'GPTUNNEL_API_KEY', config: 'api-key' }, normalizeApiKey),
    source: rawKey.source,
  };
  const givenBaseUrl = pick(globals.baseUrl, env.GPTUNNEL_BASE_URL, undefined);
  const baseUrl = pick(globals.baseUrl, env.GPTUNNEL_BASE_URL, config['base-url']) ?? {
    value: DEFAULT_BASE_URL,
    source: 'default' as const,
  };
  namingSource(baseUrl, { env: 'GPTUNNEL_BASE_URL', config: 'base-url' }, parseBaseUrl);
  const outputDir = pick(undefined, undefined, config['output-dir']) ?? { value: '.', source: 'default' as const };
  const settings: Settings = { configDir: dir, config, apiKey, baseUrl, outputDir, warnings };
  if (!stored.usable) {
    const needed = stored.holds.filter(
      (key) => !(key === 'api-key' && rawKey) && !(key === 'base-url' && givenBaseUrl),
    );
    settings.unusedConfig = { problem: stored.problem, needed };
    // When the command goes on without it, say so; when it needs what the file holds, the error says it.
    if (needed.length === 0) warnings.push(`${stored.problem.message} Its settings are ignored.`);
  }
  return settings;
}

/** The stored config's problem, when a command needs what it holds and nothing else gave it. */
export function requireUsableConfig(settings: Settings, keys: ConfigKey[]): void {
  const unused = settings.unusedConfig;
  if (unused && keys.some((key) => unused.needed.includes(key))) throw unused.problem;
}

/** The key, and an API origin the user chose: the key is never sent where an unusable config would have sent it. */
export function requireApiKey(settings: Settings): string {
  requireUsableConfig(settings, ['api-key', 'base-url']);
  if (!settings.apiKey) {
    throw new AuthError('No API key is set.', {
      code: 'NO_API_KEY',
      hint: 'Run `veo auth login`, or set GPTUNNEL_API_KEY. Keys are on your GPTunnel account page.',
    });
  }
  return settings.apiKey.value;
}

/** Where a key came from, as the user would name it. */
export function keySourceName(source: Source): string {
  return { flag: '--api-key', env: 'GPTUNNEL_API_KEY', config: 'the config store', default: 'default' }[source];
}

export function describeKey(setting: Setting<string>): string {
  return `${maskApiKey(setting.value)} (from ${keySourceName(setting.source)})`;
}

/** What to do about a key the API refused, depending on where it came from. */
export function refusedKeyHint(setting: Setting<string>): string {
  switch (setting.source) {
    case 'flag':
      return 'Check the key given with --api-key (keys are on your GPTunnel account page).';
    case 'env':
      return 'GPTUNNEL_API_KEY overrides the stored key: correct it, or unset it to use the stored one (`veo auth status` checks).';
    default:
      return 'Store a valid key with `veo auth login` (keys are on your GPTunnel account page).';
  }
}
