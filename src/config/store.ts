import { errnoWords } from '../core/errno-words.js';
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { makePrivateDir } from '../store/private-files.js';
import { CONFIG_FILE, configDir } from './paths.js';
import { currentUid, untrustedBecause } from './trust.js';

/** The keys `veo config` accepts; the API key is stored too but handled by `veo auth`. */
export const CONFIG_KEYS = [
  'api-key',
  'base-url',
  'output-dir',
  'embed-metadata',
  'output-template',
  'write-info-json',
  'max-items',
  'budget.daily',
  'budget.monthly',
  'notify',
  'bell',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type ConfigValues = Partial<Record<ConfigKey, string>>;

export function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}

/** Creates the folder private when it is missing. An existing folder's permissions are never changed. */
export const ensurePrivateDir = makePrivateDir;

/**
 * What the config file holds, or why it cannot be used and which of the key and the API origin it holds or may
 * hold: a file that could not be read may hold a key; a link, or someone else's unreadable file, may hold both.
 */
export type StoredConfig =
  | { usable: true; values: ConfigValues; warnings: string[] }
  | { usable: false; holds: ConfigKey[]; problem: UsageError };

const EITHER: ConfigKey[] = ['api-key', 'base-url'];
const held = (values: ConfigValues | undefined, unknown: ConfigKey[]): ConfigKey[] =>
  values ? EITHER.filter((key) => values[key] !== undefined) : unknown;

function parseValues(text: string): ConfigValues | undefined {
  let parsed: unknown;
  try {
    parsed = text.trim() ? JSON.parse(text) : {};
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const values: ConfigValues = {};
  for (const [key, value] of flatEntries(parsed as Record<string, unknown>)) {
    if (isConfigKey(key)) values[key] = asSettingText(value);
  }
  return values;
}

/** `{"budget": {"daily": 500}}` written by hand means what `budget.daily` does: a cap must never go unread. */
function flatEntries(parsed: Record<string, unknown>): [string, unknown][] {
  return Object.entries(parsed).flatMap(([key, value]): [string, unknown][] =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).map(([inner, innerValue]): [string, unknown] => [`${key}.${inner}`, innerValue])
      : [[key, value]],
  );
}

/**
 * A hand-edited number or boolean (`"budget.daily": 500`, `"notify": true`) is the setting it spells; any other
 * value is kept as its JSON text, so that the setting's own check refuses it rather than it going unread.
 */
function asSettingText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * Reads config.json without following a link (O_NOFOLLOW), and checks the very file it read: one that another
 * user owns or can write to is not used, whatever it says. Reading is done with a plain JSON parse rather than
 * through `conf`: every command reads settings, and loading `conf` would add a sizeable share of the start-up
 * time. Writes go through `conf` (see writer.ts). A damaged file is reported, never silently replaced.
 */
export async function loadConfig(dir = configDir()): Promise<StoredConfig> {
  const file = join(dir, CONFIG_FILE);
  const unusable = (message: string, code: string, hint: string, holds: ConfigKey[] = ['api-key']): StoredConfig => ({
    usable: false,
    holds,
    problem: new UsageError(message, { code, hint }),
  });
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { usable: true, values: {}, warnings: [] };
    if (code === 'ELOOP' || (code === 'EMLINK' && process.platform !== 'linux')) {
      return unusable(
        `The config file ${file} is a symbolic link; veo never follows one for its settings.`,
        'CONFIG_SYMLINK',
        `Replace the link with a file of your own (mode 0600), or remove it and run \`veo auth login\` again.`,
        EITHER,
      );
    }
    return unusable(
      `Cannot read the config file ${file}: ${errnoWords(error)}.`,
      'CONFIG_UNREADABLE',
      'Fix its permissions (it should be a file readable by you, mode 0600).',
    );
  }
  let text: string;
  let info: Stats;
  try {
    info = await handle.stat();
    if (!info.isFile()) {
      return unusable(
        `Cannot read the config file ${file}: it is not a regular file.`,
        'CONFIG_UNREADABLE',
        'Move it away; veo creates the file when a setting is stored.',
      );
    }
    text = await handle.readFile('utf8');
  } catch (error) {
    return unusable(
      `Cannot read the config file ${file}: ${errnoWords(error)}.`,
      'CONFIG_UNREADABLE',
      'Fix its permissions (it should be a file readable by you, mode 0600).',
    );
  } finally {
    await handle.close();
  }
  const values = parseValues(text);
  const why = untrustedBecause(info);
  if (why) {
    const yours = info.uid === currentUid();
    return unusable(
      `The config file ${file} is not used: ${why}, so someone else could have chosen where your key is sent.`,
      'CONFIG_UNSAFE',
      yours
        ? `Check what it says, then run \`chmod 600 ${file}\`.`
        : `Remove it (its owner or root can), then store your settings again with \`veo auth login\` and \`veo config set\`.`,
      held(values, EITHER),
    );
  }
  if (!values) {
    return unusable(
      `The config file ${file} is damaged (not a JSON object); it was left as it is.`,
      'CONFIG_DAMAGED',
      'Repair it by hand, or move it away and set the values again (veo auth login, veo config set).',
    );
  }
  const warnings =
    currentUid() !== undefined && info.mode & 0o044
      ? [`The config file ${file} can be read by other users and may hold your key; run \`chmod 600 ${file}\`.`]
      : [];
  return { usable: true, values, warnings };
}

/** The strict reader for writes: any problem with the stored file stops the write (exit 2). */
export async function readConfig(dir = configDir()): Promise<ConfigValues> {
  const stored = await loadConfig(dir);
  if (!stored.usable) throw stored.problem;
  return stored.values;
}
