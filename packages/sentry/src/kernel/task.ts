// The kernel side of a task: what it was started with and what it holds. The machine
// (wasm instance, Asyncify state) and the scheduler's bookkeeping live elsewhere.
import { FdTable } from './fd-table.js';
import type { Kernel } from './kernel.js';

/** TaskState is where a task is in its life. */
export type TaskState = 'running' | 'exited';

/**
 * RestartBlock keeps what a blocked call computed on its first attempt, so that running
 * it again after the wait (or after a restore) continues it rather than starting over:
 * a relative timeout keeps its original deadline, like Linux's restart_block.
 */
export interface RestartBlock {
  /** Identifies the call and its arguments; a different call discards the block. */
  readonly key: string;
  /** Absolute deadlines on the guest's monotonic clock, one per timer the call set. */
  readonly deadlines: readonly (bigint | undefined)[];
}

/** Task is one running program: its arguments, environment and fd table. */
export class Task {
  readonly tid: number;
  readonly kernel: Kernel;
  /** argv as the guest sees it through args_get (argv[0] included). */
  readonly args: readonly string[];
  /** Environment entries `KEY=VALUE` as the guest sees them through environ_get. */
  readonly env: readonly string[];
  /** The working directory reported in /proc/<tid>/cwd (WASI itself has no cwd; wasi-libc keeps it in the guest). */
  readonly cwd: string;
  readonly fdTable: FdTable;
  state: TaskState = 'running';
  /** The exit status once the task has exited (128 + signal when killed). */
  exitStatus: number | undefined;
  /** The state of a call that blocked and will run again. */
  restart: RestartBlock | undefined;
  /** Set while a task has given up its turn in a yield and not yet been resumed. */
  yielding = false;
  constructor(kernel: Kernel, tid: number, args: readonly string[], env: readonly string[], cwd: string, fdTable?: FdTable) {
    this.kernel = kernel;
    this.tid = tid;
    this.args = args;
    this.env = env;
    this.cwd = cwd;
    this.fdTable = fdTable ?? new FdTable(kernel.limits.openFiles, kernel.openFiles);
  }

  /** exit records the status and closes every fd (pipes see their ends close). */
  exit(status: number): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    this.exitStatus = status;
    this.fdTable.closeAll();
    this.kernel.taskExited(this);
  }
}
