// A validator for the part of JSON Schema (2020-12) that docs/events-v1.schema.json uses: type (one or a list),
// const, enum, pattern, minimum, properties, required, oneOf and local $ref. Any other keyword is refused, so that
// the schema cannot grow a rule this checker would silently skip.

export type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  '$defs',
  'title',
  'description',
  'type',
  'const',
  'enum',
  'pattern',
  'minimum',
  'properties',
  'required',
  'oneOf',
  '$ref',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function fitsType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

export interface Options {
  /** Also refuse properties the schema does not declare (a stricter check than the schema's own). */
  strict?: boolean;
}

/** The problems of `value` against `schema` (empty when it is valid), each with the JSON path it is at. */
export function validate(
  value: unknown,
  schema: Schema,
  root: Schema = schema,
  options: Options = {},
  at = '$',
): string[] {
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN.has(keyword)) throw new Error(`the validator does not know the keyword ${keyword} (at ${at})`);
  }
  if (typeof schema.$ref === 'string') {
    const match = /^#\/\$defs\/([^/]+)$/.exec(schema.$ref);
    const defs = root.$defs as Record<string, Schema> | undefined;
    const target = match?.[1] === undefined ? undefined : defs?.[match[1]];
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    return validate(value, target, root, options, at);
  }
  if (Array.isArray(schema.oneOf)) {
    const fits = (schema.oneOf as Schema[]).filter((option) => validate(value, option, root, options, at).length === 0);
    if (fits.length !== 1) {
      // The nearest option's problems say more than "none matched": the one whose `type` const fits.
      const type = (value as { type?: unknown } | null)?.type;
      const near = (schema.oneOf as Schema[]).find((option) => {
        const resolved = option.$ref
          ? (root.$defs as Record<string, Schema>)[String(option.$ref).split('/').pop()!]
          : option;
        return (resolved?.properties as Record<string, Schema> | undefined)?.type?.const === type;
      });
      return fits.length === 0
        ? [`${at}: matches no option${near ? `: ${validate(value, near, root, options, at).join('; ')}` : ''}`]
        : [`${at}: matches ${fits.length} options`];
    }
  }
  const problems: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => fitsType(value, type))) {
      return [`${at}: ${JSON.stringify(value)} is not of type ${types.join('|')}`];
    }
  }
  if ('const' in schema && JSON.stringify(value) !== JSON.stringify(schema.const)) {
    problems.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
    problems.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) {
    problems.push(`${at}: ${value} is below ${schema.minimum}`);
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in object)) problems.push(`${at}: ${name} is missing`);
    }
    for (const [name, item] of Object.entries(object)) {
      const property = properties[name];
      if (property) problems.push(...validate(item, property, root, options, `${at}.${name}`));
      else if (options.strict && schema.properties) problems.push(`${at}: ${name} is not declared`);
    }
  }
  return problems;
}
