// Processes and lock owners as the lock and claim tests plant them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { currentProcess } from '../../src/core/process-identity.js';

/** The pid of a process that has exited: what a lock or claim left by a killed veo names. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.ok(child.pid !== undefined);
  return child.pid;
}

/** A journal lock's body naming an owner on this host, with `fields` over the defaults. */
export function lockBody(fields: Record<string, unknown>): string {
  // The pid namespace too: an owner counted in another one cannot be checked from here.
  const { ns } = currentProcess();
  return JSON.stringify({
    host: hostname(),
    ...(ns ? { ns } : {}),
    thread: 0,
    at: Date.now(),
    nonce: 'planted',
    ...fields,
  });
}
