// The scheduler: runs a sandbox's tasks cooperatively on the Node thread.
//
// A task runs for one time slice at a time: `runSlice(deadline)` returns when the task stops
// at a safe point (the slice is over), blocks (it hands over a promise to wait for), or exits.
// Between two slices the scheduler awaits `setImmediate`, so I/O callbacks, timers and the
// control socket run while a guest computes. Blocked tasks are not polled: the promise they
// gave wakes the loop. Because JavaScript outside a slice only runs when no guest code runs,
// every task is at a safe point whenever a kill or a pause arrives from the event loop; a
// kill from inside a slice (a syscall handler) asks the running task to stop at its next safe
// point. The exception is a task that suspends (stack switching): its slice goes on across
// event-loop turns while nothing else waits, so a pause or kill that arrives then asks it to
// stop, and pause() resolves once it has. The scheduler knows nothing of wasm or WASI: a task
// is anything with runSlice.

/**
 * SignalAction is what a signal does to a task without a handler for it, as signal(7) lists it:
 * 'core' terminates like 'terminate' (the sentry writes no core dump). WASI programs have no
 * handlers, so the default action is the only one.
 */
export type SignalAction = 'terminate' | 'core' | 'ignore' | 'continue' | 'stop';

/** The one table of Linux signals (x86-64 and asm-generic numbers agree here): number and default action, from signal(7). */
const SIGNAL_TABLE = {
  SIGHUP: { number: 1, action: 'terminate' },
  SIGINT: { number: 2, action: 'terminate' },
  SIGQUIT: { number: 3, action: 'core' },
  SIGILL: { number: 4, action: 'core' },
  SIGTRAP: { number: 5, action: 'core' },
  SIGABRT: { number: 6, action: 'core' },
  SIGBUS: { number: 7, action: 'core' },
  SIGFPE: { number: 8, action: 'core' },
  SIGKILL: { number: 9, action: 'terminate' },
  SIGUSR1: { number: 10, action: 'terminate' },
  SIGSEGV: { number: 11, action: 'core' },
  SIGUSR2: { number: 12, action: 'terminate' },
  SIGPIPE: { number: 13, action: 'terminate' },
  SIGALRM: { number: 14, action: 'terminate' },
  SIGTERM: { number: 15, action: 'terminate' },
  SIGSTKFLT: { number: 16, action: 'terminate' },
  SIGCHLD: { number: 17, action: 'ignore' },
  SIGCONT: { number: 18, action: 'continue' },
  SIGSTOP: { number: 19, action: 'stop' },
  SIGTSTP: { number: 20, action: 'stop' },
  SIGTTIN: { number: 21, action: 'stop' },
  SIGTTOU: { number: 22, action: 'stop' },
  SIGURG: { number: 23, action: 'ignore' },
  SIGXCPU: { number: 24, action: 'core' },
  SIGXFSZ: { number: 25, action: 'core' },
  SIGVTALRM: { number: 26, action: 'terminate' },
  SIGPROF: { number: 27, action: 'terminate' },
  SIGWINCH: { number: 28, action: 'ignore' },
  SIGIO: { number: 29, action: 'terminate' },
  SIGPWR: { number: 30, action: 'terminate' },
  SIGSYS: { number: 31, action: 'core' },
} as const satisfies Record<string, { number: number; action: SignalAction }>;

/** SIGNALS maps each Linux signal name to its number (derived from the signal table, which also holds each one's default action). */
export const SIGNALS = Object.fromEntries(Object.entries(SIGNAL_TABLE).map(([name, entry]) => [name, entry.number])) as {
  readonly [Name in keyof typeof SIGNAL_TABLE]: (typeof SIGNAL_TABLE)[Name]['number'];
};

const ACTION_BY_NUMBER: ReadonlyMap<number, SignalAction> = new Map(Object.values(SIGNAL_TABLE).map((entry) => [entry.number, entry.action]));

