import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deadPid } from '../helpers/processes.js';
import { claimTarget, isAbandoned, type ClaimOwner } from '../../src/api/download-claim.js';

const soon = () => Date.now() + 10_000;

/** The pid of a process that has exited: what a claim left by a killed veo names. */

describe('the claim on a target', () => {
  let dir: string;
  let n = 0;
  const target = () => join(dir, `clip-${++n}.mp4`);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'veo-claim-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is exclusive: a second claimant waits until the first lets go, then learns whom it waited for', async () => {
    const path = target();
    const first = await claimTarget(path, { resource: 'r', taskId: 't', deadline: soon() });
    assert.equal(first.waitedFor, undefined);
    const owner = JSON.parse(await readFile(`${path}.claim`, 'utf8')) as ClaimOwner;
    assert.equal(owner.pid, process.pid);
    let waitedOn: ClaimOwner | undefined;
    let secondHasIt = false;
    const second = claimTarget(path, { resource: 'r', deadline: soon(), onWait: (o) => (waitedOn = o) }).then((c) => {
      secondHasIt = true;
      return c;
    });
    // onWait is the event that says the second one is waiting.
    while (!waitedOn) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(secondHasIt, false);
    await first.release();
    const claim = await second;
    assert.equal(claim.waitedFor?.nonce, owner.nonce);
    assert.equal(claim.waitedFor?.resource, 'r');
    await claim.release();
    await assert.rejects(lstat(`${path}.claim`), { code: 'ENOENT' });
  });

  it('takes over at once a claim whose process is gone', async () => {
    const path = target();
    const pid = await deadPid();
    await writeFile(`${path}.claim`, JSON.stringify({ pid, host: hostname(), at: Date.now(), nonce: 'dead' }));
    const claim = await claimTarget(path, { resource: 'r', deadline: Date.now() });
    assert.equal(claim.waitedFor, undefined);
    assert.equal((JSON.parse(await readFile(`${path}.claim`, 'utf8')) as ClaimOwner).pid, process.pid);
    await claim.release();
  });

  it('says which veo holds it once the deadline passes', async () => {
    const path = target();
    const holder = await claimTarget(path, { resource: 'r', deadline: soon() });
    await assert.rejects(claimTarget(path, { resource: 'r', deadline: Date.now() + 300 }), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'OUTPUT_BUSY');
      assert.match(error.message, new RegExp(`another veo \\(pid ${process.pid}\\) is saving`));
      return true;
    });
    await holder.release();
  });

  it('removes a link planted under its name, never what it points to', async () => {
    const path = target();
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious');
    await symlink(victim, `${path}.claim`);
    const claim = await claimTarget(path, { resource: 'r', deadline: Date.now() });
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    assert.ok((await lstat(`${path}.claim`)).isFile());
    await claim.release();
  });

  it('a folder in the way of the claim is reported at once, never looped on', async () => {
    const path = target();
    await mkdir(`${path}.claim`);
    await assert.rejects(claimTarget(path, { resource: 'r', deadline: soon() }), { code: 'OUTPUT_NOT_WRITABLE' });
    assert.ok((await lstat(`${path}.claim`)).isDirectory());
  });

  it('judges a claim abandoned when its pid is gone here, or when nobody touched it for long', async () => {
    const now = Date.now();
    const alive = { pid: process.pid, host: hostname(), at: now, nonce: 'x' };
    assert.equal(isAbandoned(alive, now, now), false);
    assert.equal(isAbandoned({ ...alive, pid: await deadPid() }, now, now), true);
    assert.equal(isAbandoned({ ...alive, host: 'another-host' }, now, now), false, 'a pid elsewhere cannot be checked');
    assert.equal(isAbandoned({ ...alive, host: 'another-host' }, now - 60_000, now), true);
    assert.equal(isAbandoned(undefined, now, now), false, 'a claim being written is not abandoned');
  });
});
