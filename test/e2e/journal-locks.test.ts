// The journal's lock and files as a user meets them: a lock left behind never stalls a command for long, a lock
// held by a running veo is waited for, and a journal or lock that is a symbolic link is refused (exit 2) before
// anything is paid for.
import assert from 'node:assert/strict';
import { chmod, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startWriter } from '../helpers/journal-fixtures.js';
import { useWorld } from '../helpers/cli.js';
import { processStart } from '../../src/core/process-identity.js';
import { deadPid, lockBody } from '../helpers/processes.js';
import { UNVERIFIED_GRACE_MS } from '../../src/store/journal-lock.js';

describe('journal locks and links, end to end', () => {
  const world = useWorld({ taskMs: 100 });
  const lock = (): string => join(world.configDir, 'journal.lock');

  const creates = (): number => world.sim.requests.filter((r) => r.route === 'create').length;

  /** `veo create` with a planted lock: succeeds, well within the old 20-30 s stall, and journals the task. */
  async function createsPast(what: string): Promise<void> {
    const started = performance.now();
    const run = await world.veo(['create', `past ${what}`]);
    const ms = performance.now() - started;
    assert.equal(run.code, 0, `${what}: ${run.stderr}`);
    const id = run.stdout.trim();
    assert.match(id, /^[0-9a-f]{24}$/);
    // Generous for a loaded machine; a lock that was waited out for its old 20 s would not fit.
    assert.ok(ms < 10_000, `${what}: took ${Math.round(ms)} ms`);
    const listed = await world.veo(['list', '--json']);
    const entries = JSON.parse(listed.stdout) as { id: string; prompt?: string }[];
    assert.equal(entries.find((e) => e.id === id)?.prompt, `past ${what}`, `${what}: journaled`);
    await assert.rejects(stat(lock()), { code: 'ENOENT' }, `${what}: no lock left behind`);
  }

  it('a lock of a killed process', async () => {
    await writeFile(lock(), lockBody({ pid: await deadPid(), start: 4242 }));
    await createsPast('a killed owner');
  });

  it('an empty lock file, and a garbled one', async () => {
    await writeFile(lock(), '');
    await createsPast('an empty lock');
    await writeFile(lock(), '{"pid":');
    await createsPast('a garbled lock');
  });

  it(
    'a lock whose pid belongs to another process now',
    { skip: process.platform !== 'linux' && 'needs /proc' },
    async () => {
      const start = processStart(process.pid) as number;
      await writeFile(lock(), lockBody({ pid: process.pid, start: start + 7 }));
      await createsPast('a reused pid');
      // Written by an older veo, without a start time: the pid runs, but nothing proves it is a veo.
      await writeFile(lock(), lockBody({ pid: process.pid }));
      await createsPast('an unverifiable pid');
    },
  );

  it('a lock dated in the future', async () => {
    const future = new Date(Date.now() + 30 * 24 * 3600 * 1000);
    await writeFile(lock(), lockBody({ pid: await deadPid(), start: 1, at: future.getTime() }));
    await utimes(lock(), future, future);
    await createsPast('a future-dated lock');
    await writeFile(lock(), '');
    await utimes(lock(), future, future);
    await createsPast('a future-dated empty lock');
  });

  it('a lock held by a running veo is waited for, and nothing is paid for meanwhile', async (t) => {
    const holder = startWriter(t, [world.configDir, '--hold']);
    await holder.line('locked');
    let done = false;
    const running = world.veo(['create', 'after the holder']).then((run) => ((done = true), run));
    // Nothing announces a wait: let more than the grace for unverifiable locks pass.
    await delay(UNVERIFIED_GRACE_MS + 1500);
    assert.equal(done, false, 'veo create waited for the lock');
    assert.equal(creates(), 0, 'nothing was sent while the journal was locked');
    holder.child.stdin.write('go\n');
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(creates(), 1);
  });

  it('a journal that is a symbolic link is refused with exit 2, before anything is paid for', async (t) => {
    const target = join(world.workDir, 'precious.jsonl');
    await writeFile(target, 'keep me\n');
    await chmod(target, 0o644);
    const known = (JSON.parse((await world.veo(['list', '--json'])).stdout) as { id: string }[])[0]?.id as string;
    // A task still running, so that a wait records status changes while the journal is a link.
    world.sim.configure({ taskMs: 1500 });
    t.after(() => world.sim.configure({ taskMs: 100 }));
    const running = (await world.veo(['create', 'still running'])).stdout.trim();
    world.sim.requests.length = 0;
    const journalPath = join(world.configDir, 'journal.jsonl');
    const real = join(world.configDir, 'journal.real');
    await rm(real, { force: true });
    const { rename } = await import('node:fs/promises');
    await rename(journalPath, real).catch(() => undefined);
    t.after(async () => {
      await rm(journalPath, { force: true });
      await rename(real, journalPath).catch(() => undefined);
    });
    await symlink(target, journalPath);

    const create = await world.veo(['create', 'never sent']);
    assert.equal(create.code, 2, create.stderr);
    assert.match(create.stderr, /symbolic link/);
    assert.equal(create.stdout, '');
    assert.equal(creates(), 0);

    for (const args of [
      ['list'],
      ['list', '--limit', '5'],
      ['result', known],
      ['wait', known],
      ['wait', running, '--interval', '0.05'],
    ]) {
      const run = await world.veo(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /journal\.jsonl is a symbolic link/);
    }
    assert.equal(await readFile(target, 'utf8'), 'keep me\n');
    assert.equal((await stat(target)).mode & 0o777, 0o644);
  });

  it('a lock that is a symbolic link is refused with exit 2, its target untouched', async (t) => {
    const target = join(world.workDir, 'precious.lock');
    await writeFile(target, 'keep me too\n');
    await chmod(target, 0o640);
    await symlink(target, lock());
    t.after(() => rm(lock(), { force: true }));
    const run = await world.veo(['create', 'never sent']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /journal\.lock is a symbolic link/);
    assert.equal(creates(), 0);
    assert.equal(await readFile(target, 'utf8'), 'keep me too\n');
    assert.equal((await stat(target)).mode & 0o777, 0o640);
  });

  it('list --limit shows the newest tasks, as the full list does', async () => {
    const full = JSON.parse((await world.veo(['list', '--json'])).stdout) as { id: string }[];
    assert.ok(full.length >= 5);
    const limited = await world.veo(['list', '--json', '--limit', '3']);
    assert.equal(limited.code, 0, limited.stderr);
    assert.deepEqual(JSON.parse(limited.stdout), full.slice(-3));
    const table = await world.veo(['list', '--limit', '2']);
    assert.equal(table.code, 0);
    for (const entry of full.slice(-2)) assert.match(table.stdout, new RegExp(entry.id));
    assert.doesNotMatch(table.stdout, new RegExp((full.at(-3) as { id: string }).id));
  });
});
