// Checkpointing a running sandbox: bring every task to a safe point, capture the sandbox (the
// kernel graph, each machine's globals and Asyncify stack, module bytes, memories), write the
// image, then stop the sandbox (the default, as `runsc checkpoint`) or let it run on in place
// (leave-running: same tasks, same tids, no restore round trip).
//
// A stop checkpoint writes memories straight from the guest's buffers (never copied: first touch
// of fresh memory is slow on these machines) and stops the sandbox once the image is durable.
// A leave-running checkpoint pauses the guest only to capture: memories are copied (a copy runs
// at memory speed, far faster than writing, compressing or fsyncing) and the graph is cloned,
// then the guest resumes and the image is written, compressed and fsynced while it runs.
import type { FeatureSet } from '@stasis/cpuid';
import { serializeFeatureSet } from '@stasis/cpuid';
import type { Compression, MemorySource } from '@stasis/statefile';
import type { Kernel } from '../kernel/kernel.js';
import { saveKernel } from '../kernel/kernel.state.js';
import type { InstrumentedModuleInfo } from '../loader/instrument.js';
import type { Machine } from '../machine/machine.js';
import { CheckpointStateError, SafePointTimeoutError } from './errors.js';
import { imageLabels, SANDBOX_STATE_VERSION, SENTRY_VERSION } from './image-labels.js';
import type { ModuleStateV1, SandboxSettingsV1, SandboxStateV1, TaskMachineStateV1 } from './sandbox-state.js';
import { type CapturedSandbox, writeImage } from './write-image.js';

/** CheckpointableTask is a live task as the checkpoint sees it: its kernel task is in kernel.tasks. */
export interface CheckpointableTask {
  readonly tid: number;
  /** The task's argv, to name it in messages. */
  readonly args: readonly string[];
  /** Stopped at a safe point (phase 'ready' or 'unwound') while the sandbox is paused. */
  readonly machine: Machine;
  /** The instrumented program the machine runs. */
  readonly program: { readonly program: string; readonly bytes: Uint8Array; readonly info: InstrumentedModuleInfo };
  readonly cpuTimeMs: number;
  readonly pendingSignal: number | undefined;
}

/** CheckpointableSandbox is what a Sandbox hands to checkpointSandbox. */
export interface CheckpointableSandbox {
  readonly kernel: Kernel;
  readonly mode: 'anywhere' | 'safepoint';
  readonly cpuFeatures: FeatureSet;
  readonly limits: SandboxSettingsV1['limits'];
  readonly labels: Readonly<Record<string, string>>;
  readonly initTid: number;
  /** Directories preopened for every task, and an exec's default environment and working directory. */
  readonly preopens: readonly { readonly path: string; readonly name: string }[];
  readonly env: readonly string[];
  readonly cwd: string | undefined;
  /** Stops scheduling; resolves once every task is at a safe point. */
  pause(): Promise<void>;
  /** The task running right now, if pause() is still waiting for it (to name it on a timeout). */
  runningTask(): { readonly tid: number; readonly args: readonly string[] } | undefined;
  /** The tasks that have not exited, in tid order (valid while paused). */
  liveTasks(): readonly CheckpointableTask[];
  /** Continues scheduling after a leave-running checkpoint or a failed one. */
  resume(): void;
  /** Ends the sandbox after a stop checkpoint: every task is gone, wait() resolves. */
  stop(): void;
}

/** CheckpointOptions are Sandbox.checkpoint's options. */
export interface CheckpointOptions {
  /** The image directory: created if missing; refused if it already holds an image. */
  readonly imagePath: string;
  /** Keep the sandbox running after the image is written (default: stop it). */
  readonly leaveRunning?: boolean;
  /** A parent image directory: memory unchanged since it is stored as references to it (incremental image). */
  readonly parent?: string;
  readonly compression?: Compression;
  /** HMAC-SHA256 key (at least 16 bytes): the image is refused without it. */
  readonly key?: Uint8Array;
  readonly onProgress?: (progress: { bytes: number; total: number }) => void;
  /** In safepoint mode, how long to wait for the running task to reach a system call (default 10 s). */
  readonly safePointTimeoutMs?: number;
}

/** CheckpointResult describes a checkpoint. */
export interface CheckpointResult {
  /** Bytes of the image file. */
  readonly bytes: number;
  /** Milliseconds from the call to a durable image. */
  readonly ms: number;
  /** Milliseconds the guest was paused (for leave-running, shorter than ms: the fsync runs after). */
  readonly pauseMs: number;
  /** The image digest (an incremental child records it). */
  readonly digest: string;
}

const DEFAULT_SAFE_POINT_TIMEOUT_MS = 10_000;

async function pauseWithin(sandbox: CheckpointableSandbox, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([sandbox.pause().then(() => 'paused' as const), timeout]);
    if (outcome === 'timeout') {
      const running = sandbox.runningTask();
      sandbox.resume();
      throw new SafePointTimeoutError(running?.tid ?? 0, running?.args ?? [], Math.round(performance.now() - started));
    }
  } finally {
    clearTimeout(timer);
  }
}

