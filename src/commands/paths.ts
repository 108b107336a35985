import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Context } from '../context.js';

export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/** The default file of a task: `<output-dir>/<id>.mp4`. The id is validated hex, so it cannot leave the folder. */
export async function defaultVideoPath(ctx: Context, id: string, dir?: string): Promise<string> {
  const settings = await ctx.settings();
  return resolve(expandHome(dir ?? settings.outputDir.value), `${id}.mp4`);
}
