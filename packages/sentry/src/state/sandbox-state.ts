// The saved form of a whole sandbox: the graph section of an image. The kernel's graph comes
// from kernel.state.ts, each task's machine (globals, Asyncify stack) from the machine, and the
// sandbox's own settings from the Sandbox; linear memories and module bytes are not in the
// graph but in their own sections (see image-layout.ts), so they are written straight from and
// read straight into guest memory.
import { z } from 'zod';
import { KernelStateV1 } from '../kernel/kernel.state.js';

const HASH = z.string().regex(/^[0-9a-f]{64}$/);

/** ModuleStateV1 describes one instrumented module the image carries (its bytes are a blob section). */
export const ModuleStateV1 = z.object({
  /** sha256 of the instrumented bytes; the blob section is named after it. */
  hash: HASH,
  /** The loader's description of the module, as its cache stores it. */
  info: z.object({
    instrumenterVersion: z.number().int(),
    mode: z.enum(['anywhere', 'safepoint']),
    sourceHash: HASH,
    hash: HASH,
    memory: z.object({ minimum: z.number().int().nonnegative(), maximum: z.number().int().nonnegative().optional() }),
    globals: z.array(z.string()),
    stats: z.object({
      milliseconds: z.number(),
      inputBytes: z.number(),
      outputBytes: z.number(),
      functions: z.number(),
      asyncifiedFunctions: z.number(),
      loops: z.number(),
      recursiveFunctions: z.number(),
      preemptionChecks: z.number(),
    }),
  }),
  /** How the program was named when it was loaded, for messages. */
  program: z.string(),
});
/** ModuleStateV1 describes one instrumented module the image carries. */
export type ModuleStateV1 = z.infer<typeof ModuleStateV1>;

/** TaskMachineStateV1 is one task's machine without its memory (a memory section holds that). */
export const TaskMachineStateV1 = z.object({
  tid: z.number().int().positive(),
  moduleHash: HASH,
  /** 'ready': never ran; 'unwound': stopped at a safe point. */
  phase: z.enum(['ready', 'unwound']),
  memoryPages: z.number().int().nonnegative().max(65536),
  globals: z.map(z.string(), z.union([z.number(), z.bigint()])),
  /** The Asyncify stack: the task's saved call frames. */
  frames: z.instanceof(Uint8Array),
  /** CPU time the task has used, for limits.cpuTimeMs. */
  cpuTimeMs: z.number().nonnegative(),
  /** A signal that will end the task at its next safe point (a kill that arrived while paused). */
  pendingSignal: z.number().int().nullable(),
});
/** TaskMachineStateV1 is one task's machine without its memory. */
export type TaskMachineStateV1 = z.infer<typeof TaskMachineStateV1>;

/** SandboxSettingsV1 are the Sandbox options a restore keeps (host bindings are the restoring caller's). */
export const SandboxSettingsV1 = z.object({
  mode: z.enum(['anywhere', 'safepoint']),
  /** @stasis/cpuid serialization of the sandbox's feature set. */
  cpuFeatures: z.string(),
  limits: z.object({ memoryPages: z.number().int().positive().optional(), openFiles: z.number().int().positive().optional(), cpuTimeMs: z.number().positive().optional() }),
  labels: z.record(z.string()),
  /** The init task: the sandbox's wait() follows it (it is alive: a sandbox stops when its init exits). */
  initTid: z.number().int().positive(),
  /** Directories preopened for every task (an exec after the restore gets them too). */
  preopens: z.array(z.object({ path: z.string(), name: z.string() })),
  /** The environment and working directory an exec gets by default. */
  env: z.array(z.string()),
  cwd: z.string().nullable(),
});
/** SandboxSettingsV1 are the Sandbox options a restore keeps. */
export type SandboxSettingsV1 = z.infer<typeof SandboxSettingsV1>;

/** SandboxStateV1 is the graph section of a sandbox image. */
export const SandboxStateV1 = z.object({
  version: z.literal(1),
  settings: SandboxSettingsV1,
  modules: z.array(ModuleStateV1),
  tasks: z.array(TaskMachineStateV1),
  kernel: KernelStateV1,
});
/** SandboxStateV1 is the graph section of a sandbox image. */
export type SandboxStateV1 = z.infer<typeof SandboxStateV1>;
