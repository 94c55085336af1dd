// A container as the CLI commands see it (runsc's container.Container): its state under
// --root, its effective status (a crashed sandbox process is `stopped`), its OCI state JSON,
// and requests to its sandbox process. Commands hold the container's lock around anything
// that changes it.
import { setTimeout as sleep } from 'node:timers/promises';
import { DirectoryGoneError, withLock } from './lock.js';
import { type ProcessIdentity, isProcessAlive } from './process-liveness.js';
import { ContainerNotFoundError, type ContainerStatus, type Operation, WrongStateError, isAllowed } from './errors.js';
import { type RequestHandlers, SandboxUnreachableError, sendRequest } from './control-socket.js';
import type { Request, Response } from './protocol.js';
import { type ContainerState, containerDirectory, effectiveStatus, lockPath, readState } from './state-store.js';

/** OCI_VERSION is the runtime-spec version of the state stasis reports. */
export const OCI_VERSION = '1.0.2';

/** OciState is the `state` JSON of the OCI runtime spec, with runc's extra fields (as the shim and podman read it). */
export interface OciState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations: Record<string, string>;
}

/** Container is a loaded container. */
export class Container {
  readonly root: string;
  readonly state: ContainerState;
  /** The status to report and act on: the state file's, or `stopped` when its process is gone. */
  readonly status: ContainerStatus;

  private constructor(root: string, state: ContainerState) {
    this.root = root;
    this.state = state;
    this.status = effectiveStatus(state);
  }

  /** load reads a container's state; ContainerNotFoundError when there is none. */
  static load(root: string, id: string): Container {
    return new Container(root, readState(root, id));
  }

  /** id is the container's id. */
  get id(): string {
    return this.state.id;
  }

  /** directory is the container's state directory. */
  get directory(): string {
    return containerDirectory(this.root, this.state.id);
  }

  /** pid is the sandbox process's pid, 0 once stopped (as runc reports it). */
  get pid(): number {
    return this.status === 'stopped' ? 0 : (this.state.process?.pid ?? 0);
  }

  /** ociState is the container's OCI state JSON. */
  ociState(): OciState {
    return {
      ociVersion: OCI_VERSION,
      id: this.state.id,
      pid: this.pid,
      status: this.status,
      bundle: this.state.bundle,
      rootfs: this.state.launch.rootfs,
      created: this.state.created,
      owner: this.state.owner,
      annotations: this.state.annotations,
    };
  }

  /** require throws runc's error when operation is not allowed in the container's status. */
  require(operation: Operation): void {
    if (!isAllowed(operation, this.status)) throw new WrongStateError(this.id, operation, this.status);
  }

  /**
   * request checks that operation is allowed, then sends a request to the sandbox process;
   * a sandbox process that has gone in the meantime gives runc's wrong-state error for `stopped`.
   */
  async request(operation: Operation, request: Request, handlers?: RequestHandlers): Promise<Response> {
    this.require(operation);
    try {
      return await sendRequest(this.id, this.directory, request, handlers);
    } catch (error) {
      if (error instanceof SandboxUnreachableError) throw new WrongStateError(this.id, operation, 'stopped');
      throw error;
    }
  }
}

/** withContainer runs fn on a freshly loaded container while holding its lock. */
export async function withContainer<T>(root: string, id: string, fn: (container: Container) => Promise<T>): Promise<T> {
  const path = lockPath(root, id);
  try {
    return await withLock(path, () => fn(Container.load(root, id)));
  } catch (error) {
    if (error instanceof DirectoryGoneError && error.path === path) throw new ContainerNotFoundError(id, { cause: error });
    throw error;
  }
}

/** ProcessStillAliveError: a sandbox process did not exit after SIGKILL. */
export class ProcessStillAliveError extends Error {
  override name = 'ProcessStillAliveError';
  readonly pid: number;
  constructor(pid: number, waitedMs: number) {
    super(`the sandbox process ${pid} is still alive ${Math.round(waitedMs / 1000)}s after SIGKILL`);
    this.pid = pid;
  }
}

/** waitForExit polls until the process is gone (or a zombie): it is not our child, so there is nothing to wait(2) on. */
export async function waitForExit(identity: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  let delayMs = 2;
  while (isProcessAlive(identity)) {
    if (Date.now() - started > timeoutMs) return false;
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 50);
  }
  return true;
}

/** killProcess ends a container's sandbox process with SIGKILL (runc's destroy) and waits until it is gone. */
export async function killProcess(identity: ProcessIdentity): Promise<void> {
  if (!isProcessAlive(identity)) return;
  try {
    process.kill(identity.pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  const timeoutMs = 30_000;
  if (!(await waitForExit(identity, timeoutMs))) throw new ProcessStillAliveError(identity.pid, timeoutMs);
}
