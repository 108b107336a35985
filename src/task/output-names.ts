// Where a templated output goes: a fixed folder (the leading part of the path that holds no field, the one the
// user chose) and a template below it. Every name a template gives is checked to stay inside that folder.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Context } from '../context.js';
import { homedir } from 'node:os';
import {
  DEFAULT_TEMPLATE,
  fieldsOf,
  hasFields,
  parseTemplate,
  renderTemplate,
  type Template,
  type TemplateField,
  type TemplateValues,
} from './name-template.js';

export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

export interface NamePlan {
  /** Absolute: the folder no name may leave. */
  root: string;
  /** Below `root`. */
  template: Template;
}

/** True when `path` is inside `dir` (and is not `dir` itself). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** The name template of the settings: `output-template`, else `{id}.{ext}`. */
export async function nameTemplateSetting(ctx: Context): Promise<string> {
  const settings = await ctx.settings();
  return settings.config['output-template'] ?? DEFAULT_TEMPLATE;
}

/**
 * Splits `<folder>/<name>` where the leading parts without a field are the fixed folder. A `..` among the templated
 * parts is refused: only the fixed folder may say where files go.
 */
export function planNames(folder: string, name: string): NamePlan {
  const parts = expandHome(folder).split(/[/\\]/);
  let fixed = 0;
  while (fixed < parts.length && !hasFields(parts[fixed] as string)) fixed++;
  const rootText = parts.slice(0, fixed).join('/');
  const root = resolve(rootText === '' && folder.startsWith('/') ? '/' : rootText || '.');
  const rest = [...parts.slice(fixed), name].filter((part) => part !== '' && part !== '.').join('/');
  const template = parseTemplate(rest);
  if (rest.split(/[/\\]/).some((part) => part === '..')) {
    throw new UsageError(`The output template ${rest} climbs out of its folder with "..".`, {
      code: 'BAD_TEMPLATE',
      hint: 'Put ".." only before the first field, in the folder part.',
    });
  }
  return { root, template };
}

/** `-o` with fields: its last part is the name, the rest the folder. */
export function planOutputTemplate(output: string): NamePlan {
  const expanded = expandHome(output);
  const cut = Math.max(expanded.lastIndexOf('/'), expanded.lastIndexOf('\\'));
  return planNames(cut < 0 ? '.' : expanded.slice(0, cut) || '/', expanded.slice(cut + 1));
}

/** What the journal knows of a task, as template values. */
export function valuesOfEntry(
  id: string,
  entry:
    | {
        prompt?: string;
        model?: string;
        createdAt?: string;
        params?: { ar?: string };
        batch?: { line?: number; variant?: number; choices?: string[] };
      }
    | undefined,
): TemplateValues {
  const created = entry?.createdAt ? new Date(entry.createdAt) : new Date();
  return {
    id,
    created,
    prompt: entry?.prompt ?? '',
    model: entry?.model ?? 'unknown-model',
    ...(entry?.params?.ar ? { ar: entry.params.ar } : {}),
    ...(entry?.batch?.line ? { n: entry.batch.line } : {}),
    ...(entry?.batch?.variant ? { variant: entry.batch.variant } : {}),
    ...(entry?.batch?.choices ? { choices: entry.batch.choices } : {}),
  };
}

export type NameResult = { ok: true; path: string } | { ok: false; missing: TemplateField[] };

export function nameOf(plan: NamePlan, values: TemplateValues): NameResult {
  const rendered = renderTemplate(plan.template, values);
  if (!rendered.ok) return rendered;
  const path = join(plan.root, rendered.path);
  // Fields cannot hold a separator; this holds whatever the template's text says.
  if (!isInside(plan.root, path)) {
    throw new UsageError(`The output template ${plan.template.source} gives a path outside ${plan.root}.`, {
      code: 'BAD_TEMPLATE',
    });
  }
  return { ok: true, path };
}

/** The path once everything is known (after the create): a field still unknown is a bug. */
export function finalName(plan: NamePlan, values: TemplateValues): string {
  const result = nameOf(plan, values);
  if (!result.ok) throw new Error(`template fields without a value: ${result.missing.join(', ')}`);
  return result.path;
}

/** Fields known only once the task exists: a name holding them cannot be checked before paying. */
export function dependsOnTask(plan: NamePlan): boolean {
  const fields = fieldsOf(plan.template);
  return fields.has('id') || fields.has('time');
}
