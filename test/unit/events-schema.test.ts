import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventLine, type StreamEvent } from '../../src/task/event-line.js';
import { ROOT } from '../helpers/cli.js';
import { validate, type Schema } from '../helpers/json-schema.js';

const schema = JSON.parse(await readFile(join(ROOT, 'docs', 'events-v1.schema.json'), 'utf8')) as Schema;
const readme = await readFile(join(ROOT, 'README.md'), 'utf8');

/** The README's "Event stream" subsection, up to the next heading. */
function section(): string {
  const start = readme.indexOf('\n### Event stream\n');
  assert.ok(start >= 0, 'README has an "Event stream" subsection');
  const end = readme.indexOf('\n#', start + 1);
  return readme.slice(start, end);
}

/** Type -> its own fields, from the README's table: backticked names in the first two columns. */
function readmeTable(): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const row of section().split('\n')) {
    const cells = /^\| `([a-z]+)` \| ([^|]*) \|/.exec(row);
    if (!cells) continue;
    table.set(
      cells[1] ?? '',
      [...(cells[2] ?? '').matchAll(/`([A-Za-z0-9]+)`/g)].map((m) => m[1] ?? ''),
    );
  }
  return table;
}

const COMMON = ['v', 'type', 'time', 'id'];

/** Type -> its own fields, from the schema: every property of the type but the common ones. */
function schemaTable(): Map<string, string[]> {
  const defs = schema.$defs as Record<string, { properties: Record<string, { const?: string }>; required: string[] }>;
  const table = new Map<string, string[]>();
  for (const option of schema.oneOf as { $ref: string }[]) {
    const name = option.$ref.split('/').pop() ?? '';
    const def = defs[name];
    assert.ok(def, option.$ref);
    assert.equal(def.properties.type?.const, name, `${name}: its type is its name`);
    assert.deepEqual(def.required, Object.keys(def.properties), `${name}: every field is always present`);
    const fields = Object.keys(def.properties);
    assert.deepEqual(fields.slice(0, 4), COMMON, `${name}: the common fields come first`);
    table.set(name, fields.slice(4));
  }
  return table;
}

describe('the event stream schema', () => {
  it('the README table and docs/events-v1.schema.json name the same types and fields, in the same order', () => {
    const documented = readmeTable();
    assert.ok(documented.size >= 10, `the table has a row per type: ${[...documented.keys()].join(', ')}`);
    assert.deepEqual(documented, schemaTable());
  });

  it('the README example lines are valid events', () => {
    const lines = section()
      .split('\n')
      .filter((line) => line.startsWith('{"v":1'));
    assert.ok(lines.length >= 3);
    for (const line of lines) assert.deepEqual(validate(JSON.parse(line), schema, schema, { strict: true }), [], line);
  });

  it('every type veo writes is valid, with the key redacted and no raw control character', () => {
    const key = 'shds-unit-key-0123456789';
    const redact = (text: string) => text.split(key).join('shds-…6789');
    const id = '6817aa51c3e2f40a1b9d0e77';
    const events: StreamEvent[] = [
      { type: 'created', id, model: 'glabs-veo-3-1-fast', prompt: `a\u0007bell\nand ${key}\u2028` },
      { type: 'status', id, status: 'processing' },
      { type: 'retry', what: 'poll', attempt: 2, delayMs: 1000.4, error: `HTTP 500 ${key}` },
      { type: 'progress', id, bytes: 10 },
      { type: 'saved', id, path: '/p', url: 'https://x/y', bytes: 1, sha256: 'a'.repeat(64), alreadySaved: false },
      { type: 'failed', code: 'X', message: 'm', exitCode: 6 },
      { type: 'failed', id, code: 'HOOK_FAILED', message: 'm', exitCode: 10, path: '/p' },
      { type: 'expiring', id, expiresAt: new Date(0).toISOString() },
      { type: 'item', line: 3, outcome: 'saved', prompt: 'p' },
      { type: 'item', outcome: 'running' },
      { type: 'result', data: { note: key } },
      { type: 'end', command: 'create', exitCode: 0 },
    ];
    assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), [...schemaTable().keys()].sort());
    for (const event of events) {
      const line = eventLine(event, redact);
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), line);
      // eslint-disable-next-line no-control-regex -- raw control characters are what must not be there
      assert.doesNotMatch(line.slice(0, -1), /[\u0000-\u001f\u2028\u2029]/u, 'only the final newline');
      assert.ok(!line.includes(key), line);
      assert.deepEqual(validate(JSON.parse(line), schema, schema, { strict: true }), [], line);
    }
  });

  it('the validator refuses what the schema does not allow', () => {
    const good = { v: 1, type: 'end', time: '2026-05-04T09:13:13.705Z', id: null, command: 'wait', exitCode: 0 };
    assert.deepEqual(validate(good, schema), []);
    const bad: Record<string, unknown>[] = [
      { ...good, v: 2 },
      { ...good, time: '2026-05-04 09:13' },
      { ...good, exitCode: '0' },
      { ...good, id: 'nope' },
      { ...good, type: 'unknown' },
      Object.fromEntries(Object.entries(good).filter(([name]) => name !== 'command')),
    ];
    for (const value of bad) assert.notDeepEqual(validate(value, schema), [], JSON.stringify(value));
    assert.deepEqual(validate({ ...good, extra: 1 }, schema), [], 'readers accept new fields');
    assert.notDeepEqual(
      validate({ ...good, extra: 1 }, schema, schema, { strict: true }),
      [],
      'our own lines add none',
    );
  });
});
