// The OCI runtime spec (config.json) as far as stasis reads it, validated with zod so that a
// mistake names its field: `config.json: process.args: ...`. Unknown fields pass through, as
// the spec allows extensions and Docker and containerd write many that do not apply here
// (namespaces, seccomp, cgroups paths, hooks).
import { z } from 'zod';

/** ConfigError: a bundle's config.json (or an exec --process file) is missing, not JSON, or invalid; field names the zod path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly file: string;
  readonly field: string | undefined;
  constructor(file: string, field: string | undefined, detail: string, options?: { cause?: unknown }) {
    super(`${file}: ${field ? `${field}: ` : ''}${detail}`, options);
    this.file = file;
    this.field = field;
  }
}

const absolutePath = z.string().refine((path) => path.startsWith('/'), { message: 'must be an absolute path' });

/** ProcessSchema validates an OCI `process` object (config.json's, or the file of `exec --process`). */
export const ProcessSchema = z
  .object({
    terminal: z.boolean().optional(),
    consoleSize: z.object({ height: z.number().int().nonnegative(), width: z.number().int().nonnegative() }).optional(),
    user: z.object({ uid: z.number().int(), gid: z.number().int() }).passthrough().optional(),
    args: z.array(z.string(), { required_error: 'is required: the program to run (a .wasm file in the rootfs) and its arguments' }).min(1, {
      message: 'must name the program to run (a .wasm file in the rootfs)',
    }),
    env: z.array(z.string().refine((entry) => entry.includes('='), { message: 'must have the form KEY=VALUE' })).optional(),
    cwd: absolutePath.default('/'),
    rlimits: z.array(z.object({ type: z.string(), soft: z.number().int().nonnegative(), hard: z.number().int().nonnegative() })).optional(),
  })
  .passthrough();

/** OciProcess is a validated OCI process object. */
export type OciProcess = z.infer<typeof ProcessSchema>;

/** MemoryResourcesSchema validates LinuxResources.memory; -1 means unlimited, as in runc. */
const MemoryResourcesSchema = z.object({ limit: z.number().int().min(-1).optional() }).passthrough();

/** LinuxResourcesSchema validates the LinuxResources object of config.json and of `update --resources`. */
export const LinuxResourcesSchema = z.object({ memory: MemoryResourcesSchema.optional() }).passthrough();

/** LinuxResources is a validated OCI LinuxResources object. */
export type LinuxResources = z.infer<typeof LinuxResourcesSchema>;

const MountSchema = z
  .object({
    destination: absolutePath,
    type: z.string().optional(),
    source: z.string().optional(),
    options: z.array(z.string()).optional(),
  })
  .passthrough();

/** OciMount is one entry of config.json's mounts. */
export type OciMount = z.infer<typeof MountSchema>;

/** RuntimeSpecSchema validates a bundle's config.json. */
export const RuntimeSpecSchema = z
  .object({
    ociVersion: z.string({ required_error: 'is required (for example "1.0.2")' }),
    process: ProcessSchema.optional(),
    root: z.object({ path: z.string().min(1), readonly: z.boolean().optional() }).passthrough().optional(),
    hostname: z.string().optional(),
    mounts: z.array(MountSchema).optional(),
    annotations: z.record(z.string()).optional(),
    linux: z.object({ resources: LinuxResourcesSchema.optional() }).passthrough().optional(),
  })
  .passthrough();

/** RuntimeSpec is a validated config.json. */
export type RuntimeSpec = z.infer<typeof RuntimeSpecSchema>;

/** formatPath writes a zod issue path the way a person names a JSON field: `process.env[2]`. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${key}` : key), '');
}

/** parseWithSchema validates parsed JSON, turning the first zod issue into a ConfigError naming its field. */
export function parseWithSchema<T extends z.ZodTypeAny>(schema: T, json: unknown, file: string, prefix: readonly (string | number)[] = []): z.infer<T> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = formatPath([...prefix, ...(issue?.path ?? [])]);
  throw new ConfigError(file, field || undefined, issueMessage(issue), { cause: result.error });
}

function issueMessage(issue: z.ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return issue.message === 'Required' ? 'is required' : issue.message;
  if (issue.code === 'invalid_type') return `must be ${article(issue.expected)}, not ${article(issue.received)}`;
  return issue.message;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** parseJsonText parses JSON text, turning a syntax error into a ConfigError for file. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, undefined, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
}
