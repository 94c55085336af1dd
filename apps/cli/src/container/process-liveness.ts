// Is the sandbox process of a container still the one we started? A pid alone is not enough
// (pids are reused), so the state file also records the process's start time from
// /proc/<pid>/stat, as runc's doesInitProcessExist does. A zombie counts as gone: it has exited
// and only waits for its parent (the shim, or init) to reap it.
import { readFileSync } from 'node:fs';

/** ProcessIdentity names one process over its lifetime: its pid and its start time in clock ticks since boot. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/** processStartTime reads field 22 (starttime) of /proc/<pid>/stat; undefined when the process is gone or a zombie. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X' || state === 'x') return undefined;
  return fields[19];
}

/** currentProcessIdentity is this process's identity, recorded by whoever must be recognised later. */
export function currentProcessIdentity(): ProcessIdentity {
  const startTime = processStartTime(process.pid);
  if (startTime === undefined) throw new Error(`cannot read /proc/${process.pid}/stat: stasis needs Linux /proc`);
  return { pid: process.pid, startTime };
}

/** isProcessAlive tells whether the process with this identity still runs (not exited, not a zombie, pid not reused). */
export function isProcessAlive(identity: ProcessIdentity): boolean {
  return identity.pid > 0 && processStartTime(identity.pid) === identity.startTime;
}
