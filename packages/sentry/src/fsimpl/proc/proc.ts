// /proc: the kernel's view of itself, rendered when a file is opened.
//
// - cpuinfo: the sandbox's CPU feature set, rendered by the injected @stasis/cpuid renderer.
// - meminfo: the memory limit and what tmpfs holds, in Linux's `Key:  N kB` format.
// - mounts: one line per mount, Linux's /proc/mounts format.
// - self: a symlink to the calling task's directory; <tid>/{cmdline,environ,status}.
// - stasis/checkpoint: whether this kernel was restored from a checkpoint, as
//   `state none|restore|resume\ncount N\n` (see KernelCheckpointStatus).
import { SyntheticDirectory, SyntheticFile, SyntheticFilesystem, SyntheticSymlink } from '../synthetic/synthetic.js';

/** ProcTaskView is what /proc shows of a task. */
export interface ProcTaskView {
  readonly tid: number;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly state: string;
}

/** ProcSource is the kernel state /proc renders (the kernel implements it). */
export interface ProcSource {
  cpuinfo(): string;
  meminfo(): string;
  mounts(): string;
  checkpointStatus(): string;
  uptime(): string;
  taskViews(): Iterable<ProcTaskView>;
  /** The task making the current call, for /proc/self. */
  currentTid(): number | undefined;
}

/** ProcFilesystem is /proc. */
export class ProcFilesystem extends SyntheticFilesystem {
  readonly root: SyntheticDirectory;
  readonly #taskDirectories = new Map<number, SyntheticDirectory>();
  readonly #source: ProcSource;
  constructor(dev: bigint, createdAt: bigint, allocateIno: () => bigint, source: ProcSource) {
    super('proc', dev, createdAt, allocateIno);
    this.#source = source;
    const root = new SyntheticDirectory(this);
    this.root = root;
    root.add('cpuinfo', new SyntheticFile(this, () => source.cpuinfo()));
    root.add('meminfo', new SyntheticFile(this, () => source.meminfo()));
    root.add('mounts', new SyntheticFile(this, () => source.mounts()));
    root.add('uptime', new SyntheticFile(this, () => source.uptime()));
    root.add('self', new SyntheticSymlink(this, () => String(source.currentTid() ?? 0)));
    const stasis = root.add('stasis', new SyntheticDirectory(this));
    stasis.add('checkpoint', new SyntheticFile(this, () => source.checkpointStatus()));
    root.dynamic = () => this.#tasks();
  }

  #tasks(): ReadonlyMap<string, SyntheticDirectory> {
    const live = new Map<string, SyntheticDirectory>();
    const seen = new Set<number>();
    for (const task of this.#source.taskViews()) {
      seen.add(task.tid);
      let directory = this.#taskDirectories.get(task.tid);
      if (directory === undefined) {
        directory = this.#taskDirectory(task);
        this.#taskDirectories.set(task.tid, directory);
      }
      live.set(String(task.tid), directory);
    }
    for (const tid of this.#taskDirectories.keys()) if (!seen.has(tid)) this.#taskDirectories.delete(tid);
    return live;
  }

  #taskDirectory(task: ProcTaskView): SyntheticDirectory {
    const directory = new SyntheticDirectory(this);
    const nulTerminated = (items: readonly string[]) => items.map((item) => `${item}\0`).join('');
    directory.add('cmdline', new SyntheticFile(this, () => nulTerminated(task.args)));
    directory.add('environ', new SyntheticFile(this, () => nulTerminated(task.env)));
    directory.add('status', new SyntheticFile(this, () => `Name:\t${basename(task.args[0] ?? '')}\nState:\t${task.state}\nPid:\t${task.tid}\n`));
    directory.add('cwd', new SyntheticSymlink(this, () => task.cwd));
    return directory;
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
