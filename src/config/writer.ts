import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_FILE, configDir } from './paths.js';
import { ensurePrivateDir, readConfig, type ConfigKey, type StoreWarning } from './store.js';

/**
 * Changes the config store through `conf` (atomic writes, file mode 0600). The file is read first with the strict
 * reader so that a damaged file stops the write instead of being replaced by an empty one.
 */
export async function writeConfig(
  changes: Partial<Record<ConfigKey, string | undefined>>,
  dir = configDir(),
): Promise<StoreWarning | undefined> {
  const warning = await ensurePrivateDir(dir);
  await readConfig(dir);
  const { default: Conf } = await import('conf');
  const store = new Conf<Record<string, string>>({
    cwd: dir,
    configName: CONFIG_FILE.replace(/\.json$/, ''),
    projectName: 'veo',
    configFileMode: 0o600,
    clearInvalidConfig: false,
  });
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) store.delete(key);
    else store.set(key, value);
  }
  // conf keeps the mode of a file that already existed; tighten it in case it was created loosely by hand.
  if (process.platform !== 'win32') await chmod(join(dir, CONFIG_FILE), 0o600);
  return warning;
}