/** signalDefaultAction is what signal `signal` does by default; numbers outside the table (the real-time signals 34-64) terminate, as in Linux. */
export function signalDefaultAction(signal: number): SignalAction {
  return ACTION_BY_NUMBER.get(signal) ?? 'terminate';
}

/**
 * signalTerminates says whether a signal sent from outside ends a task. Signals ignored by
 * default (SIGCHLD, SIGURG, SIGWINCH: Docker sends SIGWINCH on every terminal resize) and
 * SIGCONT do nothing; the stop signals do nothing either, since a single task cannot be
 * stopped (pausing the sandbox is `pause`, like a frozen cgroup, which SIGCONT does not thaw).
 */
export function signalTerminates(signal: number): boolean {
  const action = signalDefaultAction(signal);
  return action === 'terminate' || action === 'core';
}

/** ExitStatus is how a task ended: its exit code (128 + signal when killed by one). */
export interface ExitStatus {
  readonly code: number;
  readonly signal?: number;
}

/** SliceResult is what a task reports at the end of a slice. */
export type SliceResult =
  | { readonly kind: 'yielded' }
  | { readonly kind: 'blocked'; readonly ready: Promise<void>; readonly reason: string; readonly cancel?: () => void }
  | { readonly kind: 'exited'; readonly status: ExitStatus };

/**
 * SliceControl is what a task that keeps its slice going across turns of the event loop (a
 * machine that suspends its stack at slice ends; see machine.ts) tells and asks the scheduler.
 */
export interface SliceControl {
  /** mustYield says whether the task must give up the thread now: another task is runnable, or its CPU time is over the limit. */
  mustYield(): boolean;
  /** suspended marks the start of a turn of the event loop inside the slice (not CPU time of the task). */
  suspended(): void;
  /** resumed marks its end. */
  resumed(): void;
}

/** Schedulable is a task as the scheduler sees it. */
export interface Schedulable {
  /**
   * runSlice runs the task until it stops at a safe point after `deadline` (performance.now()
   * time), blocks, or exits. A task may keep the slice going across turns of the event loop
   * (returning a promise) as long as `control` says no other task waits and no stop is requested.
   */
  runSlice(deadline: number, control: SliceControl): SliceResult | Promise<SliceResult>;
  /** requestStop asks a task that is running right now to stop at its next safe point. */
  requestStop(): void;
}

/** ScheduledState is where a scheduled task is. */
export type ScheduledState = 'runnable' | 'running' | 'blocked' | 'exited';

/** SchedulerOptions configure a scheduler. */
export interface SchedulerOptions {
  /** Length of a time slice in ms (default 5: a stop request waits at most about this long). */
  readonly sliceMs?: number;
  /** CPU time a task may use before it is killed with SIGXCPU, as with RLIMIT_CPU (default: unlimited). */
  readonly cpuTimeLimitMs?: number;
  /** The clock (performance.now by default). */
  readonly now?: () => number;
  /** How the loop lets the event loop run between slices (setImmediate by default). */
  readonly yieldToEventLoop?: () => Promise<void>;
  /** Told when a task's runSlice throws (a bug: it should report an exit); the task then ends with status 70, EX_SOFTWARE. */
  readonly onError?: (tid: number, error: unknown) => void;
}

/** ScheduledTask is the scheduler's record of one task. */
export class ScheduledTask {
  readonly tid: number;
  readonly task: Schedulable;
  state: ScheduledState = 'runnable';
  /** What a blocked task waits for ('read', 'poll', 'sleep'). */
  blockedOn: string | undefined;
  /** @state nosave: releases what a blocked task's wait holds (its timers) if the task ends first. */
  cancelBlock: (() => void) | undefined;
  cpuTimeMs = 0;
  status: ExitStatus | undefined;
  /** A signal that will end the task at its next safe point. */
  pendingSignal: number | undefined;
  /** Resolves with the task's exit status. */
  readonly exited: Promise<ExitStatus>;
  /** @state nosave: settles `exited`. */
  resolveExited!: (status: ExitStatus) => void;

