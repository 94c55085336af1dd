// Save and load of a whole kernel: counters, limits, clocks, the checkpoint status, the
// overlay upper layer and tmpfs mounts with their contents, bind mounts by host path, and
// every task with its fds. The result is plain data (objects, arrays, Maps, Uint8Array,
// bigint) in which shared kernel objects are shared references, for @stasis/statefile's
// graph codec. Host resources are bound again on load from the KernelLoadContext: the
// rootfs of the new bundle, bind mount sources, stdio for each task.
import { z } from 'zod';
import type { TmpfsFilesystem } from '../fsimpl/tmpfs/tmpfs.js';
import { loadTmpfsInto, saveTmpfs, TmpfsStateV1 } from '../fsimpl/tmpfs/tmpfs.state.js';
import type { ClockSource } from './clock.js';
import { type DescriptionLoadContext, type DescriptionSaveContext, DescriptionStateV1, loadDescription, saveDescription } from './file-description.state.js';
import { type CpuInfoOptions, Kernel, type KernelLimits, type MountSpec, type NamedPipe, type StdioSpec } from './kernel.js';
import { PipeReadEnd, PipeWriteEnd } from './pipe/pipe.js';
import { loadTask, saveTask, TaskStateV1 } from './task.state.js';

const MountStateV1 = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bind'), target: z.string(), source: z.string(), readonly: z.boolean() }),
  z.object({ type: z.literal('tmpfs'), target: z.string(), sizeBytes: z.number(), tmpfs: TmpfsStateV1 }),
]);

/** KernelStateV1 is a saved kernel. */
export const KernelStateV1 = z.object({
  version: z.literal(1),
  counters: z.object({ nextIno: z.bigint(), nextTid: z.number().int(), nextDev: z.bigint() }),
  limits: z.object({
    openFiles: z.number(),
    maxOpenFiles: z.number(),
    memoryPages: z.number(),
    tmpfsBytes: z.number(),
    pipeBytes: z.number(),
  }),
  clock: z.object({ monotonic: z.bigint(), realtime: z.bigint() }),
  checkpoint: z.object({ state: z.enum(['none', 'restore', 'resume']), count: z.number().int() }),
  root: z.object({ overlay: z.boolean(), tmpfs: TmpfsStateV1 }),
  mounts: z.array(MountStateV1),
  tasks: z.array(TaskStateV1),
  /** Named pipes (Kernel.namedPipes) with each end still open, shared with the tasks' fds; absent in images made before them. */
  pipes: z.array(z.object({ name: z.string(), readEnd: DescriptionStateV1.nullable(), writeEnd: DescriptionStateV1.nullable() })).optional(),
});
/** KernelStateV1 is the saved form of a Kernel. */
export type KernelStateV1 = z.infer<typeof KernelStateV1>;

/** KernelLoadContext binds a restored kernel to the host it now runs on. */
export interface KernelLoadContext {
  /** Host directory of the rootfs (required when the saved root was an overlay). */
  readonly rootfs?: string;
  /** New host sources of bind mounts, by guest target; the saved source otherwise. */
  readonly bindSources?: Readonly<Record<string, string>>;
  /** The host stream or description for a task's fd that was bound to the host (stdio). */
  readonly stdio: (tid: number, fd: number, direction: 'input' | 'output' | 'other') => StdioSpec;
  readonly cpu?: CpuInfoOptions;
  readonly clock?: ClockSource;
  readonly random?: (buffer: Uint8Array) => void;
  readonly log?: (message: string) => void;
}

/** saveKernel saves `kernel`; tasks that have exited are not saved. */
export function saveKernel(kernel: Kernel): KernelStateV1 {
  const context: DescriptionSaveContext = { kernel, nodes: new Map(), pipes: new Map(), descriptions: new Map() };
  const root = saveTmpfs(kernel.rootFilesystem, context.nodes);
  const mounts = kernel.mountSpecs.map(({ spec, filesystem }) =>
    spec.type === 'bind'
      ? { type: 'bind' as const, target: spec.target, source: spec.source, readonly: spec.readonly ?? false }
      : { type: 'tmpfs' as const, target: spec.target, sizeBytes: spec.sizeBytes ?? kernel.limits.tmpfsBytes, tmpfs: saveTmpfs(filesystem as TmpfsFilesystem, context.nodes) },
  );
  return {
    version: 1,
    counters: { nextIno: kernel.nextIno, nextTid: kernel.nextTid, nextDev: kernel.nextDev },
    limits: { ...kernel.limits },
    clock: { monotonic: kernel.clock.monotonic(), realtime: kernel.clock.realtime() },
    checkpoint: { ...kernel.checkpoint },
    root: { overlay: kernel.lowerLayer !== undefined, tmpfs: root },
    mounts,
    tasks: [...kernel.tasks.values()].filter((task) => task.state === 'running').map((task) => saveTask(task, context)),
    pipes: [...kernel.namedPipes]
      .filter(([, named]) => !named.readEnd.released || !named.writeEnd.released)
      .map(([name, named]) => ({
        name,
        readEnd: named.readEnd.released ? null : saveDescription(named.readEnd, context),
        writeEnd: named.writeEnd.released ? null : saveDescription(named.writeEnd, context),
      })),
  };
}

