// The Kernel: the state every task of a sandbox shares. Counters (inode numbers, tids,
// device numbers) live here rather than in module state so a checkpoint saves them; the
// mount tree, clocks, limits and CPU feature set too. The kernel knows nothing of WASI
// function names: those live in abi/ and syscalls/.
import { randomFillSync } from 'node:crypto';
import { posix } from 'node:path';
import { Filetype } from '../abi/wasi/filetype.js';
import { RightSets } from '../abi/wasi/rights.js';
import { sysError } from '../errors/sys-error.js';
import { DevFilesystem } from '../fsimpl/dev/dev.js';
import { HostFilesystem } from '../fsimpl/host/host-fs.js';
import { HostInput, HostOutput } from '../fsimpl/host/host-stream.js';
import { createOverlay, type LowerLayer } from '../fsimpl/overlay/overlay.js';
import { ProcFilesystem, type ProcSource, type ProcTaskView } from '../fsimpl/proc/proc.js';
import { TmpfsFilesystem } from '../fsimpl/tmpfs/tmpfs.js';
import type { FileDescription } from '../vfs/file-description.js';
import { isDirectoryInode } from '../vfs/inode.js';
import type { DirectoryLocation } from '../vfs/location.js';
import { Vfs } from '../vfs/vfs.js';
import { type ClockSource, HostClock, KernelClock } from './clock.js';
import type { OpenFileCount } from './fd-table.js';
import { Pipe, PipeReadEnd, PipeWriteEnd } from './pipe/pipe.js';
import { Task } from './task.js';

/** KernelLimits bound what the guest can consume. */
export interface KernelLimits {
  /** Fds per task (RLIMIT_NOFILE): EMFILE beyond. */
  readonly openFiles: number;
  /** Open files in the whole kernel (fs.file-max): ENFILE beyond. */
  readonly maxOpenFiles: number;
  /** Wasm memory pages (64 KiB) per task; the machine enforces it at instantiation and growth. */
  readonly memoryPages: number;
  /** Bytes the root tmpfs or overlay upper layer may hold: ENOSPC beyond. */
  readonly tmpfsBytes: number;
  /** Bytes a pipe buffers before writers wait. */
  readonly pipeBytes: number;
}

/** DEFAULT_LIMITS are the limits of a kernel created without any. */
export const DEFAULT_LIMITS: KernelLimits = {
  openFiles: 1024,
  maxOpenFiles: 65536,
  memoryPages: 65536,
  tmpfsBytes: 256 * 1024 * 1024,
  pipeBytes: 64 * 1024,
};

/** CpuFeatures is the feature set the sandbox exposes (a @stasis/cpuid FeatureSet satisfies it). */
export interface CpuFeatures {
  names(): string[];
}

/** CpuInfoOptions give the kernel its CPU feature set and the renderer of /proc/cpuinfo. */
export interface CpuInfoOptions {
  readonly features: CpuFeatures;
  /** Renders /proc/cpuinfo from the feature set (@stasis/cpuid's renderCpuinfo). */
  readonly renderCpuinfo: (features: CpuFeatures) => string;
}

/** MountSpec is one mount of the container: a host bind mount or a tmpfs. */
export type MountSpec =
  | { readonly type: 'bind'; readonly source: string; readonly target: string; readonly readonly?: boolean }
  | { readonly type: 'tmpfs'; readonly target: string; readonly sizeBytes?: number };

/** KernelOptions configure a new kernel. */
export interface KernelOptions {
  /** Host directory of the container's rootfs: the overlay's read-only lower layer. Without it the root is an empty tmpfs. */
  readonly rootfs?: string;
  /** Mounts applied in order over the root (targets are absolute guest paths, created as needed). */
  readonly mounts?: readonly MountSpec[];
  readonly cpu?: CpuInfoOptions;
  readonly limits?: Partial<KernelLimits>;
  /** Where time comes from; the host's clocks by default. */
  readonly clock?: ClockSource;
  /** Fills a buffer with random bytes; node:crypto by default. */
  readonly random?: (buffer: Uint8Array) => void;
  /** Receives kernel diagnostics (internal errors with the syscall name); stderr by default. */
  readonly log?: (message: string) => void;
}

