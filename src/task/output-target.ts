import { errnoWords } from '../core/errno-words.js';
import { randomBytes } from 'node:crypto';
import { open, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { checkTarget, errnoOf, makeFolder, NEW_FILE } from '../api/local-files.js';
import type { Context } from '../context.js';
import { hasFields, type TemplateValues } from './name-template.js';
import {
  dependsOnTask,
  expandHome,
  finalName,
  nameOf,
  nameTemplateSetting,
  planNames,
  planOutputTemplate,
  type NamePlan,
} from './output-names.js';

export { expandHome } from './output-names.js';

/** The names of a task's video in `dir` (else output-dir): the output-template setting below it. */
export async function defaultNamePlan(ctx: Context, dir?: string): Promise<NamePlan> {
  const settings = await ctx.settings();
  return planNames(dir ?? settings.outputDir.value, await nameTemplateSetting(ctx));
}

/** The default file of a task: `<output-dir>/<output-template>`, by default `<id>.mp4`. */
export async function defaultVideoPath(ctx: Context, values: TemplateValues, dir?: string): Promise<string> {
  return finalName(await defaultNamePlan(ctx, dir), values);
}

/**
 * Where `-o` asked the video to go: stdout, a file, or names from a template: a folder gets the output-template
 * setting's names, and an `-o` with fields is a template itself.
 */
export type OutputTarget = { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'names'; plan: NamePlan };

/**
 * Reads `-o` once, before anything is paid for or waited on: a binary video is never written to a terminal, a
 * folder (existing, or written with a trailing slash) receives `<id>.mp4`, and the place must be writable.
 */
export async function planOutput(
  ctx: Context,
  output: string,
  force: boolean,
  known?: TemplateValues,
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
  if (hasFields(output)) return planNamed(planOutputTemplate(output), force, known);
  const path = resolve(expandHome(output));
  const isFolder =
    /[/\\]$/.test(output) ||
    (await stat(path).then(
      (info) => info.isDirectory(),
      () => false,
    ));
  if (isFolder) return planNamed(planNames(path, await nameTemplateSetting(ctx)), force, known);
  // Before anything is paid for: an existing file without --force, and anything but a regular file even with it.
  await checkTarget(path, force);
  await probeWritable(dirname(path));
  return { kind: 'file', path };
}

/**
 * A name that holds no field known only after the create (id, time) is checked now, before paying, as a plain
 * `-o` file is; one that does is checked when the video is saved (a file in the way then ends like any other).
 */
async function planNamed(plan: NamePlan, force: boolean, known?: TemplateValues): Promise<OutputTarget> {
  if (known && !dependsOnTask(plan)) {
    const name = nameOf(plan, { ...known, created: known.created ?? new Date() });
    if (name.ok) {
      await checkTarget(name.path, force);
      await probeWritable(dirname(name.path));
      return { kind: 'names', plan };
    }
  }
  await probeWritable(plan.root);
  return { kind: 'names', plan };
}

/** Where one video goes once its name is known: a folder target has become a file. */
export type Destination = { kind: 'stdout' } | { kind: 'file'; path: string };

/**
 * `name` is used only for a template target: the clip's values, or a sanitised file name (never a path) put in
 * the template's folder.
 */
export function destinationOf(target: OutputTarget, name: TemplateValues | string): Destination {
  if (target.kind !== 'names') return target;
  if (typeof name === 'string') return { kind: 'file', path: join(target.plan.root, name) };
  return { kind: 'file', path: finalName(target.plan, name) };
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
