// The public face of the sentry: a Sandbox runs one WASI program (and what is exec'd beside
// it) in a kernel of its own. It composes the loader (validate, instrument, cache), a Kernel
// (file system, fds, clocks), one Machine per task (the wasm instance and its Asyncify state)
// and the Scheduler (time slices on this thread).
//
// Lifecycle, as in runc/runsc: created -> start() -> running <-> paused -> stopped. The
// sandbox stops when its init task exits; the other tasks are then killed, as a container's
// processes die with its init.
import { FeatureSet, detectHost } from '@stasis/cpuid';
import { cpuInfoFor } from './kernel/cpuinfo.js';
import { type CpuInfoOptions, Kernel } from './kernel/kernel.js';
import { type ExitStatus, SIGNALS, type ScheduledTask, Scheduler, signalTerminates } from './kernel/scheduler.js';
import type { LoadedProgram } from './loader/load.js';
import { loadProgram } from './loader/load.js';
import { Machine } from './machine/machine.js';
import {
  type GuestTree,
  type SandboxOptions,
  type StdioBinding,
  guestTree,
  kernelStdio,
  parseSandboxOptions,
  parseStdio,
  reportFd,
  useStackSwitching,
} from './sandbox-options.js';
import { GuestTask, hostWriter } from './sandbox-task.js';
import { type CheckpointOptions, type CheckpointResult, type CheckpointableTask, checkpointSandbox } from './state/checkpoint.js';
import { type RestoreOptions, restoreSandbox } from './state/restore.js';
import { WASI_MODULE, createWasiImports } from './syscalls/wasi/imports.js';
import { WASI_SYSCALLS } from './syscalls/wasi/table.js';

/** SandboxProgram is an instrumented program as the sandbox keeps it (loaded, or read from an image). */
export type SandboxProgram = Pick<LoadedProgram, 'program' | 'module' | 'bytes' | 'info'>;

/** SandboxStatus is where a sandbox is in its lifecycle. */
export type SandboxStatus = 'created' | 'running' | 'paused' | 'stopped';

/** SandboxTaskInfo describes one task for `ps`. */
export interface SandboxTaskInfo {
  tid: number;
  args: string[];
  state: 'running' | 'blocked' | 'paused' | 'exited';
  exitCode?: number;
}

/** SandboxStats are a sandbox's resource figures. */
export interface SandboxStats {
  /** Linear memory of the live tasks, in bytes. */
  memoryBytes: number;
  /** Live tasks. */
  tasks: number;
  /** CPU time used by all tasks, exited ones included. */
  cpuTimeMs: number;
}

/** ExecOptions describe a task started beside the init task (`runc exec`). */
export interface ExecOptions {
  /** The program (default: the sandbox's own module). */
  module?: Uint8Array | string;
  args: string[];
  /** Environment (default: the init task's). */
  env?: string[];
  cwd?: string;
  /** Stdio (default: the sandbox's). */
  stdio?: StdioBinding;
}

/** ExecHandle is a started exec task. */
export interface ExecHandle {
  tid: number;
  wait(): Promise<{ code: number; signal?: number }>;
}

/** KillOptions choose which task a signal goes to (default: the init task). */
export interface KillOptions {
  tid?: number;
  /** Signal every live task. */
  all?: boolean;
}

/** SandboxRestoreOptions restore a sandbox from a checkpoint image (then start() it). */
export interface SandboxRestoreOptions extends Omit<RestoreOptions, 'hostCpuFeatures'> {
  /** This host's CPU feature set after its own policy (default: detected); the image's set must be a subset. */
  cpuFeatures?: FeatureSet;
  /** Instrumented-module cache for programs exec'd after the restore. */
  cacheDir?: string | false;
  /** As SandboxOptions.stackSwitching (not part of the image: a property of the host process). */
  stackSwitching?: boolean;
}

/** SandboxStateError: an operation that the sandbox's status does not allow (start twice, exec when stopped). */
export class SandboxStateError extends Error {
  override name = 'SandboxStateError';
  readonly status: SandboxStatus;
  constructor(operation: string, status: SandboxStatus) {
    super(`cannot ${operation} a sandbox that is ${status}`);
    this.status = status;
  }
}