/** StdioSpec binds one of fds 0-2: a host fd number, /dev/null, or a kernel file description (a pipe end). */
export type StdioSpec = number | 'null' | FileDescription;

/** NamedPipe is a kernel pipe that tasks find by name: one read end and one write end, each shared by every task bound to it. */
export interface NamedPipe {
  readEnd: PipeReadEnd;
  writeEnd: PipeWriteEnd;
}

/** PreopenSpec is a directory given to the task at fd 3 onwards. */
export interface PreopenSpec {
  /** The guest path opened; a relative path is taken from the root. */
  readonly path: string;
  /** The name fd_prestat_dir_name reports (what wasi-libc matches paths against); `path` by default. */
  readonly name?: string;
}

/** TaskOptions describe a task to start. */
export interface TaskOptions {
  /** argv, argv[0] included. */
  readonly args: readonly string[];
  /** Environment, as `KEY=VALUE` entries or a record. */
  readonly env?: readonly string[] | Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Fds 0, 1, 2; the host's 0, 1, 2 by default. */
  readonly stdio?: readonly [StdioSpec, StdioSpec, StdioSpec];
  readonly preopens?: readonly PreopenSpec[];
}

/** CheckpointState tells a program whether it runs fresh, restored from an image, or resumed after a checkpoint. */
export type CheckpointState = 'none' | 'restore' | 'resume';

/** KernelCheckpointStatus is what /proc/stasis/checkpoint shows; the checkpoint code sets it. */
export interface KernelCheckpointStatus {
  state: CheckpointState;
  /** How many checkpoints this kernel's lineage has been through. */
  count: number;
}

/** Kernel is the state shared by a sandbox's tasks. */
export class Kernel implements ProcSource {
  readonly limits: KernelLimits;
  readonly clock: KernelClock;
  readonly vfs: Vfs;
  readonly tasks = new Map<number, Task>();
  readonly openFiles: OpenFileCount;
  readonly cpu: CpuInfoOptions | undefined;
  readonly random: (buffer: Uint8Array) => void;
  readonly log: (message: string) => void;
  readonly dev: DevFilesystem;
  readonly proc: ProcFilesystem;
  readonly rootFilesystem: TmpfsFilesystem;
  /** The rootfs lower layer, re-bound to a new bundle on restore. */
  readonly lowerLayer: LowerLayer | undefined;
  readonly bindMounts: HostFilesystem[] = [];
  /** The mounts given in options, in order, each with its file system (for saving). */
  readonly mountSpecs: { readonly spec: MountSpec; readonly filesystem: HostFilesystem | TmpfsFilesystem }[] = [];
  checkpoint: KernelCheckpointStatus = { state: 'none', count: 0 };
  /** Pipes by name (namedPipeEnd); saved with the kernel, ends no task holds yet included. */
  readonly namedPipes = new Map<string, NamedPipe>();
  /** The task whose syscall is running, set by the syscall layer (for /proc/self). */
  currentTask: Task | undefined;
  /** Next inode number; saved with the kernel. */
  nextIno = 1n;
  /** Next task id; saved with the kernel. */
  nextTid = 1;
  /** Next device number; saved with the kernel. */
  nextDev = 1n;
  readonly #bootedAt: bigint;
  /** @state nosave: host streams are bound again on restore */
  readonly #hostInputs = new Map<number, HostInput>();

