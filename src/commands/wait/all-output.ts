// Where `veo wait --all -o` saves: a folder (made if missing, as `batch --dir` and `sync --dir` do) whose clips are
// named by the output-template setting, or a template with fields; never stdout or one file for several clips.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { Context } from '../../context.js';
import { hasFields } from '../../task/name-template.js';
import {
  dependsOnTask,
  expandHome,
  nameTemplateSetting,
  planNames,
  planOutputTemplate,
  type NamePlan,
} from '../../task/output-names.js';
import { probeWritable } from '../../task/output-target.js';

const FOLDER_HINT = 'Give a folder (it is made if missing), e.g. `veo wait --all -o clips/`.';

export async function planFolder(ctx: Context, output: string): Promise<NamePlan> {
  if (output === '-') {
    throw new UsageError('--all saves several videos: -o names a folder, not stdout.', { hint: FOLDER_HINT });
  }
  if (hasFields(output)) {
    const plan = planOutputTemplate(output);
    // Several clips under one name would have all but the first refused (or, with --force, overwritten).
    if (!dependsOnTask(plan)) {
      throw new UsageError(`With --all every clip would get the same name from ${output}.`, {
        code: 'BAD_TEMPLATE',
        hint: 'Put {id} in the name, e.g. `-o "clips/{slug:40}-{id}.{ext}"`, or give a folder.',
      });
    }
    await probeWritable(plan.root);
    return plan;
  }
  const path = resolve(expandHome(output));
  const info = await stat(path).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new UsageError(`--all saves several videos: -o names a folder, and ${output} is a file.`, {
      hint: FOLDER_HINT,
    });
  }
  await probeWritable(path);
  return planNames(path, await nameTemplateSetting(ctx));
}
