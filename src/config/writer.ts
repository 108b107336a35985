import { PRIVATE_FILE_MODE } from '../store/private-files.js';
import { CONFIG_FILE, configDir } from './paths.js';
import { ensurePrivateDir, readConfig, type ConfigKey } from './store.js';
import { checkConfigDir } from './trust.js';

/**
 * Changes the config store through `conf` (atomic writes: a new file of mode 0600 renamed over the old one). The
 * folder and the file are checked first with the strict reader, so that a damaged, foreign, shared or linked file
 * stops the write instead of being replaced or written through.
 */
export async function writeConfig(
  changes: Partial<Record<ConfigKey, string | undefined>>,
  dir = configDir(),
): Promise<void> {
  await checkConfigDir(dir);
  await ensurePrivateDir(dir);
  await readConfig(dir);
  const { default: Conf } = await import('conf');
  const store = new Conf<Record<string, string>>({
    cwd: dir,
    configName: CONFIG_FILE.replace(/\.json$/, ''),
    projectName: 'veo',
    configFileMode: PRIVATE_FILE_MODE,
    clearInvalidConfig: false,
    // Keys are flat names: budget.daily is one key, not a daily field inside a budget object.
    accessPropertiesByDotNotation: false,
  });
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) store.delete(key);
    else store.set(key, value);
  }
}