  constructor(tid: number, task: Schedulable) {
    this.tid = tid;
    this.task = task;
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
  }
}

const DEFAULT_SLICE_MS = 5;
/** Exit status of a task ended by a host-side failure (sysexits.h EX_SOFTWARE). */
const EX_SOFTWARE = 70;

/** Scheduler runs tasks in time slices on the current thread. */
export class Scheduler {
  private readonly sliceMs: number;
  private readonly cpuTimeLimitMs: number;
  private readonly now: () => number;
  private readonly yieldToEventLoop: () => Promise<void>;
  private readonly onError: (tid: number, error: unknown) => void;
  private readonly tasksByTid = new Map<number, ScheduledTask>();
  private readonly runQueue: ScheduledTask[] = [];
  private running: ScheduledTask | undefined;
  private pausedFlag = false;
  private looping = false;
  private wake: (() => void) | undefined;
  private sliceDone: (() => void)[] = [];

  constructor(options: SchedulerOptions = {}) {
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.cpuTimeLimitMs = options.cpuTimeLimitMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? (() => performance.now());
    this.yieldToEventLoop = options.yieldToEventLoop ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.onError = options.onError ?? (() => undefined);
  }

  /** paused reports whether pause() is in effect. */
  get paused(): boolean {
    return this.pausedFlag;
  }

  /** add schedules a task; it runs once the loop reaches it. */
  add(tid: number, task: Schedulable): ScheduledTask {
    const scheduled = new ScheduledTask(tid, task);
    this.tasksByTid.set(tid, scheduled);
    this.runQueue.push(scheduled);
    this.ensureLoop();
    return scheduled;
  }

  /** get returns the record of a task, exited ones included. */
  get(tid: number): ScheduledTask | undefined {
    return this.tasksByTid.get(tid);
  }

  /** list returns every task the scheduler has run, in tid order. */
  list(): ScheduledTask[] {
    return [...this.tasksByTid.values()].sort((a, b) => a.tid - b.tid);
  }

  /**
   * kill ends a task with a signal at its next safe point: at once for a task that is not
   * running, since it is already stopped at one. As in Linux, SIGKILL also ends a paused task;
   * other signals wait for resume. A signal whose default action does not terminate is
   * discarded (see signalTerminates).
   */
  kill(tid: number, signal: number): void {
    if (!signalTerminates(signal)) return;
    const scheduled = this.tasksByTid.get(tid);
    if (!scheduled || scheduled.state === 'exited') return;
    scheduled.pendingSignal ??= signal;
    if (signal === SIGNALS.SIGKILL) scheduled.pendingSignal = signal;
    if (scheduled.state === 'running') {
      scheduled.task.requestStop();
      return;
    }
    if (!this.pausedFlag || signal === SIGNALS.SIGKILL) this.finish(scheduled, signalStatus(scheduled.pendingSignal));
  }

  /** pause stops scheduling; it resolves once no task is running (every task is at a safe point). */
  pause(): Promise<void> {
    this.pausedFlag = true;
    if (!this.running) return Promise.resolve();
    this.running.task.requestStop();
    return new Promise((resolve) => this.sliceDone.push(resolve));
  }

  /** resume continues scheduling after pause(); signals that arrived meanwhile take effect. */
  resume(): void {
    if (!this.pausedFlag) return;
    this.pausedFlag = false;
    for (const scheduled of this.tasksByTid.values()) {
      if (scheduled.state !== 'exited' && scheduled.state !== 'running' && scheduled.pendingSignal !== undefined) {
        this.finish(scheduled, signalStatus(scheduled.pendingSignal));
      }
    }
    this.notify();
  }

  /** idle resolves when every task has exited. */
  async idle(): Promise<void> {
    await Promise.all([...this.tasksByTid.values()].map((scheduled) => scheduled.exited));
  }

