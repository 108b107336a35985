import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretCreateAnswer } from '../../src/api/answers.js';
import {
  DEPTH_MARKER,
  MAX_ANSWER_DEPTH,
  boundDepth,
  salvageTaskId,
  type AnswerNote,
} from '../../src/api/task-answer.js';
import { entryFromTask } from '../../src/task/journal-record.js';
import { Journal } from '../../src/store/journal.js';
import { checkPatch } from '../../src/store/journal-format.js';
import { AnswerGen } from '../helpers/answer-gen.js';
import { tempDir } from '../helpers/journal-fixtures.js';

// eslint-disable-next-line no-control-regex -- raw control characters are exactly what a note must never carry
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const CASES = 600;
const answer = (text: string, status = 200) => ({ status, headers: {}, text });

function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}

describe('create answers with random members (property)', () => {
  it(`${CASES} random answers: the id survives parsing, printing and journaling, and nothing throws`, () => {
    const gen = new AnswerGen(20261129, { maxString: 100_000, maxDepth: 50_000 });
    let noted = 0;
    for (let n = 0; n < CASES; n++) {
      const id = gen.hex(24);
      const text = gen.answerText(id);
      const notes: AnswerNote[] = [];
      const task = interpretCreateAnswer(answer(text, gen.pick([200, 200, 200, 500, 429])), (note) => notes.push(note));
      const replay = `case ${n} (seed 20261129): ${text.slice(0, 300)}`;
      assert.equal(task.id, id, replay);
      assert.equal(typeof task.status, 'string', replay);
      const printed = JSON.parse(JSON.stringify(task, null, 2)) as Record<string, unknown>;
      assert.equal(printed.id, id, replay);
      assert.ok(depthOf(task) <= MAX_ANSWER_DEPTH, replay);
      const entry = entryFromTask(task);
      assert.equal(entry.id, id, replay);
      const checked = checkPatch({ ...entry, at: 0, model: 'glabs-veo-3-1-fast', prompt: 'a fox', params: {} });
      assert.ok(!('problem' in checked), `${replay}: ${'problem' in checked ? checked.problem : ''}`);
      for (const note of notes) {
        assert.ok(!CONTROL.test(note.message), `${replay}: a note carries a control character: ${note.message}`);
        assert.equal(note.taskId, id, replay);
      }
      noted += notes.length > 0 ? 1 : 0;
    }
    // The generator must really reach the odd cases, or the property says little.
    assert.ok(noted > CASES / 3, `only ${noted} of ${CASES} answers were odd`);
  });

  it('a sample of them journaled for real: each id is found again with a valid creation time', async (t) => {
    const dir = await tempDir(t);
    const journal = new Journal(dir);
    const gen = new AnswerGen(7, { maxString: 20_000, maxDepth: 5_000 });
    const ids: string[] = [];
    for (let n = 0; n < 80; n++) {
      const id = `6b0c${gen.hex(20)}`;
      const task = interpretCreateAnswer(answer(gen.answerText(id)));
      await journal.record({ ...entryFromTask(task), model: 'glabs-veo-3-1-fast', prompt: `case ${n}`, params: {} });
      ids.push(id);
    }
    const { entries, damaged } = await journal.load();
    assert.deepEqual(damaged, []);
    for (const id of ids) {
      const entry = entries.find((e) => e.id === id);
      assert.ok(entry, `task ${id} is in the journal`);
      assert.ok(Number.isFinite(Date.parse(entry.createdAt ?? '')), `${id}: createdAt ${entry.createdAt}`);
    }
  });

  it('the ones the issue names: created_at 1e16 and a member nested 200,000 levels deep', () => {
    const id = '6b0c60219c895954bf46c15c';
    const absurd = interpretCreateAnswer(answer(`{"code":0,"id":"${id}","created_at":1e16,"status":"idle"}`));
    assert.equal(absurd.created_at, 1e16, 'kept as the API sent it');
    assert.equal(entryFromTask(absurd).createdAt, new Date(0x6b0c6021 * 1000).toISOString(), "the id's time");

    const depth = 200_000;
    const notes: AnswerNote[] = [];
    const deep = interpretCreateAnswer(
      answer(`{"code":0,"id":"${id}","status":"idle","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`),
      (note) => notes.push(note),
    );
    const printed = JSON.stringify(deep);
    assert.ok(printed.includes(JSON.stringify(DEPTH_MARKER)));
    assert.deepEqual(
      notes.map((note) => note.code),
      ['ANSWER_TOO_DEEP'],
    );
    assert.match(notes[0]!.message, /under "extra"/);
  });

  it('an error code, a wrong HTTP status or a missing status do not outweigh a valid id', () => {
    const id = '6b0c60219c895954bf46c15c';
    const notes: AnswerNote[] = [];
    const task = interpretCreateAnswer(answer(`{"code":5,"message":"no money","id":"${id}"}`, 502), (note) =>
      notes.push(note),
    );
    assert.equal(task.id, id);
    assert.equal(task.code, 0);
    assert.equal(task.status, 'unknown');
    assert.equal(task.message, 'no money');
    assert.deepEqual(notes.map((note) => note.code).sort(), ['ANSWER_CODE_WITH_ID', 'ANSWER_FIELD_IGNORED']);
  });

  it('a missing code is one of the fields set aside, not a code beside the id', () => {
    const notes: AnswerNote[] = [];
    interpretCreateAnswer(answer('{"id":"6b0c60219c895954bf46c15c","status":"idle"}'), (note) => notes.push(note));
    assert.deepEqual(
      notes.map((note) => note.message),
      [
        'The create answer for task 6b0c60219c895954bf46c15c has fields veo cannot use: code (missing). The task is kept.',
      ],
    );
  });

  it('without a valid id a create answer is judged as before', () => {
    assert.throws(() => interpretCreateAnswer(answer('{"code":0,"id":"xyz","status":"idle"}')), /unexpected shape/);
    assert.throws(() => interpretCreateAnswer(answer('{"code":5,"message":"x"}')), /Insufficient balance/);
    assert.throws(() => interpretCreateAnswer(answer('{"code":0,"id":')), /not JSON/);
  });

  it('"__proto__" and friends stay plain members', () => {
    const id = '6b0c60219c895954bf46c15c';
    const task = interpretCreateAnswer(
      answer(
        `{"id":"${id}","code":0,"status":"idle","__proto__":{"polluted":1},"x":${'['.repeat(100)}${']'.repeat(100)}}`,
      ),
    );
    assert.equal(Object.getPrototypeOf(task), Object.prototype);
    assert.equal((task as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(task)).__proto__, { polluted: 1 });
  });

  it('a body cut short (over the size limit) still gives up the id among the outermost members', () => {
    const id = '6b0c60219c895954bf46c15c';
    const cut = `{"code":0,"id":"${id}","prompt":"${'x'.repeat(1000)}`;
    const notes: AnswerNote[] = [];
    const task = interpretCreateAnswer(answer(cut), (note) => notes.push(note));
    assert.equal(task.id, id);
    assert.equal(notes[0]?.code, 'ANSWER_NOT_JSON');
    assert.equal(salvageTaskId(`{"a":{"id":"${id}"},"b":"`), undefined, 'a nested id is not the task id');
    assert.equal(salvageTaskId(`{"a":"\\"id\\":\\"${id}\\"","b":`), undefined, 'nor an id inside a string');
    assert.equal(salvageTaskId(`{"id":"${id}","id":"${'a'.repeat(24)}","b":`), undefined, 'nor one of two');
    assert.equal(salvageTaskId(`<html>{"id":"${id}"}`), undefined);
  });

  it('boundDepth leaves shallow values untouched and copies deep ones without recursion', () => {
    const shallow = { a: [1, { b: 2 }] };
    assert.equal(boundDepth(shallow).value, shallow);
    const deep = JSON.parse(`{"a":1,"b":${'['.repeat(300_000)}${']'.repeat(300_000)}}`) as unknown;
    const { value, cut } = boundDepth(deep, 3);
    assert.deepEqual(cut, ['b']);
    assert.deepEqual(value, { a: 1, b: [[DEPTH_MARKER]] });
  });
});
