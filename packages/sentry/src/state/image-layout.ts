// The sections of a sandbox image, one place for their names. @stasis/statefile holds the
// container (header, metadata labels, section table, checksums); the sentry fills it with:
//
//   graph  "sandbox"            SandboxStateV1: settings, module descriptions, task machines
//                               (globals, Asyncify stack), the kernel object graph
//   blob   "module/<sha256>"    the exact instrumented bytes of each module, once per image
//   memory "memory/<tid>"       each task's linear memory as extents of non-zero pages
//
// Labels (image-labels.ts) carry what a restore checks before reading any section.

/** SECTIONS names the sections of a sandbox image. */
export const SECTIONS = {
  /** The graph section holding SandboxStateV1. */
  sandbox: 'sandbox',
  /** The blob section of an instrumented module, named by the sha256 of its bytes. */
  module: (hash: string): string => `module/${hash}`,
  /** The memory section of a task's linear memory. */
  memory: (tid: number): string => `memory/${tid}`,
} as const;
