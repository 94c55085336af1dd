// Creating a container: what `create`, `run` and a one-step `restore` share. The bundle is
// validated before anything is written (a bad config.json leaves no container behind), the id
// is claimed by creating its directory, and the sandbox process is started and waited for; if
// it fails, the container is removed again and its error is the command's.
import { resolve } from 'node:path';
import type { GlobalOptions } from '../cli.js';
import { writePidFile } from './atomic-file.js';
import { launchSpecFor, loadBundle } from './bundle.js';
import type { ConsoleRequest } from './console-helper.js';
import type { LaunchSpec } from './launch-spec.js';
import { withLock } from './lock.js';
import { currentProcessIdentity } from './process-liveness.js';
import type { Response } from './protocol.js';
import { type LaunchedSandbox, launchSandbox } from './sandbox-launcher.js';
import { sendRequest } from './control-socket.js';
import { withContainer } from './container.js';
import { ContainerNotFoundError } from './errors.js';
import { Signals } from './signals.js';
import { containerDirectory, createContainerDirectory, lockPath, removeContainerDirectory, validateContainerId, writeState } from './state-store.js';

/** TerminalMismatchError: process.terminal and --console-socket disagree (runc refuses both mismatches). */
export class TerminalMismatchError extends Error {
  override name = 'TerminalMismatchError';
}

/** CreateRequest is what creating a container takes. */
export interface CreateRequest {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly bundle: string;
  readonly pidFile?: string;
  readonly consoleSocket?: string;
  /** Whether a terminal may come from the caller's own stdio (a foreground `run` in a terminal) rather than a console socket. */
  readonly foreground?: boolean;
  readonly restore?: { readonly imagePath: string; readonly keyFile?: string };
  readonly onProgress?: (message: Extract<Response, { type: 'progress' }>) => void;
}

/** LABEL_CONTAINER_ID and LABEL_BUNDLE name the sandbox labels that record a container in its checkpoint images. */
export const LABEL_CONTAINER_ID = 'container.id';
export const LABEL_BUNDLE = 'container.bundle';

/** createContainer creates a container and returns its ready sandbox process (still attached to this one). */
export async function createContainer(request: CreateRequest): Promise<LaunchedSandbox> {
  const { globals, id } = request;
  validateContainerId(id);
  const bundle = loadBundle(request.bundle);
  const launch = launchSpecFor(bundle, { [LABEL_CONTAINER_ID]: id, [LABEL_BUNDLE]: bundle.directory });
  const consoleRequest = consoleFor(launch, request);
  // Relative paths are the caller's; the sandbox process does not share its cwd.
  const pidFile = request.pidFile === undefined ? undefined : resolve(request.pidFile);
  const restore = request.restore && { imagePath: resolve(request.restore.imagePath), keyFile: request.restore.keyFile && resolve(request.restore.keyFile) };
  createContainerDirectory(globals.root, id);
  try {
    return await withLock(lockPath(globals.root, id), async () => {
      writeState(globals.root, {
        version: 1,
        id,
        bundle: bundle.directory,
        created: new Date().toISOString(),
        owner: '',
        annotations: bundle.spec.annotations ?? {},
        status: 'creating',
        process: currentProcessIdentity(),
        launch,
      });
      const launched = await launchSandbox({ globals, id, console: consoleRequest, restore, onProgress: request.onProgress });
      try {
        if (pidFile !== undefined) writePidFile(pidFile, launched.pid);
      } catch (error) {
        await launched.terminate();
        throw error;
      }
      return launched;
    });
  } catch (error) {
    removeContainerDirectory(globals.root, id);
    throw error;
  }
}

function consoleFor({ terminal, consoleSize }: LaunchSpec, request: CreateRequest): ConsoleRequest | undefined {
  if (request.consoleSocket !== undefined) {
    if (!terminal) throw new TerminalMismatchError('--console-socket was given but config.json has process.terminal false: there is no terminal to send');
    return { socket: resolve(request.consoleSocket), size: consoleSize };
  }
  if (terminal && !request.foreground) throw new TerminalMismatchError('config.json has process.terminal true: a detached container needs --console-socket to receive its terminal');
  return undefined;
}

// Signals a foreground `run` or `restore` passes on to the container rather than dying of them.
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

/**
 * runInForeground waits for a container's sandbox process to exit, forwarding the signals
 * this process receives to the container, then removes the container unless keep is set
 * (as `runc run` does), and resolves to the program's exit status.
 */
export async function runInForeground(launched: LaunchedSandbox, globals: GlobalOptions, id: string, keep = false): Promise<number> {
  const forward = (name: (typeof FORWARDED)[number]) => {
    sendRequest(id, containerDirectory(globals.root, id), { type: 'kill', signal: Signals[name], all: false }).catch(() => {});
  };
  for (const name of FORWARDED) process.on(name, forward);
  const code = await launched.exited;
  for (const name of FORWARDED) process.off(name, forward);
  if (!keep) await removeIfStopped(globals.root, id);
  return code;
}

// A checkpoint may already have removed the container.
async function removeIfStopped(root: string, id: string): Promise<void> {
  try {
    await withContainer(root, id, async (container) => {
      if (container.status === 'stopped') removeContainerDirectory(root, id);
    });
  } catch (error) {
    if (!(error instanceof ContainerNotFoundError)) throw error;
  }
}
