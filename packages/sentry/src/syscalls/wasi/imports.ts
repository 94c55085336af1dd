// The seam with the machine: the `wasi_snapshot_preview1` import object of one task.
import type { Task } from '../../kernel/task.js';
import { dispatch } from './dispatch.js';
import type { GuestAccess } from './guest-memory.js';
import { WASI_SYSCALLS, type WasiFunctionName } from './table.js';

/** WASI_MODULE is the import module name of WASI preview 1. */
export const WASI_MODULE = 'wasi_snapshot_preview1';

/** WasiImports is the import object: one function per WASI name, returning an errno. */
export type WasiImports = Record<WasiFunctionName, (...args: unknown[]) => number>;

/**
 * createWasiImports builds the import object for `task`. Each function runs synchronously
 * and returns an errno; it throws WouldBlock (wait, then call again with the same
 * arguments), ProcExit, TaskKilled, or InternalError (a kernel bug that fails the task).
 * i64 parameters arrive as bigint. `guest.memory()` is read on every call.
 */
export function createWasiImports(task: Task, guest: GuestAccess): WasiImports {
  const imports = {} as WasiImports;
  for (const [name, entry] of Object.entries(WASI_SYSCALLS) as [WasiFunctionName, (typeof WASI_SYSCALLS)[WasiFunctionName]][]) {
    imports[name] = dispatch(name, task, guest, entry.handler);
  }
  return imports;
}
