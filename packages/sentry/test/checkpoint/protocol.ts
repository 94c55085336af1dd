// What the harness tells a driver process and what the driver reports back, as zod schemas:
// both sides of a process boundary check what they receive.
import { z } from 'zod';

const MountSpecSchema = z.object({
  type: z.enum(['bind', 'tmpfs']),
  destination: z.string(),
  source: z.string().optional(),
  readonly: z.boolean().optional(),
});

/** SandboxRecipe is what the driver passes to Sandbox.create (stdio and cacheDir come from the request). */
export const SandboxRecipeSchema = z.object({
  module: z.string(),
  args: z.array(z.string()),
  env: z.array(z.string()),
  rootfs: z.string().optional(),
  mounts: z.array(MountSpecSchema).optional(),
  preopens: z.array(z.object({ guest: z.string(), host: z.string().optional(), readonly: z.boolean().optional() })).optional(),
  cwd: z.string().optional(),
  mode: z.enum(['anywhere', 'safepoint']).optional(),
  labels: z.record(z.string()).optional(),
  /**
   * A producer exec'd beside the init task, its stdout connected to the init task's stdin by a
   * kernel pipe (`producer | init`): the init task is the consumer, so the sandbox ends when it does.
   */
  pipeline: z.object({ args: z.array(z.string()) }).optional(),
});
/** SandboxRecipe is what the driver passes to Sandbox.create. */
export type SandboxRecipe = z.infer<typeof SandboxRecipeSchema>;

/** CheckpointTrigger says when and how the driver checkpoints. */
export const CheckpointTriggerSchema = z.object({
  imagePath: z.string(),
  /** Checkpoint once stdout holds at least this many bytes (then wait afterMs). */
  afterStdoutBytes: z.number().int().nonnegative().optional(),
  /** Checkpoint this long after the start (or after afterStdoutBytes was reached). */
  afterMs: z.number().nonnegative().optional(),
  leaveRunning: z.boolean().optional(),
  parent: z.string().optional(),
  compression: z.enum(['none', 'gzip', 'brotli', 'zstd']).optional(),
  /** HMAC key, hex. */
  key: z.string().optional(),
  /** The checkpoint is expected to fail (a full disk): report the error and let the guest run on. */
  expectFailure: z.boolean().optional(),
  /** Make the process's file writes fail with ENOSPC once this many bytes were written (a full disk where tmpfs cannot be mounted). */
  injectEnospcAfterBytes: z.number().int().nonnegative().optional(),
});
/** CheckpointTrigger says when and how the driver checkpoints. */
export type CheckpointTrigger = z.infer<typeof CheckpointTriggerSchema>;

/** DriverRequest is one driver process's job. */
export const DriverRequestSchema = z.object({
  start: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('create'), options: SandboxRecipeSchema }),
    z.object({
      kind: z.literal('restore'),
      imagePath: z.string(),
      rootfs: z.string().optional(),
      mounts: z.array(MountSpecSchema).optional(),
      key: z.string().optional(),
    }),
  ]),
  /** Host files the guest's stdout and stderr are appended to; stdin is read from a file or is /dev/null. */
  stdout: z.string(),
  stderr: z.string(),
  stdin: z.string().optional(),
  cacheDir: z.string(),
  checkpoint: CheckpointTriggerSchema.optional(),
});
/** DriverRequest is one driver process's job. */
export type DriverRequest = z.infer<typeof DriverRequestSchema>;

/** TakenCheckpoint is a checkpoint the driver wrote, with the output sizes at the moment it captured the guest. */
export interface TakenCheckpoint {
  readonly imagePath: string;
  readonly bytes: number;
  readonly ms: number;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
}

/** FailedCheckpoint is a checkpoint that failed as the request expected. */
export interface FailedCheckpoint {
  readonly failed: { readonly name: string; readonly message: string; readonly systemCode?: string };
}

/** CheckpointingEvent is the line a driver prints right before it calls checkpoint(), for tests that kill it mid-write. */
export interface CheckpointingEvent {
  readonly event: 'checkpointing';
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
}

/** DriverReport is the driver's one line of JSON. */
export type DriverReport =
  | {
      readonly outcome: 'exited';
      readonly code: number;
      readonly signal?: number;
      readonly checkpoint?: TakenCheckpoint | FailedCheckpoint | { readonly skipped: string };
    }
  | { readonly outcome: 'checkpointed'; readonly checkpoint: TakenCheckpoint }
  | { readonly outcome: 'error'; readonly error: { readonly name: string; readonly message: string } };

/** parseDriverRequest reads the driver's argument. */
export function parseDriverRequest(text: string | undefined): DriverRequest {
  if (text === undefined) throw new Error('usage: driver.ts <DriverRequest JSON>');
  return DriverRequestSchema.parse(JSON.parse(text));
}

/** parseDriverReport reads the last line a driver printed. */
export function parseDriverReport(stdout: string): DriverReport {
  const lines = stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as DriverReport;
  } catch {
    return { outcome: 'error', error: { name: 'DriverOutputError', message: `the driver printed no report: ${stdout.slice(-2000)}` } };
  }
}
