// The options of a Sandbox, validated once at the door (zod), and their translation into the
// kernel's vocabulary: mounts and `--dir HOST::GUEST` preopens become kernel mounts and
// preopened directories, the stdio binding becomes fds 0-2.
import { posix } from 'node:path';
import type { FeatureSet } from '@stasis/cpuid';
import { z } from 'zod';
import type { Kernel, MountSpec as KernelMountSpec, PreopenSpec, StdioSpec } from './kernel/kernel.js';
import type { InstrumentMode } from './loader/instrument.js';
import { StackSwitchingUnavailableError } from './machine/errors.js';
import { stackSwitchingAvailable } from './machine/stack-switching.js';

/**
 * PipeBinding binds a stdio fd to the sandbox's kernel pipe called `pipe`, made at first use:
 * stdin reads its read end, stdout or stderr writes its write end. Tasks bound to the same
 * name are connected, as `producer | consumer` in a shell; see Kernel.namedPipeEnd for when
 * a reader sees end of file. The pipe and its buffered bytes are kernel objects, saved in a
 * checkpoint and restored with it.
 */
export interface PipeBinding {
  pipe: string;
}

/** StdioTarget is where one stdio fd goes: a host fd, /dev/null, or a kernel pipe of the sandbox. */
export type StdioTarget = number | 'null' | PipeBinding;

/** StdioBinding binds a task's fds 0-2 to host fds (default 0, 1, 2), /dev/null or kernel pipes. */
export interface StdioBinding {
  stdin?: StdioTarget;
  stdout?: StdioTarget;
  stderr?: StdioTarget;
}

/** MountSpec is one extra mount of the guest tree: a confined host directory (bind) or a tmpfs. */
export interface MountSpec {
  type: 'bind' | 'tmpfs';
  /** Absolute guest path. */
  destination: string;
  /** Host directory of a bind mount. */
  source?: string;
  readonly?: boolean;
}

/** PreopenOption is a directory handed to the program at fd 3 onwards (`stasis do --dir HOST::GUEST`). */
export interface PreopenOption {
  /** The name the guest sees (fd_prestat_dir_name), e.g. `/data` or a relative `fs-tests.dir`. */
  guest: string;
  /** Host directory bound at the guest name; without it, an existing guest directory is preopened. */
  host?: string;
  readonly?: boolean;
}

/** SandboxLimits bound what the sandbox's tasks may consume. */
export interface SandboxLimits {
  /** Linear memory per task, in 64 KiB pages: the guest's memory.grow fails beyond it. */
  memoryPages?: number;
  /** Open fds per task (EMFILE beyond). */
  openFiles?: number;
  /** CPU time per task in ms: a task over it is killed with SIGXCPU (status 152), as with RLIMIT_CPU. */
  cpuTimeMs?: number;
}

/** SandboxOptions configure a new sandbox. */
export interface SandboxOptions {
  /** The program: wasm bytes, or a host path to a .wasm file. */
  module: Uint8Array | string;
  /** argv, args[0] included. */
  args: string[];
  /** Environment as `KEY=VALUE`; nothing is inherited from the host. */
  env: string[];
  /** Host directory: the read-only lower layer of an overlay root (writes go to memory); `/` is then preopened. */
  rootfs?: string;
  mounts?: MountSpec[];
  preopens?: PreopenOption[];
  /** Guest working directory (default `/`). */
  cwd?: string;
  stdio?: StdioBinding;
  /** `anywhere` (default): a task can be stopped at any moment; `safepoint`: only at syscalls, faster. */
  mode?: InstrumentMode;
  /** CPU features shown in /proc/cpuinfo and recorded in checkpoints (default: the host's). */
  cpuFeatures?: FeatureSet;
  limits?: SandboxLimits;
  /** Instrumented-module cache directory (default `$STASIS_CACHE_DIR` or `~/.cache/stasis`); false disables it. */
  cacheDir?: string | false;
  /** Recorded in checkpoint metadata (container id, spec...). */
  labels?: Record<string, string>;
  /**
   * In anywhere mode, end time slices by suspending the guest's stack (V8 stack switching)
   * rather than unwinding it while nothing needs the task stopped: long-lived frames keep
   * running their fast code. Default: when this Node provides it (Node 20 started with
   * `--experimental-wasm-stack-switching`); true requires it, false never uses it.
   */
  stackSwitching?: boolean;
}

