// The contract between syscall handlers and the scheduler for calls that must wait.
//
// A handler that cannot complete now (an empty pipe, a sleep, stdin with no data) throws
// WouldBlock before it has any side effect. The machine unwinds the task's wasm stack to
// the scheduler (Asyncify), the scheduler awaits `ready`, rewinds the task, and the same
// import is called again with the same arguments, so the handler runs again from the start
// (like Linux's ERESTARTSYS). A checkpoint taken while the task waits saves it unwound;
// after a restore the rewind re-issues the call, which is why re-running must be safe.
// Whatever the handler armed for the wait (a host timer) is released by `cancel`, which the
// scheduler calls when the task ends while still blocked (a kill, a stop checkpoint), so
// nothing the kernel armed outlives its task or keeps the host process alive.

/** WouldBlock is thrown by a syscall handler that must wait for `ready` and then run again. */
export class WouldBlock extends Error {
  override name = 'WouldBlock';
  /** Settles when running the call again may make progress (it may still block again). */
  readonly ready: Promise<void>;
  /** What the task waits for, for `ps`-style reporting: 'read', 'poll', 'sleep'. */
  readonly reason: string;
  /** Releases what the wait holds (timers); called when the task will never run the call again. Idempotent. */
  readonly cancel: () => void;
  constructor(ready: Promise<void>, reason: string, cancel: () => void = () => undefined) {
    super(`task blocked: ${reason}`);
    this.ready = ready;
    this.reason = reason;
    this.cancel = cancel;
  }
}
