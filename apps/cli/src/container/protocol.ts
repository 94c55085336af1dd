// The control protocol between stasis commands and a container's sandbox process: one
// request per connection on the control socket, as a JSON line; the sandbox answers with JSON
// lines, zero or more `progress`, then exactly one final message (exec sends `exec-started`,
// then the final `exit`). Both directions are validated with zod: a sandbox process of another
// stasis version, or anything else on the socket, gives a clear error rather than undefined
// behaviour. The sandbox process's boot channel (fd 3, read by create/run/restore) uses the
// same line format.
import { z } from 'zod';
import { MountSpecSchema } from './launch-spec.js';

const compression = z.enum(['none', 'gzip', 'brotli', 'zstd']);

/** ExecProcessSchema is a new task for `exec`: host stdio comes from /proc/<stdioPid>/fd/{0,1,2}. */
export const ExecProcessSchema = z.object({
  args: z.array(z.string()).min(1),
  env: z.array(z.string()),
  cwd: z.string(),
  /** Host path of the .wasm file; absent when args[0] is not in the rootfs and the sentry resolves it in the guest tree. */
  module: z.string().optional(),
  stdioPid: z.number().int().positive(),
});

/** ExecSpecSchema is an exec's task before it knows whose stdio it takes (what `exec` hands its attach process). */
export const ExecSpecSchema = ExecProcessSchema.omit({ stdioPid: true });

/** ExecSpec is a validated exec task without its stdio owner. */
export type ExecSpec = z.infer<typeof ExecSpecSchema>;

/** ExecProcess is the validated payload of an exec request. */
export type ExecProcess = z.infer<typeof ExecProcessSchema>;

/** RestoreSourceSchema names an image to restore and how to bind it to this host. */
export const RestoreSourceSchema = z.object({
  imagePath: z.string(),
  keyFile: z.string().optional(),
  /** A rootfs and mounts that replace the checkpointed container's (one-step restore with a new bundle). */
  rootfs: z.string().optional(),
  mounts: z.array(MountSpecSchema).optional(),
});

/** RestoreSource is a validated restore request. */
export type RestoreSource = z.infer<typeof RestoreSourceSchema>;

/** CheckpointRequestSchema is `stasis checkpoint`'s request. */
export const CheckpointRequestSchema = z.object({
  imagePath: z.string(),
  leaveRunning: z.boolean(),
  parentPath: z.string().optional(),
  compression: compression.optional(),
  keyFile: z.string().optional(),
});

/** RequestSchema is every request a command may send to a sandbox process. */
export const RequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start') }),
  z.object({ type: z.literal('restore'), source: RestoreSourceSchema }),
  z.object({ type: z.literal('kill'), signal: z.number().int().min(1).max(64), all: z.boolean() }),
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('tasks') }),
  z.object({ type: z.literal('stats') }),
  z.object({ type: z.literal('exec'), process: ExecProcessSchema }),
  z.object({ type: z.literal('checkpoint'), checkpoint: CheckpointRequestSchema }),
  z.object({ type: z.literal('update'), memoryLimitBytes: z.number().int().positive().nullable() }),
]);

/** Request is a validated control request. */
export type Request = z.infer<typeof RequestSchema>;

/** TaskInfoSchema describes one task, as `ps` shows it. */
export const TaskInfoSchema = z.object({
  tid: z.number().int(),
  args: z.array(z.string()),
  state: z.enum(['running', 'blocked', 'paused', 'exited']),
  exitCode: z.number().int().optional(),
  /** The host process that holds the task's stdio and exits with it: the sandbox process for init, the exec's attach process otherwise. */
  hostPid: z.number().int(),
});

/** TaskInfo is one task of a sandbox. */
export type TaskInfo = z.infer<typeof TaskInfoSchema>;

/** ResponseSchema is every message a sandbox process may send back. */
export const ResponseSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ok') }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('progress'), phase: z.enum(['checkpoint', 'restore']), bytes: z.number(), total: z.number() }),
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('tasks'), tasks: z.array(TaskInfoSchema) }),
  z.object({ type: z.literal('stats'), memoryBytes: z.number(), memoryLimitBytes: z.number().optional(), tasks: z.number().int(), cpuTimeMs: z.number() }),
  z.object({ type: z.literal('exec-started'), tid: z.number().int() }),
  z.object({ type: z.literal('exit'), code: z.number().int() }),
  z.object({ type: z.literal('checkpointed'), bytes: z.number(), ms: z.number() }),
]);

/** Response is a validated control response. */
export type Response = z.infer<typeof ResponseSchema>;

/** encodeMessage writes a message as one JSON line. */
export function encodeMessage(message: Request | Response): string {
  return `${JSON.stringify(message)}\n`;
}

/** ProtocolError: a line on the control socket or boot channel that is not a valid message. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly line: string;
  constructor(line: string, detail: string, options?: { cause?: unknown }) {
    super(`invalid control message (${detail}): ${line.slice(0, 200)}`, options);
    this.line = line;
  }
}

/** decodeLine parses one JSON line against a schema. */
export function decodeLine<T extends z.ZodTypeAny>(schema: T, line: string): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new ProtocolError(line, 'not JSON', { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ProtocolError(line, parsed.error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`).join('; '), { cause: parsed.error });
  return parsed.data;
}

/** LineSplitter cuts a byte stream into lines, keeping a partial last line for the next chunk. */
export class LineSplitter {
  #pending = '';

  /** push adds a chunk and returns the complete lines it finished. */
  push(chunk: string): string[] {
    const lines = (this.#pending + chunk).split('\n');
    this.#pending = lines.pop() ?? '';
    return lines.filter((line) => line !== '');
  }
}
