import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { signalWhenPartHolds, useWorld, signalOnCreate } from '../helpers/cli.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('Ctrl-C and SIGTERM in each phase of create -o', () => {
  const world = useWorld();
  beforeEach(() => {
    world.sim.configure({ taskMs: 300, videoBytes: null });
  });

  /** Sends `signal` the moment the simulator receives the create request. */
  const onCreate = (signal: NodeJS.Signals, then?: (child: ChildProcess) => void) =>
    signalOnCreate(world.sim, signal, then);
  const journaled = async () => {
    const list = await world.veo(['list', '--json']);
    return (JSON.parse(list.stdout) as { id: string }[]).map((entry) => entry.id);
  };

  it('Ctrl-C while the create request is in flight waits for its answer: the id is kept, resume printed', async () => {
    world.sim.inject('create', { kind: 'slow', ms: 1000 }, 1);
    const path = join(world.workDir, 'in-flight.mp4');
    const run = await world.veo(['create', 'interrupted early', '-o', path], { onStart: onCreate('SIGINT') });
    assert.equal(run.code, 130, run.stderr);
    // The first Ctrl-C is answered at once: what it waits for, and how to quit without waiting.
    assert.match(
      run.stderr,
      /Stopping: waiting up to 10 s for the answer to the create request already sent.*Ctrl-C again quits at once/,
    );
    assert.match(run.stderr, /^veo: error: Interrupted/m);
    const task = world.sim.tasks().find((t) => t.prompt === 'interrupted early');
    assert.ok(task, 'the create reached the service');
    assert.match(run.stderr, new RegExp(`Resume with: veo download ${task.id} -o ${path}`));
    assert.ok((await journaled()).includes(task.id), 'the paid task is in the journal');

    // A plain create has nothing left to do once the answer is in: its id is the result, and the exit says it was stopped.
    world.sim.requests.length = 0;
    world.sim.inject('create', { kind: 'slow', ms: 1000 }, 1);
    const plain = await world.veo(['create', 'interrupted plain'], { onStart: onCreate('SIGINT') });
    const created = world.sim.tasks().find((t) => t.prompt === 'interrupted plain');
    assert.equal(plain.code, 130, plain.stderr);
    assert.equal(plain.stdout, `${created?.id}\n`);
    // A script capturing stdout may swallow it: stderr names it too, with the command that picks it up.
    assert.match(plain.stderr, new RegExp(`task ${created?.id} was created`));
    assert.match(plain.stderr, new RegExp(`Resume with: veo wait ${created?.id}`));
  });

  it('SIGTERM while a create gets no answer: exit 143 after the grace, saying a task may exist', async () => {
    world.sim.inject('create', { kind: 'stall' }, 1);
    const run = await world.veo(['create', 'never answered', '-o', join(world.workDir, 'x.mp4')], {
      env: { VEO_REQUEST_TIMEOUT: '1' },
      onStart: onCreate('SIGTERM'),
    });
    assert.equal(run.code, 143, run.stderr);
    assert.match(run.stderr, /a task may have been created/);
    assert.match(run.stderr, /dashboard/);
    assert.equal(world.sim.requests.filter((r) => r.route === 'create').length, 1);
  });

  it('a second Ctrl-C stops at once, without waiting out the grace', async () => {
    world.sim.inject('create', { kind: 'stall' }, 1);
    const started = Date.now();
    const run = await world.veo(['create', 'impatient'], {
      env: { VEO_REQUEST_TIMEOUT: '30' },
      // No event tells that the first signal was handled; 300 ms is plenty, and far below the 10 s grace.
      onStart: onCreate('SIGINT', (child) => setTimeout(() => child.kill('SIGINT'), 300)),
    });
    assert.equal(run.code, 130, run.stderr);
    assert.ok(Date.now() - started < 8000, 'did not wait for the grace');
  });

  it('SIGTERM while create -o waits: exit 143 with the task id and the command that downloads it', async () => {
    world.sim.configure({ taskMs: 60_000 });
    const path = join(world.workDir, 'waiting.mp4');
    const run = await world.veo(['create', 'a slow one', '-o', path, '--interval', '0.05'], {
      onStderr: (text, child) => {
        if (/: (idle|processing)$/m.test(text)) child.kill('SIGTERM');
      },
    });
    assert.equal(run.code, 143, run.stderr);
    const task = world.sim.tasks().find((t) => t.prompt === 'a slow one');
    assert.ok(task);
    // A SIGTERM came from elsewhere (a service manager, a timeout): it is not called an interruption.
    assert.match(run.stderr, new RegExp(`^veo: error: Terminated \\(SIGTERM\\); task ${task.id} keeps running`, 'm'));
    assert.doesNotMatch(run.stderr, /Interrupted/);
    assert.match(run.stderr, new RegExp(`task ${task.id}`));
    assert.match(run.stderr, new RegExp(`Resume with: veo download ${task.id} -o ${path}`));
    assert.ok(!existsSync(path) && !existsSync(`${path}.part`));
  });

  it('SIGTERM while create -o downloads: exit 143, the .part kept, and the printed command resumes it', async () => {
    world.sim.configure({ taskMs: 1, videoBytes: 2 * 1024 * 1024 });
    world.sim.inject('file', { kind: 'stall-body', afterBytes: 700_000 }, 1);
    const path = join(world.workDir, 'downloading.mp4');
    const first = await world.veo(['create', 'a big one', '-o', path, '--interval', '0.05'], {
      // The body stalls after 700000 bytes: interrupt once they are on disk.
      onStart: signalWhenPartHolds(path, 700_000, 'SIGTERM'),
    });
    assert.equal(first.code, 143, first.stderr);
    assert.ok(!existsSync(path));
    assert.equal((await stat(`${path}.part`)).size, 700_000);
    const resume = /Resume with: (veo download \S+ -o \S+)/.exec(first.stderr)?.[1];
    assert.ok(resume, first.stderr);
    world.sim.requests.length = 0;
    const second = await world.veo(resume.split(' ').slice(1));
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `${path}\n`);
    const ranges = world.sim.requests.filter((r) => r.origin === 'file').map((r) => r.headers.range);
    assert.deepEqual(ranges, ['bytes=700000-']);
    assert.equal(sha256(await readFile(path)), await world.sim.video().sha256());
  });
});