/** captureSandbox takes everything an image holds from a paused sandbox; memories are live views unless `copyMemory`. */
export function captureSandbox(sandbox: CheckpointableSandbox, copyMemory: boolean): CapturedSandbox {
  const tasks = sandbox.liveTasks();
  const modules = new Map<string, Uint8Array>();
  const moduleStates: ModuleStateV1[] = [];
  const machines: TaskMachineStateV1[] = [];
  const memories = new Map<number, MemorySource>();
  for (const task of tasks) {
    const { info } = task.program;
    if (!modules.has(info.hash)) {
      modules.set(info.hash, task.program.bytes);
      moduleStates.push({ hash: info.hash, info: structuredClone(info) as ModuleStateV1['info'], program: task.program.program });
    }
    const snapshot = task.machine.snapshot();
    const memory = new Uint8Array(snapshot.memory.buffer);
    memories.set(task.tid, copyMemory ? memory.slice() : memory);
    machines.push({
      tid: task.tid,
      moduleHash: info.hash,
      phase: snapshot.phase,
      memoryPages: memory.byteLength / 65536,
      globals: new Map(snapshot.globals),
      frames: snapshot.frames.slice(),
      cpuTimeMs: task.cpuTimeMs,
      pendingSignal: task.pendingSignal ?? null,
    });
  }
  const kernel = saveKernel(sandbox.kernel);
  const state: SandboxStateV1 = {
    version: 1,
    settings: {
      mode: sandbox.mode,
      cpuFeatures: serializeFeatureSet(sandbox.cpuFeatures),
      limits: { ...sandbox.limits },
      labels: { ...sandbox.labels },
      initTid: sandbox.initTid,
      preopens: sandbox.preopens.map(({ path, name }) => ({ path, name })),
      env: [...sandbox.env],
      cwd: sandbox.cwd ?? null,
    },
    modules: moduleStates,
    tasks: machines,
    kernel,
  };
  return { state, modules, memories };
}

/**
 * checkpointSandbox writes an image of `sandbox` and then stops it or, with leaveRunning, lets it
 * run on. On failure the sandbox runs on as before and no image is left in the directory.
 */
export async function checkpointSandbox(sandbox: CheckpointableSandbox, options: CheckpointOptions): Promise<CheckpointResult> {
  const started = performance.now();
  const timeoutMs = sandbox.mode === 'safepoint' ? (options.safePointTimeoutMs ?? DEFAULT_SAFE_POINT_TIMEOUT_MS) : Number.MAX_SAFE_INTEGER;
  await pauseWithin(sandbox, Math.min(timeoutMs, 2 ** 31 - 1));
  const previous = { ...sandbox.kernel.checkpoint };
  const count = previous.count + 1;
  let running = false;
  let pauseMs = 0;
  try {
    if (sandbox.liveTasks().length === 0) throw new CheckpointStateError('stopped', 'every task has exited');
    // The image records the count this checkpoint makes; a restored copy reports it with state `restore`.
    sandbox.kernel.checkpoint = { state: 'restore', count };
    let captured: CapturedSandbox;
    try {
      captured = captureSandbox(sandbox, options.leaveRunning === true);
    } finally {
      sandbox.kernel.checkpoint = previous;
    }
    if (options.leaveRunning) {
      // The guest runs on at once: the image is written from copies (the graph cloned with its
      // shared references, memories copied at capture), so compression and fsync happen while
      // it runs.
      captured = { ...captured, state: structuredClone(captured.state) };
      sandbox.kernel.checkpoint = { state: 'resume', count };
      running = true;
      pauseMs = performance.now() - started;
      sandbox.resume();
    }
    const written = await writeImage(captured, {
      imagePath: options.imagePath,
      labels: labelsOf(sandbox, captured, count),
      ...(options.compression === undefined ? {} : { compression: options.compression }),
      ...(options.parent === undefined ? {} : { parent: options.parent }),
      ...(options.key === undefined ? {} : { key: options.key }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    if (!options.leaveRunning) {
      pauseMs = performance.now() - started;
      sandbox.kernel.checkpoint = { state: previous.state, count };
      sandbox.stop();
    }
    return { bytes: written.bytes, ms: performance.now() - started, pauseMs, digest: written.digest };
  } catch (error) {
    // No image: the lineage did not go through a checkpoint.
    sandbox.kernel.checkpoint = previous;
    if (!running) sandbox.resume();
    throw error;
  }
}

function labelsOf(sandbox: CheckpointableSandbox, captured: CapturedSandbox, count: number): Record<string, string> {
  return imageLabels(
    {
      runtimeVersion: SENTRY_VERSION,
      stateVersion: SANDBOX_STATE_VERSION,
      mode: sandbox.mode,
      cpuFeatures: captured.state.settings.cpuFeatures,
      modules: [...captured.modules.keys()],
      checkpointCount: count,
      tasks: captured.state.tasks.length,
      memoryBytes: captured.state.tasks.reduce((sum, task) => sum + task.memoryPages * 65536, 0),
    },
    sandbox.labels,
  );
}
