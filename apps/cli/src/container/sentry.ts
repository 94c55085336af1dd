// The @stasis/sentry API the sandbox process uses: the Sandbox contract agreed between the
// sentry and the CLI. Loaded lazily so that commands other than the sandbox process itself
// (state, list, kill...) never load the kernel.
import type { MountSpec } from './launch-spec.js';

/** StdioBinding binds a task's fds 0-2 to host fds of the sandbox process ('null': /dev/null). */
export interface StdioBinding {
  stdin?: number | 'null';
  stdout?: number | 'null';
  stderr?: number | 'null';
}

/** SandboxCreateOptions is the subset of the sentry's SandboxOptions the CLI sets. */
export interface SandboxCreateOptions {
  module: Uint8Array | string;
  args: string[];
  env: string[];
  rootfs?: string;
  mounts?: MountSpec[];
  cwd?: string;
  stdio?: StdioBinding;
  cpuFeatures?: unknown;
  limits?: { memoryPages?: number; openFiles?: number; cpuTimeMs?: number };
  cacheDir?: string;
  labels?: Record<string, string>;
}

/** SandboxRestoreOptions is what Sandbox.restore takes. */
export interface SandboxRestoreOptions {
  imagePath: string;
  rootfs?: string;
  mounts?: MountSpec[];
  stdio?: StdioBinding;
  key?: Uint8Array;
  hostCpuFeatures?: unknown;
}

/** SandboxCheckpointOptions is what Sandbox#checkpoint takes. */
export interface SandboxCheckpointOptions {
  imagePath: string;
  leaveRunning?: boolean;
  parent?: string;
  compression?: 'none' | 'gzip' | 'brotli' | 'zstd';
  key?: Uint8Array;
  onProgress?: (progress: { bytes: number; total: number }) => void;
}

/** SandboxTask is one entry of Sandbox#tasks. */
export interface SandboxTask {
  tid: number;
  args: string[];
  state: 'running' | 'blocked' | 'paused' | 'exited';
  exitCode?: number;
}

/** SandboxInstance is a Sandbox object as the sandbox process drives it. */
export interface SandboxInstance {
  start(): void;
  wait(): Promise<{ code: number; signal?: number }>;
  kill(signal: number, options?: { all?: boolean; tid?: number }): void;
  pause(): Promise<void>;
  resume(): void;
  exec(options: { module?: Uint8Array | string; args: string[]; env?: string[]; cwd?: string; stdio?: StdioBinding }): Promise<{ tid: number; wait(): Promise<{ code: number }> }>;
  tasks(): SandboxTask[];
  stats(): { memoryBytes: number; tasks: number; cpuTimeMs: number };
  checkpoint(options: SandboxCheckpointOptions): Promise<{ bytes: number; ms: number }>;
}

/** SandboxClass is the static side of Sandbox. */
export interface SandboxClass {
  create(options: SandboxCreateOptions): Promise<SandboxInstance>;
  restore(options: SandboxRestoreOptions): Promise<SandboxInstance>;
}

/** SentryUnavailableError: the installed @stasis/sentry does not provide what the CLI needs. */
export class SentryUnavailableError extends Error {
  override name = 'SentryUnavailableError';
}

/** loadSandboxClass imports @stasis/sentry and returns its Sandbox class. */
export async function loadSandboxClass(): Promise<SandboxClass> {
  const sentry = (await import('@stasis/sentry')) as Record<string, unknown>;
  const sandbox = sentry.Sandbox as Partial<SandboxClass> | undefined;
  if (typeof sandbox?.create !== 'function') throw new SentryUnavailableError('the installed @stasis/sentry does not export Sandbox');
  return sandbox as SandboxClass;
}

/** SentryImageFacts are the sentry's labels in an image (runtime version, mode, CPU features, tasks, memory). */
export interface SentryImageFacts {
  readonly runtimeVersion: string;
  readonly stateVersion: number;
  readonly mode: 'anywhere' | 'safepoint';
  /** Serialized @stasis/cpuid FeatureSet. */
  readonly cpuFeatures: string;
  readonly modules: readonly string[];
  readonly checkpointCount: number;
  readonly tasks: number;
  readonly memoryBytes: number;
}

type ParseImageLabels = (imagePath: string, producer: string, labels: Readonly<Record<string, string>>) => { facts: SentryImageFacts; callerLabels: Record<string, string> };

/**
 * readSentryFacts reads the sentry's facts from an image's metadata with the sentry's own
 * parser; undefined for an image another producer wrote, or one this sentry cannot read.
 */
export async function readSentryFacts(
  imagePath: string,
  metadata: { producer: string; labels: Record<string, string> },
): Promise<{ facts: SentryImageFacts; callerLabels: Record<string, string> } | undefined> {
  const sentry = (await import('@stasis/sentry')) as { parseImageLabels?: ParseImageLabels };
  if (typeof sentry.parseImageLabels !== 'function') return undefined;
  try {
    return sentry.parseImageLabels(imagePath, metadata.producer, metadata.labels);
  } catch {
    return undefined;
  }
}
