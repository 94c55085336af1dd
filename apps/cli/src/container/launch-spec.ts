// What the sandbox process needs to build a container's Sandbox, resolved from the bundle by
// `create` (or a one-step `restore`) and kept in the container's state file: host paths are
// absolute, the entrypoint is a host path to the .wasm file, OCI mounts are already mapped.
import { z } from 'zod';

/** MountSpecSchema validates a mount as the sentry takes it (bind: a confined host directory; tmpfs). */
export const MountSpecSchema = z.object({
  type: z.enum(['bind', 'tmpfs']),
  destination: z.string(),
  source: z.string().optional(),
  readonly: z.boolean().optional(),
});

/** MountSpec is one mount of the guest tree, in the shape of the sentry's SandboxOptions.mounts. */
export type MountSpec = z.infer<typeof MountSpecSchema>;

/** LaunchSpecSchema validates a LaunchSpec read back from the state file. */
export const LaunchSpecSchema = z.object({
  module: z.string(),
  /** A Kubernetes pod's sandbox ("pause") container: the placeholder program runs instead of `module`. */
  podSandbox: z.boolean().optional(),
  args: z.array(z.string()).min(1),
  env: z.array(z.string()),
  cwd: z.string(),
  rootfs: z.string(),
  mounts: z.array(MountSpecSchema),
  terminal: z.boolean(),
  consoleSize: z.object({ height: z.number().int(), width: z.number().int() }).optional(),
  /** The value of the dev.gvisor.internal.cpufeatures annotation, when config.json has it. */
  cpuFeatures: z.string().optional(),
  limits: z.object({
    memoryPages: z.number().int().positive().optional(),
    openFiles: z.number().int().positive().optional(),
    cpuTimeMs: z.number().int().positive().optional(),
  }),
  labels: z.record(z.string()),
});

/** LaunchSpec is a container's process and sandbox settings, ready for Sandbox.create. */
export type LaunchSpec = z.infer<typeof LaunchSpecSchema>;