  private ensureLoop(): void {
    if (this.looping) {
      this.notify();
      return;
    }
    this.looping = true;
    void this.loop().finally(() => {
      this.looping = false;
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private live(): boolean {
    for (const scheduled of this.tasksByTid.values()) if (scheduled.state !== 'exited') return true;
    return false;
  }

  private async loop(): Promise<void> {
    // Never run guest code inside add() itself: callers finish their own setup first.
    await this.yieldToEventLoop();
    while (this.live()) {
      const next = this.pausedFlag ? undefined : this.runQueue.shift();
      if (!next) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      if (next.state !== 'runnable') continue;
      await this.runSlice(next);
      const waiters = this.sliceDone;
      this.sliceDone = [];
      for (const resolve of waiters) resolve();
      await this.yieldToEventLoop();
    }
  }

  private async runSlice(scheduled: ScheduledTask): Promise<void> {
    scheduled.state = 'running';
    this.running = scheduled;
    const started = this.now();
    // CPU time is counted from `onCpu` and added at each suspension, so stats and the limit stay current through a long slice.
    let onCpu = started;
    const control: SliceControl = {
      mustYield: () => this.runQueue.some((queued) => queued.state === 'runnable') || scheduled.cpuTimeMs + (this.now() - onCpu) > this.cpuTimeLimitMs,
      suspended: () => {
        scheduled.cpuTimeMs += this.now() - onCpu;
      },
      resumed: () => {
        onCpu = this.now();
      },
    };
    let result: SliceResult;
    try {
      const outcome = scheduled.task.runSlice(started + this.sliceMs, control);
      // Only a suspending task gives the event loop turns inside its slice; the others end it synchronously.
      result = outcome instanceof Promise ? await outcome : outcome;
    } catch (error) {
      this.onError(scheduled.tid, error);
      result = { kind: 'exited', status: { code: EX_SOFTWARE } };
    }
    scheduled.cpuTimeMs += this.now() - onCpu;
    this.running = undefined;
    if (result.kind === 'exited') {
      this.finish(scheduled, result.status);
      return;
    }
    if (scheduled.cpuTimeMs > this.cpuTimeLimitMs) scheduled.pendingSignal ??= SIGNALS.SIGXCPU;
    if (scheduled.pendingSignal !== undefined && (!this.pausedFlag || scheduled.pendingSignal === SIGNALS.SIGKILL)) {
      this.finish(scheduled, signalStatus(scheduled.pendingSignal));
      return;
    }
    if (result.kind === 'yielded') {
      scheduled.state = 'runnable';
      this.runQueue.push(scheduled);
      return;
    }
    scheduled.state = 'blocked';
    scheduled.blockedOn = result.reason;
    scheduled.cancelBlock = result.cancel;
    // A rejected promise also means "try again": the call will report its own error.
    const unblock = (): void => {
      if (scheduled.state !== 'blocked') return;
      scheduled.state = 'runnable';
      scheduled.blockedOn = undefined;
      scheduled.cancelBlock = undefined;
      this.runQueue.push(scheduled);
      this.notify();
    };
    result.ready.then(unblock, unblock);
  }

  private finish(scheduled: ScheduledTask, status: ExitStatus): void {
    if (scheduled.state === 'exited') return;
    scheduled.state = 'exited';
    scheduled.blockedOn = undefined;
    // A task ended while blocked never runs its call again: release the wait's timers, or
    // a long sleep would keep the host process alive after its task is gone.
    const cancel = scheduled.cancelBlock;
    scheduled.cancelBlock = undefined;
    cancel?.();
    scheduled.status = status;
    const queued = this.runQueue.indexOf(scheduled);
    if (queued !== -1) this.runQueue.splice(queued, 1);
    scheduled.resolveExited(status);
    this.notify();
  }
}

function signalStatus(signal: number): ExitStatus {
  return { code: 128 + signal, signal };
}
