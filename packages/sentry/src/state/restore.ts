// Restoring a sandbox from an image. The checks that can refuse cheaply run first, on the index
// alone: the format and state versions and the CPU gate (openImage). Then the graph, the module
// bytes, the lower-layer files the guest holds open, and only then memory, read straight into
// each task's fresh wasm memory. Host resources come from the restoring caller: stdio, the
// rootfs of the new bundle, bind mount sources. The kernel reports `restore` in
// /proc/stasis/checkpoint, its monotonic clock continues forward, and blocked calls keep their
// remaining time (kernel.state.ts).
import type { FeatureSet } from '@stasis/cpuid';
import { cpuInfoFor } from '../kernel/cpuinfo.js';
import type { Kernel, StdioSpec } from '../kernel/kernel.js';
import { type KernelLoadContext, loadKernel } from '../kernel/kernel.state.js';
import type { Task } from '../kernel/task.js';
import type { InstrumentedModuleInfo } from '../loader/instrument.js';
import type { Machine } from '../machine/machine.js';
import { ImageContentError } from './errors.js';
import type { ParsedImageLabels } from './image-labels.js';
import { checkLowerLayer, type OpenedImage, openImage, readModules, readSandboxState, readTaskMemory } from './read-image.js';
import type { SandboxSettingsV1 } from './sandbox-state.js';

/** RestoreStdio is where a restored sandbox's host-bound fds go: the restoring caller's host fds. */
export interface RestoreStdio {
  readonly stdin?: number | 'null';
  readonly stdout?: number | 'null';
  readonly stderr?: number | 'null';
}

/** RestoreMount names the new host source of a bind mount (by its guest destination); tmpfs mounts come from the image. */
export interface RestoreMount {
  readonly type: 'bind' | 'tmpfs';
  readonly destination: string;
  readonly source?: string;
  readonly readonly?: boolean;
}

/** RestoreOptions are Sandbox.restore's options. */
export interface RestoreOptions {
  /** The image directory (or the image file). */
  readonly imagePath: string;
  /** The rootfs of the new bundle: the overlay's lower layer (required if the image's root was an overlay). */
  readonly rootfs?: string;
  /** New host sources for bind mounts, by destination; a mount not named keeps its recorded source. */
  readonly mounts?: readonly RestoreMount[];
  /** Host fds the restored tasks' stdio goes to (default 0, 1, 2). */
  readonly stdio?: RestoreStdio;
  /** The HMAC key the image was written with. */
  readonly key?: Uint8Array;
  /** This host's CPU feature set after its own policy (default: detected); the image's set must be a subset. */
  readonly hostCpuFeatures?: FeatureSet;
  /** Reports the guest memory restored so far across tasks, as checkpoint's `onProgress` reports it written: `total` is every task's memory size. */
  readonly onProgress?: (progress: { bytes: number; total: number }) => void;
}

/** RestoredProgram is a module read from the image, compiled. */
export interface RestoredProgram {
  readonly program: string;
  readonly bytes: Uint8Array;
  readonly info: InstrumentedModuleInfo;
  readonly module: WebAssembly.Module;
}

/** RestoredTask is one task of a restored sandbox, its machine loaded and ready to rewind. */
export interface RestoredTask {
  readonly tid: number;
  readonly task: Task;
  readonly machine: Machine;
  readonly program: RestoredProgram;
  readonly cpuTimeMs: number;
  readonly pendingSignal: number | undefined;
}

/** RestoredSandbox is what a Sandbox is rebuilt from. */
export interface RestoredSandbox {
  readonly kernel: Kernel;
  readonly tasks: readonly RestoredTask[];
  readonly settings: SandboxSettingsV1;
  /** The image's CPU feature set, which the restored sandbox keeps exposing. */
  readonly cpuFeatures: FeatureSet;
  readonly labels: ParsedImageLabels;
}

/** MachineFactory creates a task's machine with its memory grown to `pages` under the saved limits (the Sandbox supplies the task's imports). */
export type MachineFactory = (task: Task, program: RestoredProgram, pages: number, limits: SandboxSettingsV1['limits']) => Promise<Machine>;

function stdioFor(stdio: RestoreStdio, fd: number, direction: 'input' | 'output' | 'other'): StdioSpec {
  if (direction === 'input' || fd === 0) return stdio.stdin ?? 0;
  if (fd === 2) return stdio.stderr ?? 2;
  return stdio.stdout ?? 1;
}

/** restoreSandbox rebuilds a sandbox's kernel and machines from an image; the caller schedules the tasks. */
export async function restoreSandbox(options: RestoreOptions, createMachine: MachineFactory): Promise<RestoredSandbox> {
  const image: OpenedImage = await openImage(options.imagePath, {
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.hostCpuFeatures === undefined ? {} : { hostFeatures: options.hostCpuFeatures }),
  });
  try {
    const state = await readSandboxState(image);
    await checkLowerLayer(state, options.rootfs);
    const modules = await readModules(image, state);
    const bindSources: Record<string, string> = {};
    for (const mount of options.mounts ?? []) if (mount.type === 'bind' && mount.source !== undefined) bindSources[mount.destination] = mount.source;
    const stdio = options.stdio ?? {};
    const context: KernelLoadContext = {
      ...(options.rootfs === undefined ? {} : { rootfs: options.rootfs }),
      bindSources,
      stdio: (_tid, fd, direction) => stdioFor(stdio, fd, direction),
      cpu: cpuInfoFor(image.cpuFeatures),
    };
    let kernel: Kernel;
    try {
      kernel = loadKernel(state.kernel, context);
    } catch (cause) {
      throw new ImageContentError(image.reader.path, `its kernel state cannot be rebuilt: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const tasks: RestoredTask[] = [];
    const total = state.tasks.reduce((sum, saved) => sum + saved.memoryPages * 65536, 0);
    let restoredBefore = 0;
    for (const saved of state.tasks) {
      const task = kernel.tasks.get(saved.tid);
      const module = modules.get(saved.moduleHash);
      if (task === undefined || module === undefined) throw new ImageContentError(image.reader.path, `task ${saved.tid} has no kernel task or module`);
      const program: RestoredProgram = { program: module.state.program, bytes: module.bytes, info: module.state.info, module: module.module };
      const machine = await createMachine(task, program, saved.memoryPages, state.settings.limits);
      if (machine.memory.buffer.byteLength !== saved.memoryPages * 65536) {
        throw new ImageContentError(image.reader.path, `task ${saved.tid} saved ${saved.memoryPages} pages of memory; its module starts with more`);
      }
      const before = restoredBefore;
      const onProgress = options.onProgress;
      await readTaskMemory(image, saved.tid, machine.memory, onProgress && ((bytes) => onProgress({ bytes: before + bytes, total })));
      restoredBefore += saved.memoryPages * 65536;
      machine.adopt({ phase: saved.phase, globals: saved.globals, frames: saved.frames });
      tasks.push({ tid: saved.tid, task, machine, program, cpuTimeMs: saved.cpuTimeMs, pendingSignal: saved.pendingSignal ?? undefined });
    }
    return { kernel, tasks, settings: state.settings, cpuFeatures: image.cpuFeatures, labels: image.labels };
  } finally {
    await image.reader.close();
  }
}