  constructor(options: KernelOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.clock = new KernelClock(options.clock ?? new HostClock());
    this.openFiles = { open: 0, limit: this.limits.maxOpenFiles };
    this.cpu = options.cpu;
    this.random = options.random ?? ((buffer) => randomFillSync(buffer));
    this.log = options.log ?? ((message) => process.stderr.write(`stasis: ${message}\n`));
    this.#bootedAt = this.clock.monotonic();
    const allocateIno = () => this.allocateIno();
    const now = () => this.clock.realtime();
    const tmpfsOptions = { dev: this.allocateDev(), allocateIno, now, limitBytes: this.limits.tmpfsBytes };
    if (options.rootfs !== undefined) {
      const overlay = createOverlay(options.rootfs, tmpfsOptions);
      this.rootFilesystem = overlay.filesystem;
      this.lowerLayer = overlay.layer;
    } else {
      this.rootFilesystem = new TmpfsFilesystem(tmpfsOptions);
    }
    this.vfs = new Vfs(this.rootFilesystem.root);
    this.proc = new ProcFilesystem(this.allocateDev(), now(), allocateIno, this);
    this.dev = new DevFilesystem(this.allocateDev(), now(), allocateIno, this.random);
    this.vfs.mount('/proc', this.proc.root);
    this.vfs.mount('/dev', this.dev.root);
    for (const spec of options.mounts ?? []) this.addMount(spec);
  }

  /** allocateIno returns a fresh inode number. */
  allocateIno(): bigint {
    const ino = this.nextIno;
    this.nextIno += 1n;
    return ino;
  }

  /** allocateDev returns a fresh device number for a new file system. */
  allocateDev(): bigint {
    const dev = this.nextDev;
    this.nextDev += 1n;
    return dev;
  }

  /** addMount mounts a bind mount or a tmpfs at its target. */
  addMount(spec: MountSpec): void {
    const target = posix.resolve('/', spec.target);
    if (spec.type === 'bind') {
      const filesystem = new HostFilesystem(spec.source, { dev: this.allocateDev(), readonly: spec.readonly ?? false });
      this.bindMounts.push(filesystem);
      this.mountSpecs.push({ spec, filesystem });
      this.vfs.mount(target, filesystem.rootInode);
    } else {
      const filesystem = new TmpfsFilesystem({
        dev: this.allocateDev(),
        allocateIno: () => this.allocateIno(),
        now: () => this.clock.realtime(),
        limitBytes: spec.sizeBytes ?? this.limits.tmpfsBytes,
      });
      this.mountSpecs.push({ spec, filesystem });
      this.vfs.mount(target, filesystem.root);
    }
  }

  /** createPipe makes a pipe and returns its two ends, for stdio between tasks. */
  createPipe(): { readEnd: PipeReadEnd; writeEnd: PipeWriteEnd } {
    const pipe = new Pipe(this.allocateIno(), 0n, this.clock.realtime(), this.limits.pipeBytes);
    return { readEnd: new PipeReadEnd(pipe), writeEnd: new PipeWriteEnd(pipe) };
  }

  /**
   * namedPipeEnd returns the `side` end of the pipe called `name`, making the pipe at first
   * use. Every task bound to one side shares one open file description, so the read end
   * sees end of file once every task holding the write end has closed it. Both ends exist
   * from the start, as a shell makes a pipe before it forks either side: until a task takes
   * the write end, it counts as open, so a reader that starts first waits for its writer
   * instead of reading end of file. An end that was closed is opened afresh on the same pipe
   * (a FIFO opened again); a pipe whose ends were both closed is replaced by a new one.
   */
  namedPipeEnd(name: string, side: 'read' | 'write'): PipeReadEnd | PipeWriteEnd {
    let named = this.namedPipes.get(name);
    if (named === undefined || (named.readEnd.released && named.writeEnd.released)) {
      named = this.createPipe();
      this.namedPipes.set(name, named);
    }
    if (side === 'read') {
      if (named.readEnd.released) named.readEnd = new PipeReadEnd(named.readEnd.pipe);
      return named.readEnd;
    }
    if (named.writeEnd.released) named.writeEnd = new PipeWriteEnd(named.writeEnd.pipe);
    return named.writeEnd;
  }

