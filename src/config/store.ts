import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../api/errors.js';
import { CONFIG_FILE, configDir } from './paths.js';

/** The keys `veo config` accepts; the API key is stored too but handled by `veo auth`. */
export const CONFIG_KEYS = ['api-key', 'base-url', 'output-dir'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type ConfigValues = Partial<Record<ConfigKey, string>>;

export function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}

export interface StoreWarning {
  message: string;
}

/**
 * Makes the folder private, tightening it when it was created looser by hand or by an older tool: it holds the key.
 * Returns a warning to show when permissions had to be changed.
 */
export async function ensurePrivateDir(dir: string): Promise<StoreWarning | undefined> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return undefined;
  const info = await stat(dir);
  if ((info.mode & 0o077) !== 0) {
    await chmod(dir, 0o700);
    return { message: `${dir} was readable by other users; its permissions were tightened to 0700.` };
  }
  return undefined;
}

/**
 * Reading is done with a plain JSON parse rather than through `conf`: every command reads settings, and loading
 * `conf` would add a sizeable share of the start-up time. Writes go through `conf` (see config-writer.ts).
 * A damaged file is reported, never silently replaced.
 */
export async function readConfig(dir = configDir()): Promise<ConfigValues> {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw new UsageError(`Cannot read the config file ${file}: ${(error as Error).message}`, {
      code: 'CONFIG_UNREADABLE',
      hint: 'Fix its permissions (it should be readable by you, mode 0600).',
    });
  }
  let parsed: unknown;
  try {
    parsed = text.trim() ? JSON.parse(text) : {};
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`The config file ${file} is damaged (not a JSON object); it was left as it is.`, {
      code: 'CONFIG_DAMAGED',
      hint: 'Repair it by hand, or move it away and set the values again (veo auth login, veo config set).',
    });
  }
  const values: ConfigValues = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (isConfigKey(key) && typeof value === 'string') values[key] = value;
  }
  return values;
}
