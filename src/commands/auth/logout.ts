import { writeConfig } from '../../config/writer.js';
import type { Context } from '../../context.js';

export async function authLogout(ctx: Context): Promise<void> {
  const settings = await ctx.settings();
  // A stored file that cannot be used may still hold a key: removing it is the writer's job, which refuses such a
  // file with the reason and the fix.
  if (settings.unusedConfig) await writeConfig({ 'api-key': undefined }, settings.configDir);
  const had = settings.config['api-key'] !== undefined;
  if (had) await writeConfig({ 'api-key': undefined }, settings.configDir);
  if (ctx.out.json) ctx.out.data({ removed: had });
  else ctx.out.info(had ? 'Removed the stored key.' : 'No key was stored.');
  if (ctx.env.GPTUNNEL_API_KEY) ctx.out.warn('GPTUNNEL_API_KEY is still set in the environment.');
}

export async function run(ctx: Context): Promise<void> {
  await authLogout(ctx);
}
