import { writeConfig } from '../config/writer.js';
import type { Context } from '../context.js';

export async function authLogout(ctx: Context): Promise<void> {
  const settings = await ctx.settings();
  const had = settings.config['api-key'] !== undefined;
  if (had) await writeConfig({ 'api-key': undefined }, settings.configDir);
  if (ctx.out.json) ctx.out.data({ removed: had });
  else ctx.out.info(had ? 'Removed the stored key.' : 'No key was stored.');
  if (ctx.env.GPTUNNEL_API_KEY) ctx.out.warn('GPTUNNEL_API_KEY is still set in the environment.');
}

export async function run(ctx: Context): Promise<void> {
  await authLogout(ctx);
}
