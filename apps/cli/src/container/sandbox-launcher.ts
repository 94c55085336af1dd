// Starting a container's sandbox process (runsc's sandbox.New): a detached Node process
// running the hidden `stasis boot` command, with the caller's fds 0-2 (or, with a console
// socket, a new pty) as its stdio, which is what the workload will use. It reports on fd 3
// (`ready` with its pid, `progress` while restoring, or `error`) and closes it; the caller
// then writes the pid file and exits, leaving it to the shim (its new parent).
import { type ChildProcess, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { stackSwitchingNodeFlags } from '@stasis/sentry/stack-switching';
import type { GlobalOptions } from '../cli.js';
import { type ConsoleRequest, wrapWithConsole } from './console-helper.js';
import { SandboxProcessError } from './errors.js';
import { LineSplitter, type Response, ResponseSchema, decodeLine } from './protocol.js';

/** LaunchRequest says which container the new sandbox process holds and how it starts. */
export interface LaunchRequest {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly console?: ConsoleRequest;
  /** Restore this image at boot (one-step restore) instead of creating the workload fresh. */
  readonly restore?: { readonly imagePath: string; readonly keyFile?: string };
  readonly onProgress?: (message: Extract<Response, { type: 'progress' }>) => void;
}

/** LaunchedSandbox is a sandbox process that reported ready. */
export interface LaunchedSandbox {
  readonly pid: number;
  /** Resolves to its exit status (128+n when a signal ended it). */
  readonly exited: Promise<number>;
  /** detach lets this process exit while the sandbox process goes on. */
  detach(): void;
  /** terminate kills the sandbox process (SIGKILL) and waits for it to exit. */
  terminate(): Promise<number>;
}

/** globalArguments repeats the global flags for a stasis process started by this one. */
export function globalArguments(globals: GlobalOptions): string[] {
  return [
    '--root',
    globals.root,
    ...(globals.log ? ['--log', globals.log] : []),
    '--log-format',
    globals.logFormat,
    ...(globals.debug ? ['--debug'] : []),
  ];
}

/**
 * stasisCommand is the argv that runs this same stasis CLI with the given arguments, with the
 * Node options that let its sandboxes end time slices without unwinding (stack switching).
 */
export function stasisCommand(args: readonly string[]): string[] {
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which script runs stasis (process.argv[1] is empty)');
  return [process.execPath, ...stackSwitchingNodeFlags(), script, ...args];
}

/** launchSandbox starts the sandbox process of a container whose state.json is written, and waits until it is ready. */
export async function launchSandbox(request: LaunchRequest): Promise<LaunchedSandbox> {
  const restore = request.restore ? ['--image-path', request.restore.imagePath, ...(request.restore.keyFile ? ['--image-key-file', request.restore.keyFile] : [])] : [];
  let command = stasisCommand([...globalArguments(request.globals), 'boot', '--ready-fd', '3', ...restore, request.id]);
  if (request.console) command = wrapWithConsole(request.console, command);
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { detached: true, stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
    child.once('error', () => resolve(127));
  });
  let pid: number;
  try {
    pid = await waitForReady(child, request, exited);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    pid,
    exited,
    detach() {
      (child.stdio[3] as Readable | null)?.destroy();
      child.unref();
    },
    terminate() {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

function waitForReady(child: ChildProcess, request: LaunchRequest, exited: Promise<number>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const channel = child.stdio[3] as Readable;
    const lines = new LineSplitter();
    let settled = false;
    const settle = (error: Error | undefined, pid?: number) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(pid as number);
    };
    child.once('error', (error) => settle(new SandboxProcessError(request.id, `cannot start the sandbox process: ${error.message}`, { cause: error })));
    channel.setEncoding('utf8');
    channel.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        let message: Response;
        try {
          message = decodeLine(ResponseSchema, line);
        } catch (error) {
          settle(error as Error);
          return;
        }
        if (message.type === 'progress') request.onProgress?.(message);
        else if (message.type === 'ready') settle(undefined, message.pid);
        else if (message.type === 'error') settle(new SandboxProcessError(request.id, message.message));
      }
    });
    channel.on('end', () => {
      void exited.then((code) => settle(new SandboxProcessError(request.id, `the sandbox process exited with status ${code} before it was ready`)));
    });
  });
}

/** exitStatus is a child's exit status as a shell reports it: its code, or 128+n when signal n ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal === null ? 0 : osConstants.signals[signal]);
}