/** WASI_IMPORT_NAMES are the imports a program may use, as `module.name`. */
const WASI_IMPORT_NAMES: ReadonlySet<string> = new Set(Object.keys(WASI_SYSCALLS).map((name) => `${WASI_MODULE}.${name}`));

/** Sandbox runs a WASI program in a kernel of its own. */
export class Sandbox {
  /** The sandbox's kernel (file system, tasks, clocks). */
  readonly kernel: Kernel;
  /** The init program, instrumented and compiled. */
  readonly program: SandboxProgram;
  readonly labels: Readonly<Record<string, string>>;
  private readonly options: SandboxOptions;
  private readonly tree: GuestTree;
  private readonly scheduler: Scheduler;
  private readonly guests = new Map<number, GuestTask>();
  private readonly programs = new Map<string, Promise<LoadedProgram>>();
  private readonly init: GuestTask;
  private statusValue: SandboxStatus = 'created';
  private readonly initExit: Promise<ExitStatus>;
  private settleInit!: (status: ExitStatus) => void;
  /** Instrumented programs by hash: a checkpoint carries the bytes of each one a live task runs. */
  private readonly modules = new Map<string, SandboxProgram>();
  /** Restored tasks other than init, scheduled by start() with the CPU time and signal they had. */
  private restoredTasks: { guest: GuestTask; cpuTimeMs: number; pendingSignal: number | undefined }[] = [];

