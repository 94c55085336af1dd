// How a task stops running guest code: it exits (proc_exit, or returning from _start), or
// it is terminated by a signal (proc_raise, or a kill from outside at its next safe point).

/** ProcExit propagates a proc_exit(code) out of the guest to the scheduler, like Node's WASIProcExit. */
export class ProcExit extends Error {
  override name = 'ProcExit';
  readonly code: number;
  constructor(code: number) {
    super(`proc_exit(${code})`);
    this.code = code;
  }
}

/** TaskKilled propagates termination by a signal; the exit status is 128 + signal number, as a shell reports it. */
export class TaskKilled extends Error {
  override name = 'TaskKilled';
  readonly signal: number;
  constructor(signal: number) {
    super(`killed by signal ${signal}`);
    this.signal = signal;
  }
  /** exitCode is the shell-style status of a task killed by this signal. */
  get exitCode(): number {
    return 128 + this.signal;
  }
}
