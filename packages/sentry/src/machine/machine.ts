// The execution engine: one instance of an instrumented module running one task.
//
// A machine runs guest code in slices. `run(deadline)` calls the module's entry point (or, for
// a stopped machine, rewinds into it) and returns when the guest exits, traps, or stops at a
// safe point. Safe points are the calls the instrumenter made Asyncify-aware: every WASI import
// and, in anywhere mode, stasis.preempt. Each import is wrapped here:
//
//   - during a rewind, the call that started the unwind arrives again: stop the rewind, give
//     the borrowed buffer back, then run the handler (a blocked syscall is restarted);
//   - a stop that is not caused by blocking (end of slice, pause, checkpoint) is taken before
//     the handler runs, because unwinding discards the import's return value;
//   - a handler that throws WouldBlock has had no side effect; the machine unwinds and the
//     scheduler awaits `ready` before running the machine again.
//
// With stack switching (stack-switching.ts), a slice that ends at a preemption check while
// nothing needs the task stopped suspends the wasm stack for one turn of the event loop instead
// of unwinding it, and `run` returns a promise; a stop request (pause, checkpoint, kill) or
// another runnable task still unwinds, at the next preemption check.
//
// Lifecycle: ready -> (run) -> running -> unwound -> (run) -> rewinding -> running ... -> finished.
import type { SliceControl } from '../kernel/scheduler.js';
import { WouldBlock } from '../kernel/task-block.js';
import { ProcExit, TaskKilled } from '../kernel/task-exit.js';
import type { InstrumentedModuleInfo } from '../loader/instrument.js';
import { INSTRUMENTED_ABI } from '../loader/instrumented-abi.js';
import { BorrowedBuffer, DEFAULT_BUFFER_BYTES } from './asyncify-buffer.js';
import { MachinePhaseError, MachineStateError, MemoryLimitError } from './errors.js';
import { type SuspendableEntry, suspendableEntry } from './stack-switching.js';
import { type Trap, describeTrap, isTrap } from './trap.js';

/** GuestFunction is a host function the guest imports; i64 parameters arrive as bigint. */
// biome-ignore lint/suspicious/noExplicitAny: import handlers take the guest's arguments as they come.
export type GuestFunction = (...args: any[]) => unknown;

/** MachineImports is the guest's import object (module name -> function name -> handler). */
export type MachineImports = Readonly<Record<string, Readonly<Record<string, GuestFunction>>>>;

/** MachineStop is why a machine stopped at a safe point. */
export type MachineStop =
  | { readonly kind: 'preempted' }
  | { readonly kind: 'blocked'; readonly ready: Promise<void>; readonly reason: string; readonly cancel?: () => void };

/** MachineResult is the outcome of one `run`. */
export type MachineResult =
  | { readonly kind: 'stopped'; readonly stop: MachineStop }
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'killed'; readonly signal: number }
  | { readonly kind: 'trapped'; readonly trap: Trap }
  | { readonly kind: 'failed'; readonly error: unknown };

/** MachinePhase is where a machine is in its lifecycle. */
export type MachinePhase = 'ready' | 'running' | 'unwinding' | 'unwound' | 'rewinding' | 'finished';

/** MachineOptions configure a machine. */
export interface MachineOptions {
  /** The compiled instrumented module. */
  readonly module: WebAssembly.Module;
  readonly info: InstrumentedModuleInfo;
  /** Builds the guest's imports once its memory exists (syscall handlers need it). */
  readonly imports: (memory: WebAssembly.Memory) => MachineImports;
  /** Cap on linear memory, in 64 KiB pages: `memory.grow` beyond it fails (returns -1) in the guest. */
  readonly memoryLimitPages?: number;
  /** Largest region of guest memory lent to Asyncify while unwinding (default 1 MiB). */
  readonly asyncifyBufferBytes?: number;
  /**
   * Suspend the stack at a preemption check that ends a slice, rather than unwind it, when no
   * stop is needed (requires stackSwitchingAvailable(); ignored for a module without preemption
   * checks, which only stops at its system calls).
   */
  readonly stackSwitching?: boolean;
}

const NO_SLICE_CONTROL: SliceControl = { mustYield: () => false, suspended: () => undefined, resumed: () => undefined };

