import { readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { errnoWords } from '../../core/errno-words.js';

/** What Linux says about this process's descriptor: what it is, and whether it was opened for reading only. */
function linuxView(fd: number): { target: string; readOnly: boolean } | 'closed' | undefined {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    // No /proc at all (not Linux, or not mounted) says nothing about the descriptor.
    try {
      readdirSync('/proc/self/fd');
    } catch {
      return undefined;
    }
    return 'closed';
  }
  let readOnly = false;
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    readOnly = flags !== undefined && (parseInt(flags, 8) & 3) === 0;
  } catch {
    // Without fdinfo the write below still tells a read-only descriptor.
  }
  return { target, readOnly };
}

/** Whether this process itself holds the reading end of the pipe `target` names: then the pipe is Node's own. */
function readsPipeItself(fd: number, target: string): boolean {
  for (const name of readdirSync('/proc/self/fd')) {
    if (Number(name) === fd) continue;
    const other = linuxView(Number(name));
    if (typeof other === 'object' && other.target === target && other.readOnly) return true;
  }
  return false;
}

/**
 * Why a descriptor named by number (`/dev/fd/N`, `/dev/stderr`) cannot carry lines veo writes, or undefined when
 * it can. The caller's shell may have left the number closed, and Node then uses that number for a descriptor of
 * its own (an event queue, an internal pipe): writing there would go nowhere or into Node itself, so on Linux
 * those are told apart from what the caller handed over. A write of nothing proves the rest: it fails on a
 * descriptor that is closed or open for reading only, and sends nothing to a reader.
 */
export function handedDescriptorProblem(fd: number): string | undefined {
  const view = linuxView(fd);
  if (view === 'closed') return `descriptor ${fd} is not open`;
  if (view !== undefined) {
    if (view.readOnly) return `descriptor ${fd} is open for reading only`;
    if (
      view.target.startsWith('anon_inode:') ||
      (view.target.startsWith('pipe:') && readsPipeItself(fd, view.target))
    ) {
      return `descriptor ${fd} was not handed to veo (it is not open in the calling shell)`;
    }
  }
  try {
    writeSync(fd, Buffer.alloc(0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EBADF') return `descriptor ${fd} is not open for writing`;
    return `descriptor ${fd} cannot be written (${errnoWords(error)})`;
  }
  return undefined;
}
