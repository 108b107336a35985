// The config folder holds the key and the task journal, and config.json decides where the key is sent. On a
// shared machine anything another user can write there could send the key away (a planted base-url) or steer
// writes (a planted link), so only what the user owns, and nobody else can write, is used. veo never changes the
// permissions of something it did not create: it names the problem and the fix instead.
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';

/** The uid to compare owners with; undefined where ownership is not a Unix notion (Windows). */
export function currentUid(): number | undefined {
  return process.platform === 'win32' ? undefined : process.getuid?.();
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

/** Why a file or folder others could change is not trusted, or undefined when it is the user's alone to change. */
export function untrustedBecause(info: Stats, uid = currentUid()): string | undefined {
  if (uid === undefined) return undefined;
  if (info.uid !== uid) return `it belongs to another user (uid ${info.uid}, you are ${uid})`;
  if (info.mode & 0o002) return `every user can write to it (mode ${octal(info.mode)})`;
  if (info.mode & 0o020) return `its group can write to it (mode ${octal(info.mode)})`;
  return undefined;
}

/**
 * Checks the config folder before anything is read from or written to it. A folder another user owns, or that a
 * group or every user can write to (a sticky, world-writable one such as /tmp included), is refused with exit 2:
 * the journal of paid tasks and the key would live where someone else can replace them, and environment variables
 * cannot stand in for a folder. Returns warnings for a folder that is merely readable by others.
 */
export async function checkConfigDir(dir: string): Promise<string[]> {
  const uid = currentUid();
  if (uid === undefined) return [];
  let info: Stats;
  try {
    info = await stat(dir);
  } catch {
    // Missing: it is created private (0700) by the first write. Unreadable: the read that needs it reports that.
    return [];
  }
  if (!info.isDirectory()) {
    throw new UsageError(`The config folder ${dir} is not a folder.`, {
      code: 'CONFIG_DIR_UNSAFE',
      hint: 'Set VEO_CONFIG_DIR to a folder of your own, or move that file away.',
    });
  }
  const why = untrustedBecause(info, uid);
  if (why) {
    // A folder of the user's own is fixed by a chmod, even an open one like a /tmp lookalike; someone else's is not.
    const yours = info.uid === uid;
    throw new UsageError(
      `Refusing the config folder ${dir}: ${why}, and it holds the API key and the task journal. veo leaves its permissions as they are.`,
      {
        code: 'CONFIG_DIR_UNSAFE',
        hint: yours
          ? `Run \`chmod 700 ${dir}\`, or set VEO_CONFIG_DIR to a private folder.`
          : 'Set VEO_CONFIG_DIR to a folder of your own (for example mkdir -m 700 ~/.config/veo).',
      },
    );
  }
  if (info.mode & 0o077) {
    return [
      `The config folder ${dir} can be read by other users (mode ${octal(info.mode)}); run \`chmod 700 ${dir}\`.`,
    ];
  }
  return [];
}
