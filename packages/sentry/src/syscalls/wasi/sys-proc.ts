// proc_exit, proc_raise and sched_yield.
import { Signal } from '../../abi/wasi/flags.js';
import { sysError } from '../../errors/sys-error.js';
import { WouldBlock } from '../../kernel/task-block.js';
import { ProcExit, TaskKilled } from '../../kernel/task-exit.js';
import type { SyscallCall } from './dispatch.js';

/** IGNORED_BY_DEFAULT are the signals whose default action is to do nothing (signal(7)); stop signals are treated alike, as a task cannot be stopped from inside. */
const IGNORED_BY_DEFAULT: ReadonlySet<number> = new Set([
  Signal.NONE,
  Signal.CHLD,
  Signal.CONT,
  Signal.URG,
  Signal.WINCH,
  Signal.STOP,
  Signal.TSTP,
  Signal.TTIN,
  Signal.TTOU,
]);

/** procExit implements proc_exit(code): the task ends with the low 8 bits of the code, as a Linux exit status. */
export function procExit(_call: SyscallCall, code: number): void {
  throw new ProcExit((code >>> 0) & 0xff);
}

/** procRaise implements proc_raise(sig) with each signal's default action, since WASI has no handlers. */
export function procRaise(_call: SyscallCall, signal: number): void {
  if (signal < 0 || signal > Signal.SYS) throw sysError.inval(`signal ${signal}`);
  if (IGNORED_BY_DEFAULT.has(signal)) return;
  throw new TaskKilled(signal);
}

/** schedYield implements sched_yield: the task gives up its turn once, then the restarted call returns. */
export function schedYield(call: SyscallCall): void {
  if (call.task.yielding) {
    call.task.yielding = false;
    return;
  }
  call.task.yielding = true;
  throw new WouldBlock(Promise.resolve(), 'yield');
}