  /** createTask makes a task with its stdio at fds 0-2 and its preopened directories from fd 3. */
  createTask(options: TaskOptions): Task {
    const env = Array.isArray(options.env)
      ? [...(options.env as readonly string[])]
      : Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
    const task = new Task(this, this.nextTid++, [...options.args], env, options.cwd ?? '/');
    const stdio = options.stdio ?? [0, 1, 2];
    stdio.forEach((spec, fd) => {
      const description = this.stdioDescription(spec, fd === 0);
      const rights = description.filetype === Filetype.CHARACTER_DEVICE ? RightSets.CHARACTER_DEVICE_BASE : STDIO_RIGHTS;
      task.fdTable.insertAt(fd, { description, rightsBase: rights, rightsInheriting: 0n });
    });
    for (const preopen of options.preopens ?? []) {
      const path = posix.resolve('/', preopen.path);
      const location = path === '/' ? this.vfs.root : this.vfs.resolve(this.vfs.root, path.slice(1), true);
      if (!isDirectoryInode(location.inode)) throw sysError.notdir(`preopen ${preopen.path}`);
      const directory = location as DirectoryLocation;
      task.fdTable.insert(
        {
          description: this.vfs.openDirectory(directory, directory),
          rightsBase: RightSets.DIRECTORY_BASE,
          rightsInheriting: RightSets.DIRECTORY_INHERITING,
          preopen: preopen.name ?? preopen.path,
        },
        3,
      );
    }
    this.tasks.set(task.tid, task);
    return task;
  }

  /** taskExited is called by Task.exit. */
  taskExited(task: Task): void {
    this.tasks.delete(task.tid);
    if (this.currentTask === task) this.currentTask = undefined;
  }

  /** stdioDescription makes the description a StdioSpec stands for (a host fd, /dev/null, or the description itself). */
  stdioDescription(spec: StdioSpec, input: boolean): FileDescription {
    if (spec === 'null') return this.dev.openDevice('null', { read: input, write: !input, truncate: false, flags: 0 });
    if (typeof spec === 'number') {
      if (!input) return new HostOutput(spec, 0n);
      // One reader per host fd, shared by every task given it, so their reads never race.
      let reader = this.#hostInputs.get(spec);
      if (reader === undefined) {
        reader = new HostInput(spec, 0n);
        this.#hostInputs.set(spec, reader);
      }
      return reader;
    }
    return spec;
  }

  /** Implements ProcSource.cpuinfo with the injected renderer. */
  cpuinfo(): string {
    return this.cpu === undefined ? '' : this.cpu.renderCpuinfo(this.cpu.features);
  }

  /** Implements ProcSource.meminfo: the per-task memory limit as MemTotal, less what tmpfs holds. */
  meminfo(): string {
    const totalKb = Math.floor((this.limits.memoryPages * 65536) / 1024);
    const usedKb = Math.ceil(this.rootFilesystem.usedBytes / 1024);
    const freeKb = Math.max(0, totalKb - usedKb);
    const line = (key: string, kb: number) => `${`${key}:`.padEnd(16)}${String(kb).padStart(8)} kB\n`;
    return line('MemTotal', totalKb) + line('MemFree', freeKb) + line('MemAvailable', freeKb) + line('Shmem', usedKb);
  }

  /** Implements ProcSource.mounts in /proc/mounts format. */
  mounts(): string {
    return this.vfs.mounts.mounts
      .map((mount) => `${mount.filesystem.type} ${mount.path} ${mount.filesystem.type} ${mount.filesystem.readonly ? 'ro' : 'rw'} 0 0\n`)
      .join('');
  }

  /** Implements ProcSource.checkpointStatus: `state none|restore|resume\ncount N\n`. */
  checkpointStatus(): string {
    return `state ${this.checkpoint.state}\ncount ${this.checkpoint.count}\n`;
  }

  /** Implements ProcSource.uptime: seconds since boot on the guest's monotonic clock. */
  uptime(): string {
    const elapsed = this.clock.monotonic() - this.#bootedAt;
    const seconds = Number(elapsed / 10_000_000n) / 100;
    return `${seconds.toFixed(2)} ${seconds.toFixed(2)}\n`;
  }

  /** Implements ProcSource.taskViews. */
  *taskViews(): Iterable<ProcTaskView> {
    for (const task of this.tasks.values()) yield task;
  }

  /** Implements ProcSource.currentTid. */
  currentTid(): number | undefined {
    return this.currentTask?.tid;
  }
}

/** STDIO_RIGHTS are the rights of a stdio fd that is not a terminal (a pipe, file or /dev/null). */
const STDIO_RIGHTS = RightSets.CHARACTER_DEVICE_BASE;