/** MachineSnapshot is the raw state of a stopped machine (see machine.state.ts for the saved form). */
export interface MachineSnapshot {
  readonly phase: 'ready' | 'unwound';
  readonly memory: WebAssembly.Memory;
  readonly globals: ReadonlyMap<string, number | bigint>;
  /** The Asyncify stack: the task's saved call frames. */
  readonly frames: Uint8Array;
}

const MAX_PAGES = 65536;
const STOP_PREEMPTED: MachineStop = { kind: 'preempted' };
/** Bounds and target of the adaptive preemption counter: aim for a preempt call every 0.1-1 ms. */
const COUNTER = { initial: 10_000, minimum: 1, maximum: 1 << 26, fastMs: 0.1, slowMs: 1 } as const;

/** Machine runs one task's instance of an instrumented module in resumable slices. */
export class Machine {
  readonly info: InstrumentedModuleInfo;
  readonly memory: WebAssembly.Memory;
  /** @state nosave: rebuilt from the module bytes on load. */
  private instance!: WebAssembly.Instance;
  private exports!: AsyncifyExports;
  private counter: WebAssembly.Global | undefined;
  private readonly buffer: BorrowedBuffer;
  private phaseValue: MachinePhase = 'ready';
  private frames: Uint8Array = new Uint8Array(0);
  private stop: MachineStop = STOP_PREEMPTED;
  private deadline = Number.POSITIVE_INFINITY;
  private lastPreempt = 0;
  private counterReset: number = COUNTER.initial;
  /** Set by requestStop: unlike a passed deadline, it cannot be served by suspending. */
  private stopRequested = false;
  private sliceMs = 0;
  private control: SliceControl = NO_SLICE_CONTROL;
  /** @state nosave: the stack-switching entry, when the machine suspends at slice ends. */
  private suspendable: SuspendableEntry | undefined;

  private constructor(info: InstrumentedModuleInfo, memory: WebAssembly.Memory, bufferBytes: number) {
    this.info = info;
    this.memory = memory;
    this.buffer = new BorrowedBuffer(memory, bufferBytes);
  }

  /** create instantiates a machine ready to run the module's entry point. */
  static async create(options: MachineOptions, initialPages?: number): Promise<Machine> {
    const declared = options.info.memory;
    const maximum = Math.min(declared.maximum ?? MAX_PAGES, options.memoryLimitPages ?? MAX_PAGES);
    const initial = Math.max(declared.minimum, initialPages ?? 0);
    if (maximum < initial) {
      if (initialPages !== undefined && initialPages > declared.minimum) throw new MachineStateError(`saved memory of ${initialPages} pages exceeds the limit of ${maximum} pages`);
      throw new MemoryLimitError(maximum, initial);
    }
    const memory = new WebAssembly.Memory({ initial, maximum });
    const machine = new Machine(options.info, memory, options.asyncifyBufferBytes ?? DEFAULT_BUFFER_BYTES);
    const preemptible = WebAssembly.Module.imports(options.module).some(
      (entry) => entry.module === INSTRUMENTED_ABI.importModule && entry.name === INSTRUMENTED_ABI.preemptImport,
    );
    if (options.stackSwitching && preemptible) machine.suspendable = suspendableEntry(() => machine.preempt());
    const imports = machine.wrapImports(options.imports(memory));
    const instance = await WebAssembly.instantiate(options.module, imports);
    machine.attach(instance);
    return machine;
  }

  /** phase is where the machine is in its lifecycle. */
  get phase(): MachinePhase {
    return this.phaseValue;
  }

  /** suspends says whether slices of this machine may end in a suspension (run then returns a promise). */
  get suspends(): boolean {
    return this.suspendable !== undefined;
  }