/** A named pipe's end that was closed before the save: made and closed again, so it counts for nothing. */
function closedEnd<End extends PipeReadEnd | PipeWriteEnd>(end: End): End {
  end.release();
  return end;
}

function loadNamedPipe(saved: NonNullable<KernelStateV1['pipes']>[number], context: DescriptionLoadContext): NamedPipe {
  const readEnd = saved.readEnd === null ? undefined : loadDescription(saved.readEnd as DescriptionStateV1, context);
  const writeEnd = saved.writeEnd === null ? undefined : loadDescription(saved.writeEnd as DescriptionStateV1, context);
  if ((readEnd !== undefined && !(readEnd instanceof PipeReadEnd)) || (writeEnd !== undefined && !(writeEnd instanceof PipeWriteEnd))) {
    throw new Error(`named pipe ${saved.name}: its saved ends are not pipe ends`);
  }
  const pipe = readEnd?.pipe ?? writeEnd?.pipe;
  if (pipe === undefined) throw new Error(`named pipe ${saved.name}: saved with no open end`);
  return { readEnd: readEnd ?? closedEnd(new PipeReadEnd(pipe)), writeEnd: writeEnd ?? closedEnd(new PipeWriteEnd(pipe)) };
}

/**
 * loadKernel rebuilds a saved kernel. The monotonic clock continues from its saved value
 * plus the realtime elapsed since the save (it never goes back), and blocked calls keep
 * their remaining time.
 */
export function loadKernel(state: KernelStateV1, context: KernelLoadContext): Kernel {
  if (state.root.overlay && context.rootfs === undefined) throw new Error('the saved kernel has an overlay root: give the rootfs to restore it');
  const mounts: MountSpec[] = state.mounts.map((mount) =>
    mount.type === 'bind'
      ? { type: 'bind', target: mount.target, source: context.bindSources?.[mount.target] ?? mount.source, readonly: mount.readonly }
      : { type: 'tmpfs', target: mount.target, sizeBytes: mount.sizeBytes },
  );
  const limits: KernelLimits = state.limits;
  const kernel = new Kernel({
    ...(state.root.overlay && context.rootfs !== undefined ? { rootfs: context.rootfs } : {}),
    mounts,
    limits,
    ...(context.cpu === undefined ? {} : { cpu: context.cpu }),
    ...(context.clock === undefined ? {} : { clock: context.clock }),
    ...(context.random === undefined ? {} : { random: context.random }),
    ...(context.log === undefined ? {} : { log: context.log }),
  });
  const nodes = new Map();
  loadTmpfsInto(kernel.rootFilesystem, state.root.tmpfs, kernel.lowerLayer, nodes);
  state.mounts.forEach((mount, index) => {
    if (mount.type === 'tmpfs') loadTmpfsInto(kernel.mountSpecs[index]!.filesystem as TmpfsFilesystem, mount.tmpfs, undefined, nodes);
  });
  kernel.nextIno = state.counters.nextIno;
  kernel.nextTid = state.counters.nextTid;
  kernel.nextDev = state.counters.nextDev;
  kernel.checkpoint = { ...state.checkpoint };
  const elapsed = kernel.clock.realtime() - state.clock.realtime;
  const shift = elapsed > 0n ? elapsed : 0n;
  kernel.clock.continueFrom(state.clock.monotonic + shift);

  // One context for every task, so a pipe or description shared between tasks stays shared.
  let loading = state.tasks[0];
  const rebind = (description: DescriptionStateV1) => {
    const slot = loading?.fdTable.entries.find((entry) => entry.description === description);
    const direction = description.kind === 'host' ? description.direction : 'other';
    return kernel.stdioDescription(context.stdio(loading?.tid ?? 0, slot?.fd ?? -1, direction), direction === 'input');
  };
  const loadContext: DescriptionLoadContext = { kernel, nodes, pipes: new Map(), descriptions: new Map(), rebind };
  for (const taskState of state.tasks) {
    loading = taskState;
    const task = loadTask(taskState, kernel, loadContext, shift);
    kernel.tasks.set(task.tid, task);
  }
  // After the tasks, so an end a task holds is the same description here.
  for (const saved of state.pipes ?? []) kernel.namedPipes.set(saved.name, loadNamedPipe(saved, loadContext));
  return kernel;
}

