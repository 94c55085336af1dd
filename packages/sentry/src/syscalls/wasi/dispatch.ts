// The one error boundary between WASI and the kernel. Every import goes through
// dispatch(): a SysError becomes the call's errno; WouldBlock, ProcExit and TaskKilled
// propagate untouched because they are control flow for the machine and the scheduler;
// anything else is a kernel bug, reported as an InternalError that fails the task.
import { Errno } from '../../abi/wasi/errno.js';
import { InternalError } from '../../errors/internal-error.js';
import { SysError } from '../../errors/sys-error.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { WouldBlock } from '../../kernel/task-block.js';
import { ProcExit, TaskKilled } from '../../kernel/task-exit.js';
import { type GuestAccess, GuestMemory } from './guest-memory.js';

/** SyscallCall is what a handler gets besides its WASI arguments. */
export interface SyscallCall {
  readonly task: Task;
  readonly kernel: Kernel;
  /** Guest memory for this call only (views die with a memory.grow). */
  readonly memory: GuestMemory;
}

/** SyscallHandler implements one WASI function; it returns nothing (success) or throws. */
export type SyscallHandler = (call: SyscallCall, ...args: never[]) => void;

type Invocable = (call: SyscallCall, ...args: unknown[]) => void;

/** isControlFlow tells whether an error must pass through the boundary untouched. */
export function isControlFlow(error: unknown): boolean {
  return error instanceof WouldBlock || error instanceof ProcExit || error instanceof TaskKilled;
}

/** dispatch wraps a handler as a wasm import: arguments in, errno out. */
export function dispatch(name: string, task: Task, guest: GuestAccess, handler: SyscallHandler): (...args: unknown[]) => number {
  const kernel = task.kernel;
  // The views are made again only when the guest's buffer changed (every memory.grow
  // replaces it), not per call: two typed-array views and a call object per syscall were
  // measurable garbage on call-heavy guests.
  let call: SyscallCall | undefined;
  return (...args: unknown[]): number => {
    kernel.currentTask = task;
    try {
      const buffer = guest.memory().buffer;
      if (call === undefined || call.memory.bytes.buffer !== buffer) call = { task, kernel, memory: new GuestMemory(buffer) };
      (handler as Invocable)(call, ...args);
      return Errno.SUCCESS;
    } catch (error) {
      if (error instanceof SysError) return error.errno;
      if (isControlFlow(error)) throw error;
      const internal = new InternalError(name, { cause: error });
      kernel.log(`${internal.message}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
      throw internal;
    }
  };
}
