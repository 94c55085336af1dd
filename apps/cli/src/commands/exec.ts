// `stasis exec [--process FILE | COMMAND...] [--detach] [--pid-file F] [--console-socket S] ID`:
// a new task in a running container. The task's stdio is the caller's fds 0-2, which the
// sandbox process opens through /proc/<pid>/fd; so some process must hold them while the task
// runs and exit with its status. In the foreground that is this process. Detached, or with a
// terminal, it is an attach process (`stasis exec-attach`), whose pid goes to the pid file, as
// the shim expects of runc's exec.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Socket } from 'node:net';
import type { GlobalOptions } from '../cli.js';
import { writePidFile } from '../container/atomic-file.js';
import { wrapWithConsole } from '../container/console-helper.js';
import { Container } from '../container/container.js';
import { SandboxProcessError } from '../container/errors.js';
import { execAndWait, execTaskFor } from '../container/exec-session.js';
import { TerminalMismatchError } from '../container/lifecycle.js';
import { LineSplitter, ResponseSchema, decodeLine, type ExecSpec } from '../container/protocol.js';
import { exitStatus, globalArguments, stasisCommand } from '../container/sandbox-launcher.js';
import { validateContainerId } from '../container/state-store.js';

/** ExecOptions are the options of `stasis exec`. */
export interface ExecOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly processFile?: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env: readonly string[];
  readonly tty: boolean;
  readonly detach: boolean;
  readonly pidFile?: string;
  readonly consoleSocket?: string;
}

/** run starts the task; in the foreground it resolves to the task's exit status. */
export async function run(options: ExecOptions): Promise<number> {
  const container = Container.load(options.globals.root, validateContainerId(options.id));
  container.require('exec');
  const task = execTaskFor(container, options);
  if (options.consoleSocket !== undefined && !task.terminal) throw new TerminalMismatchError('--console-socket was given but the process has no terminal (terminal false, no --tty)');
  if (task.terminal && options.consoleSocket === undefined && options.detach) throw new TerminalMismatchError('a detached exec with a terminal needs --console-socket to receive it');
  if (!options.detach && options.consoleSocket === undefined) return execAndWait(container, task.spec);
  return runAttached(options, task.spec);
}

async function runAttached(options: ExecOptions, spec: ExecSpec): Promise<number> {
  let command = stasisCommand([...globalArguments(options.globals), 'exec-attach', options.id]);
  if (options.consoleSocket !== undefined) command = wrapWithConsole({ socket: resolve(options.consoleSocket) }, command);
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { detached: true, stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const exited = new Promise<number>((resolveExit) => child.once('exit', (code, signal) => resolveExit(exitStatus(code, signal))));
  const channel = child.stdio[3] as Socket;
  channel.write(`${JSON.stringify(spec)}\n`);
  await new Promise<void>((resolveStarted, reject) => {
    const lines = new LineSplitter();
    child.once('error', (error) => reject(new SandboxProcessError(options.id, `cannot start the exec attach process: ${error.message}`, { cause: error })));
    channel.setEncoding('utf8');
    channel.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        const message = decodeLine(ResponseSchema, line);
        if (message.type === 'exec-started') resolveStarted();
        else if (message.type === 'error') reject(new SandboxProcessError(options.id, message.message));
      }
    });
    channel.on('end', () => void exited.then((code) => reject(new SandboxProcessError(options.id, `the exec attach process exited with status ${code} before the task started`))));
  });
  if (options.pidFile !== undefined && child.pid !== undefined) writePidFile(resolve(options.pidFile), child.pid);
  if (options.detach) {
    channel.destroy();
    child.unref();
    return 0;
  }
  return exited;
}
