// Test harnesses for code built on the sentry (`@stasis/sentry/testing`), as gVisor's
// contexttest: a kernel with an in-memory root and a clock the test drives, file
// descriptions that capture output, and a direct runner for uninstrumented WASI modules.
// Each harness returns a `dispose` that releases what it made.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Filetype } from './abi/wasi/filetype.js';
import type { ClockSource, TimerHandle } from './kernel/clock.js';
import { Kernel, type KernelOptions, type TaskOptions } from './kernel/kernel.js';
import type { Task } from './kernel/task.js';
import { WouldBlock } from './kernel/task-block.js';
import { ProcExit, TaskKilled } from './kernel/task-exit.js';
import { createWasiImports, WASI_MODULE } from './syscalls/wasi/imports.js';
import type { FileStat } from './vfs/file-description.js';
import { FileDescriptionDefaults } from './vfs/file-description-default.js';

/** FakeClock is a ClockSource whose time moves only when the test calls advance(). */
export class FakeClock implements ClockSource {
  readonly resolution = 1n;
  #realtime: bigint;
  #monotonic: bigint;
  #timers: { deadline: bigint; fire: () => void; cancelled: boolean }[] = [];
  constructor(options: { realtime?: bigint; monotonic?: bigint } = {}) {
    this.#realtime = options.realtime ?? 1_700_000_000_000_000_000n;
    this.#monotonic = options.monotonic ?? 1_000_000_000n;
  }
  /** Implements ClockSource.realtime. */
  realtime(): bigint {
    return this.#realtime;
  }
  /** Implements ClockSource.monotonic. */
  monotonic(): bigint {
    return this.#monotonic;
  }
  /** Implements ClockSource.setTimer; the timer fires during advance(). */
  setTimer(deadline: bigint, fire: () => void): TimerHandle {
    const timer = { deadline, fire, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }
  /** pendingTimers counts timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length;
  }
  /** advanceToNextTimer moves time to the earliest pending timer and fires it; false when none is pending. */
  advanceToNextTimer(): boolean {
    const pending = this.#timers.filter((timer) => !timer.cancelled);
    if (pending.length === 0) return false;
    const next = pending.reduce((earliest, timer) => (timer.deadline < earliest ? timer.deadline : earliest), pending[0]!.deadline);
    this.advance(next > this.#monotonic ? next - this.#monotonic : 0n);
    return true;
  }

  /** advance moves both clocks forward and fires the timers that came due. */
  advance(nanoseconds: bigint): void {
    this.#realtime += nanoseconds;
    this.#monotonic += nanoseconds;
    const due = this.#timers.filter((timer) => !timer.cancelled && timer.deadline <= this.#monotonic);
    this.#timers = this.#timers.filter((timer) => !due.includes(timer) && !timer.cancelled);
    for (const timer of due) timer.fire();
  }
}

/** CaptureSink is a write-only file description that keeps what the guest wrote (for stdout/stderr in tests). */
export class CaptureSink extends FileDescriptionDefaults {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  readonly #chunks: Uint8Array[] = [];
  /** Implements FileDescription.stat with fixed values. */
  stat(): FileStat {
    return { dev: 0n, ino: 0n, filetype: this.filetype, nlink: 1n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n };
  }
  /** Implements FileDescription.write by keeping a copy. */
  override write(buffers: readonly Uint8Array[]): number {
    let total = 0;
    for (const buffer of buffers) {
      this.#chunks.push(buffer.slice());
      total += buffer.length;
    }
    return total;
  }
  /** bytes is everything written so far. */
  bytes(): Uint8Array {
    return Buffer.concat(this.#chunks);
  }
  /** text is everything written so far, as UTF-8. */
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** TestKernel is a kernel made for a test, with its fake clock and captured stdio. */
export interface TestKernel {
  readonly kernel: Kernel;
  readonly clock: FakeClock;
  readonly stdout: CaptureSink;
  readonly stderr: CaptureSink;
  /** createTask makes a task whose stdin is /dev/null and whose stdout/stderr are captured. */
  createTask(options?: Partial<TaskOptions>): Task;
  dispose(): void;
}

/** createTestKernel makes a kernel with an in-memory root, a FakeClock and deterministic random bytes unless overridden. */
export function createTestKernel(options: KernelOptions = {}): TestKernel {
  const clock = new FakeClock();
  let seed = 1;
  const kernel = new Kernel({
    clock,
    random: (buffer) => {
      for (let index = 0; index < buffer.length; index++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        buffer[index] = seed >>> 24;
      }
    },
    log: () => {},
    ...options,
  });
  const stdout = new CaptureSink();
  const stderr = new CaptureSink();
  return {
    kernel,
    clock,
    stdout,
    stderr,
    createTask: (task = {}) => kernel.createTask({ args: ['test'], stdio: ['null', stdout, stderr], ...task }),
    dispose: () => {
      for (const task of [...kernel.tasks.values()]) task.exit(0);
    },
  };
}

/** newTmpfsRoot makes a host temporary directory (for bind mounts and rootfs lower layers) and its remover. */
export function newTmpfsRoot(prefix = 'stasis-test-'): { path: string; dispose: () => void } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { path: directory, dispose: () => fs.rmSync(directory, { recursive: true, force: true }) };
}

/** DirectRunResult is how a module run by runWasiDirect ended. */
export interface DirectRunResult {
  readonly exitCode: number;
}

/**
 * runWasiDirect instantiates an uninstrumented WASI module with createWasiImports and runs
 * `_start` on `task`, for testing the syscall layer without the machine. A call that must
 * wait cannot truly wait here: yields are retried at once; with a FakeClock, a call waiting
 * on a timer moves virtual time to the next timer and runs again (so sleeps and poll
 * timeouts take no real time); any other wait fails the run.
 */
export function runWasiDirect(module: WebAssemblyModuleLike, task: Task, options: { readonly clock?: FakeClock } = {}): DirectRunResult {
  let memory: { buffer: ArrayBufferLike } | undefined;
  const imports = createWasiImports(task, {
    memory: () => {
      if (memory === undefined) throw new Error('memory is not exported yet');
      return memory;
    },
  });
  const wrapped: Record<string, (...args: unknown[]) => number> = {};
  for (const [name, handler] of Object.entries(imports)) {
    wrapped[name] = (...args: unknown[]) => {
      for (;;) {
        try {
          return handler(...args);
        } catch (error) {
          if (error instanceof WouldBlock && error.reason === 'yield') continue;
          if (error instanceof WouldBlock && options.clock?.advanceToNextTimer()) continue;
          throw error;
        }
      }
    };
  }
  const instance = new (webAssembly().Instance)(module, { [WASI_MODULE]: wrapped });
  memory = instance.exports.memory as { buffer: ArrayBufferLike };
  let exitCode = 0;
  try {
    (instance.exports._start as () => void)();
  } catch (error) {
    if (error instanceof ProcExit) exitCode = error.code;
    else if (error instanceof TaskKilled) exitCode = error.exitCode;
    else throw error;
  }
  task.exit(exitCode);
  return { exitCode };
}

/** WebAssemblyModuleLike is a compiled WebAssembly.Module. */
export type WebAssemblyModuleLike = object;

/** WebAssemblyApi is the part of the global WebAssembly namespace the harnesses use (typed here, as the package's lib settings do not declare it). */
export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WebAssemblyModuleLike;
  Instance: new (module: WebAssemblyModuleLike, imports: object) => { exports: Record<string, unknown> };
}

/** webAssembly returns the global WebAssembly namespace. */
export function webAssembly(): WebAssemblyApi {
  return (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
}
