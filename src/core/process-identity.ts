// Who owns a lock, a claim or a create in flight, in a form another process can check later. A pid alone is not
// enough: pids are reused, so on Linux the owner's start time (in clock ticks since boot, from /proc) is kept with
// it, and an owner whose pid now belongs to a process started at another moment is known to be gone. The check
// never depends on the wall clock, which may have been stepped since the owner wrote its record. Containers that
// share a host name and a config folder each count pids in their own namespace: an owner from another pid
// namespace cannot be seen from here, like one from another host, and is judged by the caller (by age).
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux only). */
  start?: number;
  /** The pid namespace the pid is counted in, as /proc names it ("pid:[4026531836]"; Linux only). */
  ns?: string;
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** The start time of a process, or undefined where /proc cannot tell (another OS, or the process is gone). */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isSafeInteger(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;

export function currentProcess(): ProcessIdentity {
  if (!self) {
    const start = processStart(process.pid);
    const ns = pidNamespace();
    self = { pid: process.pid, host: hostname(), ...(start === undefined ? {} : { start }), ...(ns ? { ns } : {}) };
  }
  return self;
}

/** The same process as `me`: same host, namespace, pid and start. */
export function isCurrentProcess(owner: Partial<ProcessIdentity>): boolean {
  const me = currentProcess();
  return owner.pid === me.pid && owner.host === me.host && owner.start === me.start && owner.ns === me.ns;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/**
 * Whether the process that wrote `owner` still runs. 'unknown' for another host (its processes cannot be seen
 * from here), so the caller decides by age instead.
 */
export function liveness(owner: Partial<ProcessIdentity>): Liveness {
  if (typeof owner.pid !== 'number' || !Number.isSafeInteger(owner.pid) || owner.pid <= 0) return 'dead';
  if (owner.host !== hostname()) return 'unknown';
  const me = currentProcess();
  // A record without a namespace (written before veo kept one) is judged by its pid, as it always was.
  if (owner.ns !== undefined && owner.ns !== me.ns) return 'unknown';
  if (owner.pid === me.pid) return owner.start === undefined || owner.start === me.start ? 'alive' : 'dead';
  if (!pidExists(owner.pid)) return 'dead';
  if (owner.start === undefined) return 'alive';
  const start = processStart(owner.pid);
  // The pid runs, but as a process started at another moment: the owner is gone and its pid reused.
  return start === undefined || start === owner.start ? 'alive' : 'dead';
}
