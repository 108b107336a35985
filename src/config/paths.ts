import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the settings and the task journal live: VEO_CONFIG_DIR, else the platform's config folder for `veo`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VEO_CONFIG_DIR) return env.VEO_CONFIG_DIR;
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'veo', 'Config');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Preferences', 'veo');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'veo');
}

export const CONFIG_FILE = 'config.json';
