import type { Issue } from './api-codes.js';
import { MODELS, VEO_ASPECT_RATIOS, findModel, isVeoModel } from './models.js';

export interface CreateInput {
  model: string;
  prompt: string;
  ar: string | null;
  images: string[];
}

type Path = (string | number)[];

/** zod's names for what it received, which is what its messages print. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function invalidType(path: Path, expected: string, value: unknown): Issue {
  return {
    code: 'invalid_type',
    path,
    expected,
    message: `Invalid input: expected ${expected}, received ${typeName(value)}`,
  };
}

function requiredText(issues: Issue[], body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (typeof value !== 'string') {
    issues.push(invalidType([field], 'string', value));
    return undefined;
  }
  if (value === '') {
    issues.push({
      code: 'too_small',
      path: [field],
      expected: 'string',
      origin: 'string',
      minimum: 1,
      inclusive: true,
      message: 'Too small: expected string to have >=1 characters',
    });
    return undefined;
  }
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Parses a create body the way the service's schema does: every problem reported at once, in `issues`. */
export function validateCreate(rawBody: string): { input: CreateInput } | { issues: Issue[] } {
  let parsed: unknown;
  try {
    parsed = rawBody.trim() === '' ? undefined : JSON.parse(rawBody);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { issues: [invalidType([], 'object', parsed)] };
  }
  const body = parsed as Record<string, unknown>;
  const issues: Issue[] = [];

  const model = requiredText(issues, body, 'model');
  if (model !== undefined && !findModel(model)) {
    issues.push({
      code: 'invalid_value',
      path: ['model'],
      expected: 'a model id listed by /v1/media/models',
      values: MODELS.map((entry) => entry.id),
      message: `Invalid option: unknown model "${model}"`,
    });
  }
  const prompt = requiredText(issues, body, 'prompt');

  let ar: string | null = null;
  if (body.ar !== undefined) {
    if (typeof body.ar !== 'string') {
      issues.push(invalidType(['ar'], 'string', body.ar));
    } else if (model !== undefined && isVeoModel(model) && !VEO_ASPECT_RATIOS.includes(body.ar)) {
      const options = VEO_ASPECT_RATIOS.map((value) => JSON.stringify(value)).join('|');
      issues.push({
        code: 'invalid_value',
        path: ['ar'],
        expected: options,
        values: [...VEO_ASPECT_RATIOS],
        message: `Invalid option: expected one of ${options}`,
      });
    } else {
      ar = body.ar;
    }
  }

  const images: string[] = [];
  if (body.images !== undefined) {
    if (!Array.isArray(body.images)) {
      issues.push(invalidType(['images'], 'array', body.images));
    } else {
      if (body.images.length > 1) {
        issues.push({
          code: 'too_big',
          path: ['images'],
          expected: 'array',
          origin: 'array',
          maximum: 1,
          inclusive: true,
          message: 'Too big: expected array to have <=1 items',
        });
      }
      body.images.forEach((image: unknown, index: number) => {
        if (typeof image !== 'string') {
          issues.push(invalidType(['images', index], 'string', image));
        } else if (!isHttpUrl(image)) {
          issues.push({
            code: 'invalid_format',
            path: ['images', index],
            expected: 'http(s) URL',
            format: 'url',
            message: 'Invalid URL',
          });
        } else {
          images.push(image);
        }
      });
    }
  }

  if (issues.length > 0 || model === undefined || prompt === undefined) return { issues };
  return { input: { model, prompt, ar, images } };
}