  private constructor(options: SandboxOptions, kernel: Kernel, tree: GuestTree, program: SandboxProgram, init: GuestTask) {
    this.options = options;
    this.kernel = kernel;
    this.tree = tree;
    this.program = program;
    this.init = init;
    this.labels = { ...options.labels };
    this.scheduler = new Scheduler({
      cpuTimeLimitMs: options.limits?.cpuTimeMs,
      onError: (tid, error) => kernel.log(`task ${tid} failed in the scheduler: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
    this.guests.set(init.task.tid, init);
    this.modules.set(program.info.hash, program);
    this.initExit = new Promise((resolve) => {
      this.settleInit = resolve;
    });
  }

  /** create loads and instruments the program (cached) and builds the kernel and the init task; nothing runs until start(). */
  static async create(given: SandboxOptions): Promise<Sandbox> {
    parseSandboxOptions(given);
    // Resolved once (it may throw StackSwitchingUnavailableError): every task spawned later uses the answer.
    const options: SandboxOptions = { ...given, stackSwitching: useStackSwitching(given.stackSwitching) };
    const tree = guestTree(options);
    const cpu = cpuOptions(options.cpuFeatures);
    const kernel = new Kernel({
      ...(options.rootfs !== undefined ? { rootfs: options.rootfs } : {}),
      mounts: tree.mounts,
      ...(cpu ? { cpu } : {}),
      limits: {
        ...(options.limits?.openFiles !== undefined ? { openFiles: options.limits.openFiles } : {}),
        ...(options.limits?.memoryPages !== undefined ? { memoryPages: options.limits.memoryPages } : {}),
      },
    });
    const program = await loadProgram(options.module, {
      mode: options.mode ?? 'anywhere',
      providedImports: WASI_IMPORT_NAMES,
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    });
    const init = await spawn(kernel, tree, program, options, { args: options.args, env: options.env, cwd: options.cwd, stdio: options.stdio });
    return new Sandbox(options, kernel, tree, program, init);
  }

  /** status is where the sandbox is in its lifecycle. */
  get status(): SandboxStatus {
    return this.statusValue;
  }

  /** start runs the init task. */
  start(): void {
    if (this.statusValue !== 'created') throw new SandboxStateError('start', this.statusValue);
    this.statusValue = 'running';
    const init = this.schedule(this.init);
    init.exited.then((status) => this.stopped(status));
    for (const { guest, cpuTimeMs, pendingSignal } of this.restoredTasks) {
      const scheduled = guest === this.init ? init : this.schedule(guest);
      scheduled.cpuTimeMs = cpuTimeMs;
      if (pendingSignal !== undefined) this.scheduler.kill(guest.task.tid, pendingSignal);
    }
    this.restoredTasks = [];
  }

  /** wait resolves when the init task exits: its exit code (128 + signal when killed; 134 on a trap). */
  async wait(): Promise<{ code: number; signal?: number }> {
    return { ...(await this.initExit) };
  }

  /**
   * kill signals the init task (or `options.tid`, or every task with `all`). The task ends at
   * its next safe point, which is at once unless it is inside a syscall; SIGKILL also ends a
   * paused task, other signals take effect on resume. WASI programs have no signal handlers,
   * so each signal does its default action: most terminate, and those ignored by default
   * (SIGCHLD, SIGURG, SIGWINCH), SIGCONT and the stop signals do nothing (`signalTerminates`).
   */
  kill(signal: number, options: KillOptions = {}): void {
    if (this.statusValue === 'stopped' || !signalTerminates(signal)) return;
    if (this.statusValue === 'created') {
      this.init.task.exit(128 + signal);
      this.stopped({ code: 128 + signal, signal });
      return;
    }
    const targets = options.all ? [...this.guests.keys()] : [options.tid ?? this.init.task.tid];
    for (const tid of targets) this.scheduler.kill(tid, signal);
  }

  /** pause stops every task at a safe point; it resolves once none is running. */
  async pause(): Promise<void> {
    if (this.statusValue === 'paused') return;
    if (this.statusValue !== 'running') throw new SandboxStateError('pause', this.statusValue);
    await this.scheduler.pause();
    if (this.statusValue === 'running') this.statusValue = 'paused';
  }

  /** resume continues a paused sandbox. */
  resume(): void {
    if (this.statusValue !== 'paused') throw new SandboxStateError('resume', this.statusValue);
    this.statusValue = 'running';
    this.scheduler.resume();
  }

  /** exec starts another task in the sandbox, sharing its file system. */
  async exec(options: ExecOptions): Promise<ExecHandle> {
    if (this.statusValue !== 'running') throw new SandboxStateError('exec in', this.statusValue);
    parseStdio(options.stdio);
    if (options.args.length === 0) throw new SandboxStateError('exec an empty argv in', this.statusValue);
    const program = options.module === undefined ? this.program : await this.load(options.module);
    this.modules.set(program.info.hash, program);
    const guest = await spawn(this.kernel, this.tree, program, this.options, {
      args: options.args,
      env: options.env ?? this.options.env,
      cwd: options.cwd ?? this.options.cwd,
      stdio: options.stdio ?? this.options.stdio,
    });
    if (this.statusValue !== 'running') {
      guest.task.exit(128 + SIGNALS.SIGKILL);
      throw new SandboxStateError('exec in', this.statusValue);
    }
    this.guests.set(guest.task.tid, guest);
    const scheduled = this.schedule(guest);
    return { tid: guest.task.tid, wait: async () => ({ ...(await scheduled.exited) }) };
  }

  /** tasks lists every task the sandbox has run, in tid order. */
  tasks(): SandboxTaskInfo[] {
    return [...this.guests.values()].map((guest) => {
      const scheduled = this.scheduler.get(guest.task.tid);
      const args = [...guest.task.args];
      if (!scheduled) return { tid: guest.task.tid, args, state: this.statusValue === 'stopped' ? 'exited' : 'blocked' };
      if (scheduled.state === 'exited') return { tid: scheduled.tid, args, state: 'exited', exitCode: scheduled.status?.code };
      if (this.scheduler.paused) return { tid: scheduled.tid, args, state: 'paused' };
      return { tid: scheduled.tid, args, state: scheduled.state === 'blocked' ? 'blocked' : 'running' };
    });
  }

  /** stats reports memory, live tasks and CPU time. */
  stats(): SandboxStats {
    let memoryBytes = 0;
    let tasks = 0;
    let cpuTimeMs = 0;
    for (const guest of this.guests.values()) {
      const scheduled = this.scheduler.get(guest.task.tid);
      cpuTimeMs += scheduled?.cpuTimeMs ?? 0;
      if (scheduled?.state === 'exited' || guest.task.state === 'exited') continue;
      tasks++;
      memoryBytes += guest.machine.memory.buffer.byteLength;
    }
    return { memoryBytes, tasks, cpuTimeMs };
  }

  /**
   * checkpoint writes an image of the running sandbox to `options.imagePath` (see
   * state/checkpoint.ts): every task is stopped at a safe point, the image is made durable,
   * then the sandbox stops (wait() resolves with 137, as a SIGKILL) or, with leaveRunning,
   * runs on with the same tasks. On failure it runs on and no image is left behind.
   */
  async checkpoint(options: CheckpointOptions): Promise<CheckpointResult> {
    if (this.statusValue !== 'running' && this.statusValue !== 'paused') throw new SandboxStateError('checkpoint', this.statusValue);
    const paused = this.statusValue === 'paused';
    return checkpointSandbox(
      {
        kernel: this.kernel,
        mode: this.options.mode ?? 'anywhere',
        cpuFeatures: this.cpuFeatures(),
        limits: { ...this.options.limits },
        labels: this.labels,
        initTid: this.init.task.tid,
        preopens: this.tree.preopens.map((preopen) => ({ path: preopen.path, name: preopen.name ?? preopen.path })),
        env: this.options.env,
        cwd: this.options.cwd,
        pause: () => this.scheduler.pause(),
        runningTask: () => {
          const running = this.scheduler.list().find((scheduled) => scheduled.state === 'running');
          return running && { tid: running.tid, args: this.guests.get(running.tid)?.task.args ?? [] };
        },
        liveTasks: () => this.liveTasks(),
        resume: () => {
          if (!paused) this.scheduler.resume();
        },
        stop: () => this.stopped({ code: 128 + SIGNALS.SIGKILL, signal: SIGNALS.SIGKILL }),
      },
      options,
    );
  }

  /** restore rebuilds a sandbox from a checkpoint image (see state/restore.ts); start() runs it on from where it stopped. */
  static async restore(options: SandboxRestoreOptions): Promise<Sandbox> {
    const { cpuFeatures, cacheDir, stackSwitching: stackSwitchingOption, ...restoreOptions } = options;
    const stackSwitching = useStackSwitching(stackSwitchingOption);
    const restored = await restoreSandbox({ ...restoreOptions, ...(cpuFeatures ? { hostCpuFeatures: cpuFeatures } : {}) }, (task, program, pages, limits) =>
      Machine.create(
        {
          module: program.module,
          info: program.info,
          imports: (memory) => ({ [WASI_MODULE]: createWasiImports(task, { memory: () => memory }) }),
          ...(limits.memoryPages !== undefined ? { memoryLimitPages: limits.memoryPages } : {}),
          stackSwitching,
        },
        pages,
      ),
    );
    const { settings, kernel } = restored;
    const init = restored.tasks.find((task) => task.tid === settings.initTid);
    if (init === undefined) throw new SandboxStateError('restore an image without its init task into', 'created');
    const stderr = options.stdio?.stderr ?? 2;
    const guestOf = (task: (typeof restored.tasks)[number]) => new GuestTask(task.task, task.machine, task.program.program, hostWriter(stderr));
    const sandboxOptions: SandboxOptions = {
      module: init.program.bytes,
      args: [...init.task.args],
      env: settings.env,
      ...(settings.cwd !== null ? { cwd: settings.cwd } : {}),
      ...(options.rootfs !== undefined ? { rootfs: options.rootfs } : {}),
      ...(options.stdio !== undefined ? { stdio: options.stdio } : {}),
      mode: settings.mode,
      cpuFeatures: restored.cpuFeatures,
      limits: settings.limits,
      ...(cacheDir !== undefined ? { cacheDir } : {}),
      labels: settings.labels,
      stackSwitching,
    };
    const sandbox = new Sandbox(sandboxOptions, kernel, { mounts: [], preopens: settings.preopens }, init.program, guestOf(init));
    for (const task of restored.tasks) {
      sandbox.modules.set(task.program.info.hash, task.program);
      const guest = task === init ? sandbox.init : guestOf(task);
      sandbox.guests.set(task.tid, guest);
      sandbox.restoredTasks.push({ guest, cpuTimeMs: task.cpuTimeMs, pendingSignal: task.pendingSignal });
    }
    return sandbox;
  }

  /** The CPU feature set the guests see: the options', or the host's (empty on a host @stasis/cpuid cannot read). */
  private cpuFeatures(): FeatureSet {
    const features = this.options.cpuFeatures ?? this.kernel.cpu?.features;
    return features instanceof FeatureSet ? features : FeatureSet.empty('x86_64');
  }

  private liveTasks(): CheckpointableTask[] {
    const live: CheckpointableTask[] = [];
    for (const guest of [...this.guests.values()].sort((left, right) => left.task.tid - right.task.tid)) {
      const scheduled = this.scheduler.get(guest.task.tid);
      if (guest.task.state === 'exited' || scheduled?.state === 'exited') continue;
      const program = this.modules.get(guest.machine.info.hash);
      if (program === undefined) throw new SandboxStateError(`checkpoint task ${guest.task.tid} whose program is unknown in`, this.statusValue);
      live.push({
        tid: guest.task.tid,
        args: guest.task.args,
        machine: guest.machine,
        program,
        cpuTimeMs: scheduled?.cpuTimeMs ?? 0,
        pendingSignal: scheduled?.pendingSignal,
      });
    }
    return live;
  }

  private schedule(guest: GuestTask): ScheduledTask {
    const scheduled = this.scheduler.add(guest.task.tid, guest);
    scheduled.exited.then((status) => guest.task.exit(status.code));
    return scheduled;
  }

  private stopped(status: ExitStatus): void {
    if (this.statusValue === 'stopped') return;
    this.statusValue = 'stopped';
    // A container's processes die with its init.
    for (const tid of this.guests.keys()) this.scheduler.kill(tid, SIGNALS.SIGKILL);
    this.scheduler.resume();
    this.settleInit(status);
  }

  private load(module: Uint8Array | string): Promise<LoadedProgram> {
    if (typeof module !== 'string') return loadProgram(module, this.loadOptions());
    let program = this.programs.get(module);
    if (!program) {
      program = loadProgram(module, this.loadOptions());
      this.programs.set(module, program);
      program.catch(() => this.programs.delete(module));
    }
    return program;
  }

  private loadOptions() {
    return {
      mode: this.options.mode ?? 'anywhere',
      providedImports: WASI_IMPORT_NAMES,
      ...(this.options.cacheDir !== undefined ? { cacheDir: this.options.cacheDir } : {}),
    } as const;
  }
}

/** spawn makes a kernel task and its machine (not yet scheduled). */
async function spawn(
  kernel: Kernel,
  tree: GuestTree,
  program: SandboxProgram,
  options: SandboxOptions,
  task: { args: string[]; env: string[]; cwd?: string | undefined; stdio?: StdioBinding | undefined },
): Promise<GuestTask> {
  const kernelTask = kernel.createTask({
    args: task.args,
    env: task.env,
    ...(task.cwd !== undefined ? { cwd: task.cwd } : {}),
    stdio: kernelStdio(task.stdio, kernel),
    preopens: tree.preopens,
  });
  try {
    const machine = await Machine.create({
      module: program.module,
      info: program.info,
      imports: (memory) => ({ [WASI_MODULE]: createWasiImports(kernelTask, { memory: () => memory }) }),
      ...(options.limits?.memoryPages !== undefined ? { memoryLimitPages: options.limits.memoryPages } : {}),
      stackSwitching: options.stackSwitching === true,
    });
    return new GuestTask(kernelTask, machine, program.program, hostWriter(reportFd(task.stdio)));
  } catch (error) {
    kernelTask.exit(128 + SIGNALS.SIGKILL);
    throw error;
  }
}

/** cpuOptions renders /proc/cpuinfo from the given feature set, or the host's (undefined on a host @stasis/cpuid does not know). */
function cpuOptions(features: FeatureSet | undefined): CpuInfoOptions | undefined {
  const host = detectHost();
  if (features) return cpuInfoFor(features, host.supported && host.arch === features.arch ? { cpus: host.cpus, ...host.identity } : {});
  return host.supported ? cpuInfoFor(host.features, { cpus: host.cpus, ...host.identity }) : undefined;
}
