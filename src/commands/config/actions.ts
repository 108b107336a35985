import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { maskApiKey } from '../../api/key.js';
import { DEFAULT_BASE_URL, parseBaseUrl } from '../../api/origin.js';
import { CONFIG_KEYS, isConfigKey, type ConfigKey } from '../../config/store.js';
import { writeConfig } from '../../config/writer.js';
import { expandHome } from '../../task/output-target.js';
import { parseEmbedSetting } from '../../task/clip-tags.js';
import { parseTemplate } from '../../task/name-template.js';
import { planNames } from '../../task/output-names.js';
import { BOOLEAN_VALUES, parseMaxItems } from '../../task/run-settings.js';
import { parseRubles } from '../../task/spent.js';
import type { Context } from '../../context.js';
import type { KeyInput, KeyValueInput } from './index.js';

function checkKey(key: string | undefined): ConfigKey {
  if (!key || !isConfigKey(key)) {
    throw new UsageError(`Unknown setting "${key ?? ''}"; the settings are ${CONFIG_KEYS.join(', ')}.`);
  }
  return key;
}

function shown(key: ConfigKey, value: string | undefined): string | undefined {
  return key === 'api-key' && value ? maskApiKey(value) : value;
}

export async function printConfigPath(ctx: Context): Promise<void> {
  const settings = await ctx.settings();
  if (ctx.out.json) ctx.out.data({ path: settings.configDir });
  else ctx.out.result(settings.configDir);
}

export async function listSettings(ctx: Context): Promise<void> {
  const settings = await ctx.settings();
  const { out } = ctx;
  if (settings.unusedConfig) throw settings.unusedConfig.problem;
  const values = Object.fromEntries(CONFIG_KEYS.map((key) => [key, shown(key, settings.config[key]) ?? null]));
  if (out.json) out.data(values);
  else for (const [key, value] of Object.entries(values)) if (value !== null) out.result(`${key}=${value}`);
}

export async function getSetting(ctx: Context, input: KeyInput): Promise<void> {
  const settings = await ctx.settings();
  const { out } = ctx;
  const key = checkKey(input.args.key);
  if (settings.unusedConfig) throw settings.unusedConfig.problem;
  const value = shown(key, settings.config[key]);
  if (value !== undefined) {
    if (out.json) out.data({ [key]: value });
    else out.result(value);
    return;
  }
  // Not set is an answer, not an error: the command says what is in effect instead (stdout stays empty).
  const fallback = defaultOf(key);
  if (out.json) out.data({ [key]: null, default: fallback?.value ?? null });
  else out.info(`${key} is not set; ${fallback ? `the default is in effect: ${fallback.said}` : 'it has no default'}.`);
}

function defaultOf(key: ConfigKey): { value: string; said: string } | undefined {
  if (key === 'output-dir') return { value: process.cwd(), said: `the current folder (${process.cwd()})` };
  if (key === 'base-url') return { value: DEFAULT_BASE_URL, said: DEFAULT_BASE_URL };
  return undefined;
}

export async function setSetting(ctx: Context, input: KeyValueInput): Promise<void> {
  const settings = await ctx.settings();
  const key = checkKey(input.args.key);
  const value = input.args.value;
  if (key === 'api-key') {
    throw new UsageError(
      'Use `veo auth login` to store the key: a value on the command line ends up in shell history.',
    );
  }
  if (key === 'base-url') {
    try {
      parseBaseUrl(value);
    } catch (error) {
      // The example names the command being typed, not the flag.
      if (error instanceof UsageError && error.hint?.startsWith('Example:')) {
        error.hint = `Example: veo config set base-url ${/^[\w.-]+$/.test(value.trim()) ? `https://${value.trim()}` : 'https://gptunnel.ru'}`;
      }
      throw error;
    }
  }
  if (key === 'output-template') {
    parseTemplate(value, 'output-template');
    // Checked now, not at every later save: the template names files inside the output folder.
    if (value.split(/[/\\]/).includes('..')) {
      throw new UsageError(`output-template ${value} climbs out of the output folder with "..".`, {
        code: 'BAD_TEMPLATE',
        hint: 'The template names files inside the output folder; choose the folder with `veo config set output-dir`.',
      });
    }
  }
  if (key === 'output-dir') {
    parseTemplate(value, 'output-dir');
    planNames(value, '{id}.{ext}');
  }
  if ((key === 'write-info-json' || key === 'notify' || key === 'bell') && !BOOLEAN_VALUES.includes(value)) {
    throw new UsageError(`${key} takes true or false, not "${value}".`);
  }
  if (key === 'max-items') parseMaxItems(value);
  // Stored as written once checked: 49.5 and 49.50 are the same cap.
  if (key === 'budget.daily' || key === 'budget.monthly') parseRubles(value, key);
  if (!value.trim()) throw new UsageError(`The value for ${key} is empty.`);
  // A relative folder would move with the current directory of each later command: it is fixed now.
  const stored =
    key === 'output-dir'
      ? resolve(expandHome(value))
      : key === 'embed-metadata'
        ? String(parseEmbedSetting(value))
        : value;
  await writeConfig({ [key]: stored }, settings.configDir);
  if (ctx.out.json) ctx.out.data({ [key]: stored });
  else ctx.out.info(`${key} set to ${stored}${stored === value ? '' : ` (from "${value}")`}.`);
}

export async function unsetSetting(ctx: Context, input: KeyInput): Promise<void> {
  const settings = await ctx.settings();
  const key = checkKey(input.args.key);
  const wasSet = settings.config[key] !== undefined;
  await writeConfig({ [key]: undefined }, settings.configDir);
  if (ctx.out.json) ctx.out.data({ [key]: null, wasSet });
  else ctx.out.info(wasSet ? `${key} removed.` : `${key} was not set; nothing changed.`);
}
