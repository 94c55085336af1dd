// The on-disk state of containers, as runc and runsc keep it: one directory per container
// under --root holding `state.json` (validated with zod, replaced atomically), the `lock` that
// serializes invocations, and the sandbox process's control socket. While the sandbox process
// lives it is the only writer of state.json; before it exists (`create`) and after it is gone
// (`delete`) the CLI is, under the lock.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file.js';
import { ContainerExistsError, ContainerNotFoundError, ContainerStateCorruptError, type ContainerStatus, InvalidContainerIdError } from './errors.js';
import { LaunchSpecSchema } from './launch-spec.js';
import { isProcessAlive } from './process-liveness.js';

const STATE_FILE = 'state.json';

/** ContainerStateSchema validates a container's state.json. */
export const ContainerStateSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  bundle: z.string(),
  created: z.string().datetime(),
  owner: z.string(),
  annotations: z.record(z.string()),
  status: z.enum(['creating', 'created', 'running', 'paused', 'stopped']),
  /** The sandbox process (or, while `creating`, the stasis process creating it). */
  process: z.object({ pid: z.number().int().positive(), startTime: z.string() }).optional(),
  exitCode: z.number().int().optional(),
  launch: LaunchSpecSchema,
});

/** ContainerState is the content of a container's state.json. */
export type ContainerState = z.infer<typeof ContainerStateSchema>;

// runc's rule for ids (utils.go validateID): they become directory names under --root.
const CONTAINER_ID = /^[\w+\-.]+$/;

/** validateContainerId returns id if it can name a container, else throws InvalidContainerIdError. */
export function validateContainerId(id: string): string {
  if (!CONTAINER_ID.test(id) || id === '.' || id === '..') throw new InvalidContainerIdError(id);
  return id;
}

/** containerDirectory is where a container's state lives under --root. */
export function containerDirectory(root: string, id: string): string {
  return join(root, validateContainerId(id));
}

/** lockPath is the lock file of a container. */
export function lockPath(root: string, id: string): string {
  return join(containerDirectory(root, id), 'lock');
}

/** createContainerDirectory claims an id: the directory is made with mkdir, which fails if the id is taken. */
export function createContainerDirectory(root: string, id: string): string {
  mkdirSync(root, { recursive: true, mode: 0o711 });
  const directory = containerDirectory(root, id);
  try {
    mkdirSync(directory, { mode: 0o711 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ContainerExistsError(id);
    throw error;
  }
  return directory;
}

/** readState reads and validates a container's state.json. */
export function readState(root: string, id: string): ContainerState {
  const path = join(containerDirectory(root, id), STATE_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ContainerNotFoundError(id, { cause: error });
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ContainerStateCorruptError(id, path, 'not JSON', { cause: error });
  }
  const parsed = ContainerStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContainerStateCorruptError(id, path, issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid', { cause: parsed.error });
  }
  return parsed.data;
}

/** writeState replaces a container's state.json atomically. */
export function writeState(root: string, state: ContainerState): void {
  writeFileAtomic(join(containerDirectory(root, state.id), STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** removeContainerDirectory deletes a container's state (and with it its lock and socket). */
export function removeContainerDirectory(root: string, id: string): void {
  rmSync(containerDirectory(root, id), { recursive: true, force: true });
}

/** listContainerIds lists the ids of containers with a state file under --root, sorted. */
export function listContainerIds(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((name) => CONTAINER_ID.test(name) && existsSync(join(root, name, STATE_FILE))).sort();
}

/**
 * effectiveStatus is the status to report: what the state file says, unless the process it
 * names has died without recording it (crashed, killed with SIGKILL), which is `stopped`.
 */
export function effectiveStatus(state: ContainerState): ContainerStatus {
  if (state.status === 'stopped') return 'stopped';
  if (!state.process || !isProcessAlive(state.process)) return 'stopped';
  return state.status;
}
