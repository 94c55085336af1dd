// `stasis boot ID` (internal): the sandbox process. It builds the container's Sandbox from
// the LaunchSpec that `create` stored (or restores an image, for a one-step restore), serves
// the control socket, reports ready on --ready-fd, and ends with the workload's exit status.
import { closeSync, writeSync } from 'node:fs';
import type { GlobalOptions } from '../cli.js';
import { ExitError } from '../errors.js';
import { listenControlSocket } from '../container/control-server.js';
import { currentProcessIdentity } from '../container/process-liveness.js';
import { type Response, encodeMessage } from '../container/protocol.js';
import { SandboxHost, throttledProgress } from '../container/sandbox-host.js';
import { createOptions, restoreOptions } from '../container/sandbox-options.js';
import { loadSandboxClass } from '../container/sentry.js';
import { Signals } from '../container/signals.js';
import { containerDirectory, readState } from '../container/state-store.js';

/** BootOptions are the options of `stasis boot`. */
export interface BootOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  /** The fd on which the launcher waits for `ready` or `error`. */
  readonly readyFd?: number;
  readonly restore?: { readonly imagePath: string; readonly keyFile?: string };
}

// Signals that end a container when they reach its sandbox process (a foreground `run` in
// a terminal, a shim or an operator signalling the pid from the pid file).
const HANDLED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const;

/** run hosts the container until its workload exits, then exits the process with its status. */
export async function run(options: BootOptions): Promise<number> {
  const report = (message: Response) => {
    if (options.readyFd !== undefined) writeSync(options.readyFd, encodeMessage(message));
  };
  let host: SandboxHost;
  let exited!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => {
    exited = resolve;
  });
  try {
    const state = readState(options.globals.root, options.id);
    const sandboxClass = await loadSandboxClass();
    const sandbox = options.restore
      ? await sandboxClass.restore(restoreOptions(state.launch, options.restore, throttledProgress('restore', report)))
      : await sandboxClass.create(createOptions(state.launch));
    host = new SandboxHost({ root: options.globals.root, state, sandboxClass, sandbox, identity: currentProcessIdentity(), exit: exited });
    const server = await listenControlSocket(containerDirectory(options.globals.root, options.id), host.handle);
    void exitCode.then(() => server.close());
    if (options.restore) host.startRestored();
    else host.markCreated();
  } catch (error) {
    if (options.readyFd === undefined) throw error;
    // The launcher reports it (on its stderr, which is ours too, and in --log): once is enough.
    report({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    throw new ExitError(1);
  }
  for (const name of HANDLED) process.on(name, () => host.signal(Signals[name]));
  report({ type: 'ready', pid: process.pid });
  if (options.readyFd !== undefined) closeSync(options.readyFd);
  const code = await exitCode;
  // Nothing the sentry left behind (timers, a read on stdin) may keep the container alive.
  process.exit(code);
}