  /**
   * run runs guest code until it exits, traps, or stops at a safe point. Once `deadline`
   * (a performance.now() time) has passed, the next safe point stops the machine; a machine
   * that suspends (see `suspends`) instead lets the event loop run at its next preemption
   * check and goes on for another slice of the same length, unless a stop was requested or
   * `control` says the task must yield. It then returns a promise. A deadline of -Infinity is a
   * stop request: the first safe point stops the machine.
   */
  run(deadline: number, control: SliceControl = NO_SLICE_CONTROL): MachineResult | Promise<MachineResult> {
    const phase = this.phaseValue;
    if (phase !== 'ready' && phase !== 'unwound') throw new MachinePhaseError('run', phase);
    const now = performance.now();
    this.deadline = deadline;
    this.sliceMs = Math.max(0, deadline - now);
    // -Infinity asks for the first safe point, which a suspension would not give; any other
    // deadline only ends a slice (a zero-length one suspends at every preemption check).
    this.stopRequested = deadline === Number.NEGATIVE_INFINITY;
    this.control = control;
    this.lastPreempt = now;
    if (phase === 'unwound') {
      this.exports.startRewind(this.buffer.lendForRewind(this.frames));
      this.phaseValue = 'rewinding';
    } else {
      this.phaseValue = 'running';
    }
    let outcome: unknown;
    try {
      outcome = this.suspendable ? this.suspendable.enter() : this.exports.entry();
    } catch (error) {
      return this.finish(classifyThrow(error));
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        () => this.returned(),
        (error: unknown) => this.finish(classifyThrow(error)),
      );
    }
    return this.returned();
  }

  /** returned finishes a run whose entry point returned: it unwound to a safe point, or the program ended. */
  private returned(): MachineResult {
    this.control = NO_SLICE_CONTROL;
    // Read through the getter: the handlers called from entry() changed the phase.
    if (this.phase === 'unwinding') {
      this.buffer.allowStop();
      this.exports.stopUnwind();
      try {
        this.frames = this.buffer.takeFrames();
      } catch (error) {
        return this.finish({ kind: 'failed', error });
      }
      this.phaseValue = 'unwound';
      return { kind: 'stopped', stop: this.stop };
    }
    if (this.phase === 'rewinding') {
      return this.finish({ kind: 'failed', error: new MachineStateError('the rewind returned without reaching the call that stopped the task') });
    }
    return this.finish({ kind: 'exited', code: 0 });
  }

  /** requestStop makes the next safe point stop the machine (for a handler that runs inside a slice). */
  requestStop(): void {
    this.deadline = Number.NEGATIVE_INFINITY;
    this.stopRequested = true;
  }

  /** snapshot returns the state of a machine stopped at a safe point; memory is the live memory, not a copy. */
  snapshot(): MachineSnapshot {
    const phase = this.phaseValue;
    if (phase !== 'ready' && phase !== 'unwound') throw new MachinePhaseError('snapshot', phase);
    const globals = new Map<string, number | bigint>();
    for (const name of this.globalNames()) globals.set(name, (this.instance.exports[name] as WebAssembly.Global).value as number | bigint);
    return { phase, memory: this.memory, globals, frames: this.frames };
  }

  /** adopt loads a snapshot into this freshly created machine (same instrumented module). */
  adopt(snapshot: { phase: 'ready' | 'unwound'; globals: ReadonlyMap<string, number | bigint>; frames: Uint8Array }): void {
    if (this.phaseValue !== 'ready') throw new MachinePhaseError('load state into', this.phaseValue);
    const expected = new Set(this.globalNames());
    for (const [name, value] of snapshot.globals) {
      if (!expected.has(name)) throw new MachineStateError(`saved global ${name} does not exist in the module`);
      (this.instance.exports[name] as WebAssembly.Global).value = value;
    }
    this.frames = snapshot.frames;
    this.phaseValue = snapshot.phase;
  }

  private globalNames(): string[] {
    const names = [...this.info.globals];
    if (this.counter) names.push(INSTRUMENTED_ABI.counterExport);
    return names;
  }

  private attach(instance: WebAssembly.Instance): void {
    const exports = instance.exports;
    const fn = (name: string): (() => unknown) => {
      const value = exports[name];
      if (typeof value !== 'function') throw new MachineStateError(`instrumented module lacks export ${name}`);
      return value as () => unknown;
    };
    this.instance = instance;
    const entry = fn(INSTRUMENTED_ABI.entry);
    this.suspendable?.connect(entry);
    this.exports = {
      entry,
      startUnwind: fn(INSTRUMENTED_ABI.startUnwind) as (pointer: number) => void,
      stopUnwind: fn(INSTRUMENTED_ABI.stopUnwind),
      startRewind: fn(INSTRUMENTED_ABI.startRewind) as (pointer: number) => void,
      stopRewind: fn(INSTRUMENTED_ABI.stopRewind),
    };
    const counter = exports[INSTRUMENTED_ABI.counterExport];
    this.counter = counter instanceof WebAssembly.Global ? counter : undefined;
  }

  private wrapImports(guestImports: MachineImports): WebAssembly.Imports {
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const [moduleName, functions] of Object.entries(guestImports)) {
      const wrapped: Record<string, WebAssembly.ImportValue> = {};
      for (const [name, handler] of Object.entries(functions)) wrapped[name] = this.wrapImport(handler);
      imports[moduleName] = wrapped;
    }
    imports[INSTRUMENTED_ABI.importModule] = {
      ...imports[INSTRUMENTED_ABI.importModule],
      [INSTRUMENTED_ABI.memoryImport]: this.memory,
      [INSTRUMENTED_ABI.preemptImport]: this.suspendable ? this.suspendable.preempt : () => void this.preempt(),
    };
    return imports;
  }

  private wrapImport(handler: GuestFunction): GuestFunction {
    return (...args: unknown[]): unknown => {
      if (this.phaseValue === 'rewinding') {
        this.finishRewind();
      } else if (this.stopRequested || (!this.suspendable && performance.now() >= this.deadline)) {
        // A machine that suspends ends its slices at preemption checks (one comes within about
        // a millisecond), so a system call serves only a stop request and reads no clock.
        this.beginUnwind(STOP_PREEMPTED);
        return 0;
      }
      try {
        return handler(...args);
      } catch (error) {
        if (error instanceof WouldBlock) {
          this.beginUnwind({ kind: 'blocked', ready: error.ready, reason: error.reason, cancel: error.cancel });
          return 0;
        }
        throw error;
      }
    };
  }

  /** preempt runs at a preemption check; a promise it returns suspends the guest's stack until it settles. */
  private preempt(): Promise<void> | undefined {
    const now = performance.now();
    if (this.phaseValue === 'rewinding') {
      this.finishRewind();
    } else if (now >= this.deadline) {
      if (this.suspendable && !this.mustStop()) return this.suspendForTurn();
      this.beginUnwind(STOP_PREEMPTED);
      return undefined;
    } else {
      // Keep the interval between preempt calls near 0.1-1 ms whatever the loop's cost.
      const elapsed = now - this.lastPreempt;
      if (elapsed < COUNTER.fastMs) this.counterReset = Math.min(COUNTER.maximum, this.counterReset * 2);
      else if (elapsed > COUNTER.slowMs) this.counterReset = Math.max(COUNTER.minimum, this.counterReset >> 2);
    }
    this.lastPreempt = now;
    (this.counter as WebAssembly.Global).value = this.counterReset;
    return undefined;
  }

  private mustStop(): boolean {
    return this.stopRequested || this.control.mustYield();
  }

  /**
   * suspendForTurn parks the stack for one turn of the event loop (what the scheduler gives
   * between slices), then either starts the unwind a stop needs or opens the next slice. A
   * failure rejects, which throws out of the guest and ends the run as failed.
   */
  private suspendForTurn(): Promise<void> {
    this.control.suspended();
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        try {
          const now = performance.now();
          this.control.resumed();
          if (this.mustStop()) {
            this.beginUnwind(STOP_PREEMPTED);
          } else {
            this.deadline = now + this.sliceMs;
            this.lastPreempt = now;
            (this.counter as WebAssembly.Global).value = this.counterReset;
          }
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private beginUnwind(stop: MachineStop): void {
    this.stop = stop;
    this.exports.startUnwind(this.buffer.lendForUnwind());
    this.phaseValue = 'unwinding';
  }

  private finishRewind(): void {
    this.exports.stopRewind();
    this.buffer.finishRewind();
    this.frames = new Uint8Array(0);
    this.phaseValue = 'running';
  }

  private finish(result: MachineResult): MachineResult {
    this.control = NO_SLICE_CONTROL;
    this.phaseValue = 'finished';
    this.frames = new Uint8Array(0);
    return result;
  }
}

interface AsyncifyExports {
  readonly entry: () => unknown;
  readonly startUnwind: (pointer: number) => void;
  readonly stopUnwind: () => unknown;
  readonly startRewind: (pointer: number) => void;
  readonly stopRewind: () => unknown;
}

function classifyThrow(error: unknown): MachineResult {
  if (error instanceof ProcExit) return { kind: 'exited', code: error.code };
  if (error instanceof TaskKilled) return { kind: 'killed', signal: error.signal };
  if (isTrap(error)) return { kind: 'trapped', trap: describeTrap(error) };
  return { kind: 'failed', error };
}
