import { maskApiKey } from '../../api/key.js';
import type { Context } from '../../context.js';
import { describeKey, requireApiKey } from '../../settings.js';

/** Where the key comes from, masked; exit 3 when there is none. Nothing is sent to the API. */
export async function authStatus(ctx: Context): Promise<void> {
  const settings = await ctx.settings();
  const key = requireApiKey(settings);
  const source = settings.apiKey?.source;
  if (ctx.out.json) {
    ctx.out.data({ key: maskApiKey(key), source, baseUrl: settings.baseUrl.value, configDir: settings.configDir });
    return;
  }
  ctx.out.result(`key      ${settings.apiKey ? describeKey(settings.apiKey) : ''}`);
  ctx.out.result(`api      ${settings.baseUrl.value} (${settings.baseUrl.source})`);
}

export async function run(ctx: Context): Promise<void> {
  await authStatus(ctx);
}