/** SandboxOptionsError: the options given to Sandbox.create are not valid. */
export class SandboxOptionsError extends Error {
  override name = 'SandboxOptionsError';
  /** Where in the options the problem is, e.g. `limits.memoryPages`. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(`invalid sandbox options: ${path ? `${path}: ` : ''}${message}`);
    this.path = path;
  }
}

const stdioTarget = z.union([z.number().int().nonnegative(), z.literal('null'), z.object({ pipe: z.string().min(1) }).strict()]);
const stdioSchema = z.object({ stdin: stdioTarget.optional(), stdout: stdioTarget.optional(), stderr: stdioTarget.optional() }).strict();

const SandboxOptionsSchema = z
  .object({
    module: z.union([z.instanceof(Uint8Array), z.string().min(1)]),
    args: z.array(z.string()).min(1, 'needs at least argv[0]'),
    env: z.array(z.string().regex(/^[^=]+=/, 'must be KEY=VALUE')),
    rootfs: z.string().min(1).optional(),
    mounts: z
      .array(
        z
          .object({ type: z.enum(['bind', 'tmpfs']), destination: z.string().startsWith('/'), source: z.string().optional(), readonly: z.boolean().optional() })
          .refine((mount) => mount.type !== 'bind' || mount.source !== undefined, 'a bind mount needs a source'),
      )
      .optional(),
    preopens: z.array(z.object({ guest: z.string().min(1), host: z.string().min(1).optional(), readonly: z.boolean().optional() })).optional(),
    cwd: z.string().startsWith('/').optional(),
    stdio: stdioSchema.optional(),
    mode: z.enum(['anywhere', 'safepoint']).optional(),
    cpuFeatures: z.custom<FeatureSet>((value) => typeof (value as FeatureSet | undefined)?.names === 'function', 'must be a @stasis/cpuid FeatureSet').optional(),
    limits: z
      .object({
        memoryPages: z.number().int().min(1).max(65536).optional(),
        openFiles: z.number().int().min(4).optional(),
        cpuTimeMs: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    cacheDir: z.union([z.string().min(1), z.literal(false)]).optional(),
    labels: z.record(z.string()).optional(),
    stackSwitching: z.boolean().optional(),
  })
  .strict();

/**
 * useStackSwitching resolves the stackSwitching option against what this process provides;
 * StackSwitchingUnavailableError when it is required but absent.
 */
export function useStackSwitching(option: boolean | undefined): boolean {
  if (option === false) return false;
  const available = stackSwitchingAvailable();
  if (option === true && !available) throw new StackSwitchingUnavailableError();
  return available;
}

/** parseSandboxOptions validates options, or throws SandboxOptionsError naming the first problem. */
export function parseSandboxOptions(options: SandboxOptions): SandboxOptions {
  const parsed = SandboxOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SandboxOptionsError(issue?.path.join('.') ?? '', issue?.message ?? 'invalid');
  }
  return options;
}

/** validateStdio checks an exec's stdio binding. */
export function parseStdio(stdio: StdioBinding | undefined): StdioBinding | undefined {
  const parsed = stdioSchema.optional().safeParse(stdio);
  if (!parsed.success) throw new SandboxOptionsError(`stdio.${parsed.error.issues[0]?.path.join('.') ?? ''}`, parsed.error.issues[0]?.message ?? 'invalid');
  return stdio;
}

/** kernelStdio turns a StdioBinding into the kernel's fds 0-2 (the host's 0, 1, 2 by default; a pipe binding becomes that pipe's end). */
export function kernelStdio(stdio: StdioBinding | undefined, kernel: Pick<Kernel, 'namedPipeEnd'>): [StdioSpec, StdioSpec, StdioSpec] {
  const target = (binding: StdioTarget, side: 'read' | 'write'): StdioSpec => (typeof binding === 'object' ? kernel.namedPipeEnd(binding.pipe, side) : binding);
  return [target(stdio?.stdin ?? 0, 'read'), target(stdio?.stdout ?? 1, 'write'), target(stdio?.stderr ?? 2, 'write')];
}

/** reportFd is the host fd a task's sentry reports (a trap) go to: its stderr, or the host's stderr when that is a pipe. */
export function reportFd(stdio: StdioBinding | undefined): number | 'null' {
  const stderr = stdio?.stderr ?? 2;
  return typeof stderr === 'object' ? 2 : stderr;
}

/** GuestTree is the kernel's view of the options' file system: mounts to make and directories to preopen. */
export interface GuestTree {
  readonly mounts: KernelMountSpec[];
  readonly preopens: PreopenSpec[];
}

/**
 * guestTree lays out the guest's file system: the options' mounts, then one bind mount per
 * preopen with a host directory (at `/` + its guest name, so a relative name such as
 * `fs-tests.dir` works as wasmtime's `--dir` does), and the preopened directories in order,
 * `/` first when there is a rootfs.
 */
export function guestTree(options: Pick<SandboxOptions, 'rootfs' | 'mounts' | 'preopens'>): GuestTree {
  const mounts: KernelMountSpec[] = (options.mounts ?? []).map((mount) =>
    mount.type === 'bind'
      ? { type: 'bind', source: mount.source as string, target: mount.destination, readonly: mount.readonly ?? false }
      : { type: 'tmpfs', target: mount.destination },
  );
  const preopens: PreopenSpec[] = [];
  if (options.rootfs !== undefined) preopens.push({ path: '/', name: '/' });
  for (const preopen of options.preopens ?? []) {
    const path = posix.resolve('/', preopen.guest);
    if (preopen.host !== undefined && path === '/' && options.rootfs !== undefined) {
      throw new SandboxOptionsError('preopens', `cannot bind host directory ${preopen.host} over the rootfs at the guest root`);
    }
    // A host directory at `/` is the whole guest tree (wasmtime's `--dir HOST::/`): mounted
    // first, so the other mounts land in it.
    if (preopen.host !== undefined) {
      const bind: KernelMountSpec = { type: 'bind', source: preopen.host, target: path, readonly: preopen.readonly ?? false };
      if (path === '/') mounts.unshift(bind);
      else mounts.push(bind);
    }
    if (!preopens.some((existing) => existing.name === preopen.guest)) preopens.push({ path, name: preopen.guest });
  }
  return { mounts, preopens };
}
