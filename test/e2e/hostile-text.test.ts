import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { KEY, runInPty, type RunResult, useWorld, VEO } from '../helpers/cli.js';

const ESC = '\u001b';
/**
 * What a hostile service (or gateway) puts in every string: a window title, a screen clear, a carriage return that
 * draws a forged line, a newline that forges a row, a one-byte C1 CSI, DEL, and the key it was sent.
 */
const EVIL = `${ESC}]0;pwned\u0007${ESC}[2J\r✔ saved /etc/passwd\nforged-row 000000000000000000000000 done\u009b31m\u007f`;
const MASKED = 'shds-…cdef';
const OLD_KEY = 'shds-rotated-long-ago-7777777777';

/**
 * Any control character but the line feeds that end lines and the tabs that separate a table's cells in a pipe
 * (a tab inside a cell is escaped: the rows' column counts show it).
 */
// eslint-disable-next-line no-control-regex -- control characters are what must not be there
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function assertClean(run: RunResult, what: string): void {
  for (const [name, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr],
  ] as const) {
    assert.doesNotMatch(text, CONTROL, `${what}: ${name} carries a control character: ${JSON.stringify(text)}`);
    assert.ok(!text.includes(KEY) && !text.includes(OLD_KEY), `${what}: ${name} shows a key: ${text}`);
    for (const line of text.split('\n')) {
      assert.ok(!/^(✔|forged-row)/.test(line), `${what}: ${name} has a forged line: ${line}`);
    }
  }
}

