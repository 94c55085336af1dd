// Errors of the container layer. Their messages keep runc's wording where the containerd shim
// and Docker match on text: "does not exist" (delete, kill: already gone), "container not
// running" (kill: already finished). Callers branch on the class, never on the text.

/** ContainerStatus is the OCI status of a container, plus runc's `paused`. */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** ContainerNotFoundError: no container with this id under --root. */
export class ContainerNotFoundError extends Error {
  override name = 'ContainerNotFoundError';
  readonly containerId: string;
  constructor(containerId: string, options?: { cause?: unknown }) {
    super(`container "${containerId}" does not exist`, options);
    this.containerId = containerId;
  }
}

/** ContainerExistsError: create or restore with an id already in use under --root. */
export class ContainerExistsError extends Error {
  override name = 'ContainerExistsError';
  readonly containerId: string;
  constructor(containerId: string) {
    super(`container with id "${containerId}" already exists`);
    this.containerId = containerId;
  }
}

/** InvalidContainerIdError: an id that is not a plain name (runc's `^[\w+-.]+$`). */
export class InvalidContainerIdError extends Error {
  override name = 'InvalidContainerIdError';
  readonly containerId: string;
  constructor(containerId: string) {
    super(`invalid container id format: ${JSON.stringify(containerId)}`);
    this.containerId = containerId;
  }
}

/** Operation names an OCI operation whose allowed states are checked before it runs. */
export type Operation = 'start' | 'restore' | 'kill' | 'pause' | 'resume' | 'exec' | 'checkpoint' | 'delete' | 'ps' | 'events' | 'update';

// Which states each operation accepts. The OCI runtime spec: start only on `created`;
// checkpoint comes between `pause` and `resume` from the shim, so it accepts `paused`.
const allowedStates = {
  start: ['created'],
  restore: ['created'],
  kill: ['created', 'running', 'paused'],
  pause: ['running'],
  resume: ['paused'],
  exec: ['running'],
  checkpoint: ['running', 'paused'],
  delete: ['stopped', 'created'],
  ps: ['created', 'running', 'paused'],
  events: ['created', 'running', 'paused'],
  update: ['created', 'running', 'paused'],
} as const satisfies Record<Operation, readonly ContainerStatus[]>;

/** isAllowed tells whether an operation may run on a container in this status. */
export function isAllowed(operation: Operation, status: ContainerStatus): boolean {
  return (allowedStates[operation] as readonly ContainerStatus[]).includes(status);
}

/** WrongStateError: an operation on a container in a state that does not allow it, in runc's words. */
export class WrongStateError extends Error {
  override name = 'WrongStateError';
  readonly containerId: string;
  readonly operation: Operation;
  readonly status: ContainerStatus;
  constructor(containerId: string, operation: Operation, status: ContainerStatus) {
    super(wrongStateMessage(containerId, operation, status));
    this.containerId = containerId;
    this.operation = operation;
    this.status = status;
  }
}

// runc's messages (start.go, delete.go, libcontainer/error.go), which shims match on.
function wrongStateMessage(id: string, operation: Operation, status: ContainerStatus): string {
  switch (operation) {
    case 'start':
    case 'restore':
      if (status === 'running') return `cannot ${operation} an already running container`;
      if (status === 'stopped') return `cannot ${operation} a container that has stopped`;
      return `cannot ${operation} a container in the ${status} state`;
    case 'resume':
      return 'container not paused';
    case 'exec':
      return `cannot exec in a ${status} container`;
    case 'delete':
      return `cannot delete container ${id} that is not stopped: ${status}`;
    default:
      return 'container not running';
  }
}

/** ContainerStateCorruptError: the state file under --root does not parse (it is validated with zod). */
export class ContainerStateCorruptError extends Error {
  override name = 'ContainerStateCorruptError';
  readonly containerId: string;
  readonly path: string;
  constructor(containerId: string, path: string, detail: string, options?: { cause?: unknown }) {
    super(`state of container "${containerId}" (${path}) is corrupt: ${detail}`, options);
    this.containerId = containerId;
    this.path = path;
  }
}

/** LockTimeoutError: another stasis invocation held the container's lock for too long. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  readonly path: string;
  readonly holderPid: number | undefined;
  constructor(path: string, holderPid: number | undefined, waitedMs: number) {
    super(`timed out after ${Math.round(waitedMs / 1000)}s waiting for the lock ${path}${holderPid ? ` held by pid ${holderPid}` : ''}`);
    this.path = path;
    this.holderPid = holderPid;
  }
}

/** SandboxProcessError: the sandbox process failed or went away while a command talked to it. */
export class SandboxProcessError extends Error {
  override name = 'SandboxProcessError';
  readonly containerId: string;
  constructor(containerId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.containerId = containerId;
  }
}
