import { errnoWords } from '../core/errno-words.js';
import { randomBytes } from 'node:crypto';
import { open, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { checkTarget, errnoOf, makeFolder, NEW_FILE } from '../api/local-files.js';
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

/** Where `-o` asked the video to go: stdout, a file, or a folder that gets `<id>.mp4`. */
export type OutputTarget = { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'folder'; dir: string };

/**
 * Reads `-o` once, before anything is paid for or waited on: a binary video is never written to a terminal, a
 * folder (existing, or written with a trailing slash) receives `<id>.mp4`, and the place must be writable.
 */
export async function planOutput(
  ctx: Context,
  output: string,
  force: boolean,
  /** The command as typed up to -o (`veo download 684e…`), for a hint that can be pasted as it is. */
  command?: string,
): Promise<OutputTarget> {
  if (output === '-') {
    if (ctx.out.streams.stdout.isTTY) {
      throw new UsageError('Refusing to write a binary video to the terminal.', {
        hint: command
          ? `Redirect or pipe it (${command} -o - > clip.mp4), or give a file name with -o.`
          : 'Redirect or pipe it (add > clip.mp4 to the command), or give a file name with -o.',
      });
    }
    return { kind: 'stdout' };
  }
  const path = resolve(expandHome(output));
  const isFolder =
    /[/\\]$/.test(output) ||
    (await stat(path).then(
      (info) => info.isDirectory(),
      () => false,
    ));
  const target: OutputTarget = isFolder ? { kind: 'folder', dir: path } : { kind: 'file', path };
  // Before anything is paid for: an existing file without --force, and anything but a regular file even with it.
  if (target.kind === 'file') await checkTarget(path, force);
  await probeWritable(isFolder ? path : dirname(path));
  return target;
}

/** Where one video goes once its name is known: a folder target has become a file. */
export type Destination = { kind: 'stdout' } | { kind: 'file'; path: string };

/** `fileName` is used only for a folder target; it is a validated id or a sanitised name, never a path. */
export function destinationOf(target: OutputTarget, fileName: string): Destination {
  if (target.kind === 'folder') return { kind: 'file', path: join(target.dir, fileName) };
  return target;
}

/** The destination as `-o` spells it, for the hints that repeat a command: a path, or `-` for stdout. */
export function outputArgument(destination: Destination): string {
  return destination.kind === 'stdout' ? '-' : destination.path;
}

/**
 * Creating and removing a file is the only check that holds everywhere (read-only mounts, /proc, root). The probe
 * is created exclusively and without following links, so it can only ever remove a file it made itself; a name
 * already taken (planted, or left by a killed veo of the same pid) is never touched, another name is tried.
 */
export async function probeWritable(dir: string): Promise<void> {
  try {
    await makeFolder(dir);
    for (let attempt = 0; ; attempt++) {
      const suffix = attempt === 0 ? `${process.pid}` : `${process.pid}-${randomBytes(4).toString('hex')}`;
      const probe = join(dir, `.veo-write-check-${suffix}`);
      let handle;
      try {
        handle = await open(probe, NEW_FILE, 0o600);
      } catch (error) {
        if (errnoOf(error) === 'EEXIST' && attempt < 5) continue;
        throw error;
      }
      await handle.close();
      await unlink(probe);
      return;
    }
  } catch (error) {
    throw await notWritable(dir, error);
  }
}

/**
 * Names what could not be made (a file in a folder that exists, or the folder itself) and the real reason: a
 * system folder such as /proc answers "no such file" to a new name, which must not read as a missing folder.
 */
async function notWritable(dir: string, error: unknown): Promise<UsageError> {
  const isFolder = (path: string) =>
    stat(path).then(
      (info) => info.isDirectory(),
      () => false,
    );
  const code = errnoOf(error);
  const exists = await isFolder(dir);
  const where = exists ? dir : dirname(dir);
  // mkdir answers EEXIST when a part of the path is a file rather than a folder.
  const why =
    code === 'EEXIST'
      ? errnoWords({ code: 'ENOTDIR' })
      : code === 'ENOENT' && (exists || (await isFolder(where)))
        ? `${exists ? 'it' : where} does not accept new files or folders (the system answered "no such file", as system folders such as /proc do)`
        : errnoWords(error);
  return new UsageError(`${exists ? `Cannot create a file in ${dir}` : `Cannot create the folder ${dir}`}: ${why}.`, {
    code: 'OUTPUT_NOT_WRITABLE',
    cause: error,
    hint: 'Choose a folder you can write to with -o; nothing was sent.',
  });
}