describe('hostile text from the service: shown escaped, stored without the key', () => {
  const world = useWorld({ taskMs: 1 });
  let id: string;
  before(async () => {
    id = (await world.veo(['create', 'the task hostile answers are about'])).stdout.trim();
  });

  /** A result answer whose every string field is hostile; `status` decides what veo does with it. */
  const hostileAnswer = (status: string, url: string | null = null) =>
    JSON.stringify({
      code: 0,
      id,
      model: `glabs${ESC}[8m`,
      status,
      prompt: `${EVIL} ${KEY}`,
      error: `${EVIL} key ${KEY}`,
      message: EVIL,
      url,
      created_at: Math.floor(Date.now() / 1000),
    });
  const inject = (status: string, url: string | null = null, times = 1) =>
    world.sim.inject('result', { kind: 'http', status: 200, body: hostileAnswer(status, url) }, times);

  it('veo result: every field escaped on a line of its own; --json keeps the exact value, key redacted', async () => {
    inject(`processing${EVIL}`, `https://files.example/${ESC}[2J\r\nforged.mp4`);
    const run = await world.veo(['result', id]);
    assert.equal(run.code, 0, run.stderr);
    assertClean(run, 'result');
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) assert.match(line, /^(id|status|model|created|url|reason|prompt) /, line);
    assert.ok(run.stdout.includes('\\x1b]0;pwned\\x07\\x1b[2J\\r✔ saved /etc/passwd\\nforged-row'), run.stdout);
    assert.ok(run.stdout.includes('\\x9b31m\\x7f'), run.stdout);
    assert.ok(run.stdout.includes(MASKED), 'the key echoed in the reason is masked');

    inject(`processing${EVIL}`);
    const json = await world.veo(['result', id, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const task = JSON.parse(json.stdout);
    assert.equal(task.status, `processing${EVIL}`, 'exact value in --json');
    assert.equal(task.message, EVIL);
    assert.equal(task.error, `${EVIL} key ${MASKED}`);
  });

  it('veo wait on a task that fails with a hostile reason: exit 6, the error escaped, the journal without the key', async () => {
    inject(`running${EVIL}`);
    inject('failed');
    const run = await world.veo(['wait', id, '--interval', '0.01']);
    assert.equal(run.code, 6, run.stderr);
    assertClean(run, 'wait');
    assert.match(run.stderr, /: running\\x1b\]0;pwned\\x07/, 'the status line, escaped');
    assert.match(run.stderr, /veo: error: The generation failed .*\\x1b\[2J\\r✔ saved/);
    const journal = await readFile(join(world.configDir, 'journal.jsonl'), 'utf8');
    assert.ok(!journal.includes(KEY), journal);
    assert.ok(journal.includes(MASKED), 'the reason is kept, its key masked');
  });

  it('errors and retry warnings carry hostile text escaped: an API message, an HTML page; JSON errors stay exact', async () => {
    world.sim.inject('result', { kind: 'code', code: 2, message: `${EVIL} ${KEY}` }, 1);
    const auth = await world.veo(['result', id]);
    assert.equal(auth.code, 3, auth.stderr);
    assertClean(auth, 'code 2');
    assert.match(auth.stderr, /The API said: "\\x1b\]0;pwned/);

    // An HTML page is shown as its status alone: none of its text reaches the terminal.
    world.sim.inject('result', { kind: 'http', status: 502, body: `<h1>${EVIL}</h1>` }, 2);
    const page = await world.veo(['result', id], { env: { VEO_RETRY_ATTEMPTS: '2' } });
    assert.equal(page.code, 7, page.stderr);
    assertClean(page, '502 page');
    assert.match(
      page.stderr,
      /^warning: the request for the result of .* failed: .*HTTP 502 Bad Gateway; trying again in/m,
    );
    assert.doesNotMatch(page.stderr, /pwned|x1b/);
    // Plain text is shown, escaped.
    world.sim.inject('result', { kind: 'http', status: 502, body: EVIL, contentType: 'text/plain' }, 2);
    const text = await world.veo(['result', id], { env: { VEO_RETRY_ATTEMPTS: '2' } });
    assert.equal(text.code, 7, text.stderr);
    assertClean(text, '502 text');
    assert.match(text.stderr, /^warning: the request for the result of .* failed: .*\\x1b\[2J.*trying again in/m);

    const json = await world.veo(['result', id, '--json'], { env: { VEO_RETRY_ATTEMPTS: '1' } });
    assert.equal(json.code, 0, json.stderr);
    world.sim.inject('result', { kind: 'code', code: 2, message: EVIL }, 1);
    const jsonError = await world.veo(['result', id, '--json']);
    assert.equal(jsonError.code, 3);
    assert.ok(JSON.parse(jsonError.stderr).error.message.includes(EVIL), 'the JSON error keeps the exact text');
  });

  it('veo list: a hostile status, prompt or reason never forges a row; --json is exact, every key masked', async () => {
    // An older veo wrote this line, with a key since rotated: it is not rewritten, but never shown in clear.
    const other = '0123456789abcdef01234567';
    const line = {
      id: other,
      at: Date.now(),
      status: 'failed',
      prompt: `${EVIL} ${OLD_KEY}`,
      reason: `denied for ${OLD_KEY}\nforged-row`,
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(world.configDir, 'journal.jsonl'), `${JSON.stringify(line)}\n`, { flag: 'a' });
    inject(`processing${EVIL}`);
    await world.veo(['result', id]);
    const run = await world.veo(['list']);
    assert.equal(run.code, 0, run.stderr);
    assertClean(run, 'list');
    const rows = run.stdout.replace(/\n$/, '').split('\n');
    const journalIds = new Set(
      (await readFile(join(world.configDir, 'journal.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text).id)
        // Lines of create intents carry no task id.
        .filter((id) => typeof id === 'string'),
    );
    assert.equal(rows.length, journalIds.size, run.stdout);
    for (const row of rows) {
      assert.match(row, /^[0-9a-f]{24}\t/, row);
      assert.equal(row.split('\t').length, 5, `five cells, no forged column: ${row}`);
    }
    assert.ok(run.stdout.includes('shds-…7777'), 'the old key, masked');

    const json = await world.veo(['list', '--json']);
    const entries = JSON.parse(json.stdout) as { id: string; status: string; reason?: string; prompt?: string }[];
    assert.ok(!json.stdout.includes(OLD_KEY) && !json.stdout.includes(KEY), json.stdout);
    assert.equal(entries.find((e) => e.id === other)?.reason, 'denied for shds-…7777\nforged-row');
    assert.equal(entries.find((e) => e.id === id)?.status, `processing${EVIL}`);
  });

  it('batch lines and the model cache: escaped on screen, no key on disk', async () => {
    world.sim.inject(
      'models',
      { kind: 'http', status: 200, body: JSON.stringify({ code: 0, models: [{ id: `m-${KEY}`, price: 1 }] }) },
      1,
    );
    const models = await world.veo(['models', '--all']);
    assert.equal(models.code, 0, models.stderr);
    assertClean(models, 'models');
    const cache = await readFile(join(world.configDir, 'models-cache.json'), 'utf8');
    assert.ok(!cache.includes(KEY) && cache.includes(MASKED), cache);

    await writeFile(join(world.workDir, 'prompts.txt'), 'one hostile item\n');
    world.sim.inject('result', { kind: 'http', status: 200, body: hostileAnswer('failed') }, Infinity);
    world.sim.inject(
      'create',
      { kind: 'http', status: 200, body: JSON.stringify({ code: 0, id, status: `idle${EVIL}`, prompt: EVIL }) },
      1,
    );
    const batch = await world.veo(['batch', 'prompts.txt', '--interval', '0.01']);
    assert.equal(batch.code, 6, batch.stderr);
    assertClean(batch, 'batch');
    assert.match(batch.stderr, /\[1\/1\] failed: .*\\x1b\]0;pwned/);
  });

  it(
    'on a terminal the spinner shows the escapes, never the sequences',
    { skip: process.platform !== 'linux' && 'script(1) as used here is the util-linux one' },
    async (t) => {
      const files = await readdir('/usr/bin').catch(() => [] as string[]);
      if (!files.includes('script')) return t.skip('script(1) is not installed (Debian package bsdutils)');
      inject(`processing${EVIL}`, null, 3);
      inject('failed');
      const env = { ...world.env, VEO_MIN_INTERVAL_MS: '1', HOME: world.workDir };
      const screen = await runInPty(`${process.execPath} ${VEO} wait ${id} --interval 0.3`, env);
      assert.ok(!screen.includes(`${ESC}]0;pwned`), 'no OSC from the service reached the terminal');
      assert.ok(!screen.includes(`${ESC}[2J`), 'no screen clear from the service');
      assert.ok(!screen.includes('\u009b31m'), 'no C1 CSI');
      assert.ok(screen.includes('\\x1b]0;pwned'), screen);
      assert.ok(!screen.includes(KEY), screen);
    },
  );
});
