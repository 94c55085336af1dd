// Running one exec'd task and waiting for it, from the process that owns its stdio (`stasis
// exec` itself, or its attach process when detached or given a terminal).
import { readFileSync } from 'node:fs';
import { EntrypointError, type EntrypointField, resolveEntrypoint } from './bundle.js';
import type { Container } from './container.js';
import { SandboxConnectionClosedError } from './control-socket.js';
import { ProcessSchema, parseJsonText, parseWithSchema } from './oci-spec.js';
import type { ExecSpec } from './protocol.js';
import { Signals } from './signals.js';

/** execAndWait runs spec in the container with this process's fds 0-2 as its stdio and resolves to its exit status. */
export async function execAndWait(container: Container, spec: ExecSpec, onStarted: (tid: number) => void = () => {}): Promise<number> {
  try {
    const response = await container.request(
      'exec',
      { type: 'exec', process: { ...spec, stdioPid: process.pid } },
      { onMessage: (message) => message.type === 'exec-started' && onStarted(message.tid) },
    );
    if (response.type !== 'exit') throw new Error(`exec: unexpected answer ${response.type} from the sandbox process`);
    return response.code;
  } catch (error) {
    // The container ended (killed, deleted with --force) while the task ran: it died with it.
    if (error instanceof SandboxConnectionClosedError) return 128 + Signals.SIGKILL;
    throw error;
  }
}

/** ExecRequestOptions are the ways `stasis exec` describes the task. */
export interface ExecRequestOptions {
  readonly processFile?: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env: readonly string[];
  readonly tty: boolean;
}

/** ExecTask is an exec's task and whether it wants a terminal. */
export interface ExecTask {
  readonly spec: ExecSpec;
  readonly terminal: boolean;
}

/**
 * execTaskFor builds the task: from an OCI process file (as the shim passes it), or from a
 * command line, which inherits the container's environment and working directory as in runc.
 */
export function execTaskFor(container: Container, options: ExecRequestOptions): ExecTask {
  const launch = container.state.launch;
  if (options.processFile !== undefined) {
    const file = options.processFile;
    const oci = parseWithSchema(ProcessSchema, parseJsonText(readFileSync(file, 'utf8'), file), file);
    const env = oci.env ?? [];
    return { spec: { args: oci.args, env, cwd: oci.cwd, module: moduleFor(launch.rootfs, oci.args, env, oci.cwd, { file, field: 'args[0]' }) }, terminal: oci.terminal ?? false };
  }
  const env = mergeEnv(launch.env, options.env);
  const cwd = options.cwd ?? launch.cwd;
  const args = [...options.args];
  return { spec: { args, env, cwd, module: moduleFor(launch.rootfs, args, env, cwd, { file: 'exec', field: 'command' }) }, terminal: options.tty };
}

// A program outside the rootfs (written by the guest into its overlay) is left for the sentry
// to find in the guest's tree; anything else wrong with it is reported here.
function moduleFor(rootfs: string, args: string[], env: string[], cwd: string, field: EntrypointField): string | undefined {
  try {
    return resolveEntrypoint(rootfs, { args, env, cwd }, field);
  } catch (error) {
    if (error instanceof EntrypointError && error.problem === 'not-found') return undefined;
    throw error;
  }
}

/** mergeEnv applies KEY=VALUE overrides to an environment, replacing variables of the same name. */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const key = (entry: string) => entry.slice(0, entry.indexOf('=') === -1 ? entry.length : entry.indexOf('='));
  const replaced = new Set(overrides.map(key));
  return [...base.filter((entry) => !replaced.has(key(entry))), ...overrides];
}
