import { UsageError } from '../../core/errors.js';
import { maskApiKey } from '../../api/key.js';
import { parseBaseUrl } from '../../api/origin.js';
import { CONFIG_KEYS, isConfigKey, type ConfigKey } from '../../config/store.js';
import { writeConfig } from '../../config/writer.js';
import type { Context } from '../../context.js';

function checkKey(key: string | undefined): ConfigKey {
  if (!key || !isConfigKey(key)) {
    throw new UsageError(`Unknown setting "${key ?? ''}"; the settings are ${CONFIG_KEYS.join(', ')}.`);
  }
  return key;
}

function shown(key: ConfigKey, value: string | undefined): string | undefined {
  return key === 'api-key' && value ? maskApiKey(value) : value;
}

export async function configCommand(ctx: Context, action: string, args: string[]): Promise<void> {
  const settings = await ctx.settings();
  const { out } = ctx;
  switch (action) {
    case 'path':
      if (out.json) out.data({ path: settings.configDir });
      else out.result(settings.configDir);
      return;
    case 'list': {
      if (settings.unusedConfig) throw settings.unusedConfig.problem;
      const values = Object.fromEntries(CONFIG_KEYS.map((key) => [key, shown(key, settings.config[key]) ?? null]));
      if (out.json) out.data(values);
      else for (const [key, value] of Object.entries(values)) if (value !== null) out.result(`${key}=${value}`);
      return;
    }
    case 'get': {
      const key = checkKey(args[0]);
      if (settings.unusedConfig) throw settings.unusedConfig.problem;
      const value = shown(key, settings.config[key]);
      if (out.json) out.data({ [key]: value ?? null });
      else if (value !== undefined) out.result(value);
      else throw new UsageError(`${key} is not set.`, { code: 'NOT_SET' });
      return;
    }
    case 'set': {
      const key = checkKey(args[0]);
      const value = args[1] ?? '';
      if (key === 'api-key') {
        throw new UsageError(
          'Use `veo auth login` to store the key: a value on the command line ends up in shell history.',
        );
      }
      if (key === 'base-url') parseBaseUrl(value);
      if (!value.trim()) throw new UsageError(`The value for ${key} is empty.`);
      await writeConfig({ [key]: value }, settings.configDir);
      if (out.json) out.data({ [key]: value });
      return;
    }
    case 'unset': {
      const key = checkKey(args[0]);
      await writeConfig({ [key]: undefined }, settings.configDir);
      if (out.json) out.data({ [key]: null });
      return;
    }
    default:
      throw new UsageError(`Unknown config action "${action}".`);
  }
}

export async function run(ctx: Context, args: string[]): Promise<void> {
  const [action, ...rest] = args;
  await configCommand(ctx, action ?? '', rest);
}
