// `--open`: the page in the user's browser, through what the system uses to open a file. Opening is a courtesy:
// the page is written whatever happens here, so a system without an opener only gets a warning.
import { spawn } from 'node:child_process';

function opener(path: string, platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [path] };
  // start's first quoted argument is a window title; the empty one keeps a quoted path from being taken for it.
  if (platform === 'win32') return { command: 'cmd', args: ['/d', '/s', '/c', 'start', '""', `"${path}"`] };
  return { command: 'xdg-open', args: [path] };
}

/**
 * Starts the opener and returns once it has started (or failed to), not when it ends: some openers stay until the
 * browser is closed. The opener is detached so that it outlives veo.
 */
export function openPage(path: string, platform = process.platform): Promise<{ opened: true } | { error: string }> {
  const { command, args } = opener(path, platform);
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      detached: true,
      stdio: 'ignore',
      windowsVerbatimArguments: platform === 'win32',
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code === 'ENOENT' ? `${command} was not found` : `${command}: ${error.message}` }),
    );
    child.once('spawn', () => {
      child.unref();
      resolve({ opened: true });
    });
  });
}
