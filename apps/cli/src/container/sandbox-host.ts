// The container as its sandbox process holds it (runsc's container/ + sandbox/ in one
// process): the Sandbox from @stasis/sentry, the OCI status machine, and the answers to
// control requests. It is the only writer of the container's state.json while it lives, and
// it ends the process with the workload's exit code, which is what the shim waits for.
import { closeSync, constants, openSync } from 'node:fs';
import type { Reply } from './control-server.js';
import { type ContainerStatus, type Operation, WrongStateError, isAllowed } from './errors.js';
import type { ProcessIdentity } from './process-liveness.js';
import type { CheckpointRequestSchema, ExecProcess, Request, Response, RestoreSource, TaskInfo } from './protocol.js';
import type { SandboxClass, SandboxInstance, StdioBinding } from './sentry.js';
import { Signals } from './signals.js';
import { type ContainerState, writeState } from './state-store.js';
import type { z } from 'zod';
import { WASM_PAGE_SIZE } from './bundle.js';
import { readKey, restoreOptions } from './sandbox-options.js';

/** EXIT_CHECKPOINTED is the exit status of a sandbox process stopped by a checkpoint, as a process killed with SIGKILL (CRIU's dump ends that way too). */
export const EXIT_CHECKPOINTED = 128 + Signals.SIGKILL;

// How often progress messages go out while a checkpoint or restore writes or reads.
const PROGRESS_INTERVAL_MS = 100;

/** ProgressCallback is the `onProgress` option of Sandbox.checkpoint and Sandbox.restore. */
export type ProgressCallback = (progress: { bytes: number; total: number }) => void;

/**
 * throttledProgress turns the sentry's progress callbacks into `progress` messages for
 * `phase`, at most one per PROGRESS_INTERVAL_MS, and always the last (bytes === total).
 */
export function throttledProgress(phase: 'checkpoint' | 'restore', send: (message: Extract<Response, { type: 'progress' }>) => void): ProgressCallback {
  let last = 0;
  return ({ bytes, total }) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS && bytes < total) return;
    last = now;
    send({ type: 'progress', phase, bytes, total });
  };
}

interface ExecEntry {
  readonly hostPid: number;
  readonly reply: Reply;
}

/** SandboxHostOptions is what a SandboxHost is built from. */
export interface SandboxHostOptions {
  readonly root: string;
  readonly state: ContainerState;
  readonly sandboxClass: SandboxClass;
  readonly sandbox: SandboxInstance;
  readonly identity: ProcessIdentity;
  /** exit ends the sandbox process; called once, after the state file says `stopped`. */
  readonly exit: (code: number) => void;
}

/** SandboxHost serves a container's control requests and drives its Sandbox. */
export class SandboxHost {
  #state: ContainerState;
  #sandbox: SandboxInstance;
  readonly #options: SandboxHostOptions;
  readonly #execs = new Map<number, ExecEntry>();
  // State-changing requests run one at a time; reads (tasks, stats) and kill do not wait.
  #queue: Promise<unknown> = Promise.resolve();
  #exiting = false;
  #memoryLimitBytes: number | undefined;

  constructor(options: SandboxHostOptions) {
    this.#options = options;
    this.#state = options.state;
    this.#sandbox = options.sandbox;
    const pages = options.state.launch.limits.memoryPages;
    this.#memoryLimitBytes = pages === undefined ? undefined : pages * WASM_PAGE_SIZE;
  }

  /** markCreated records that the sandbox process holds a created container and waits for start. */
  markCreated(): void {
    this.#setStatus('created');
  }

  /** startRestored starts a sandbox that was restored at boot (one-step restore). */
  startRestored(): void {
    this.#startSandbox();
  }

  /** handle serves one control request. */
  handle = async (request: Request, reply: Reply): Promise<void> => {
    switch (request.type) {
      case 'tasks':
        return reply.end({ type: 'tasks', tasks: this.#tasks() });
      case 'stats':
        return reply.end({ type: 'stats', ...this.#sandbox.stats(), memoryLimitBytes: this.#memoryLimitBytes });
      case 'kill':
        return this.#kill(request.signal, request.all, reply);
      case 'exec':
        return this.#exec(request.process, reply);
      default:
        return this.#serialized(() => this.#change(request, reply));
    }
  };

  /** signal handles a signal sent to the sandbox process itself (Ctrl-C on `run`, a shim's SIGTERM) as `kill`. */
  signal(signal: number): void {
    this.#sandbox.kill(signal);
    if (this.#state.status === 'created' && this.#sandbox.status === 'stopped') this.#finish(128 + signal);
  }

  async #change(request: Exclude<Request, { type: 'tasks' | 'stats' | 'kill' | 'exec' }>, reply: Reply): Promise<void> {
    switch (request.type) {
      case 'start':
        this.#require('start');
        this.#startSandbox();
        return reply.end({ type: 'ok' });
      case 'restore':
        this.#require('restore');
        await this.#restore(request.source, reply);
        return reply.end({ type: 'ok' });
      case 'pause':
        this.#require('pause');
        await this.#sandbox.pause();
        this.#setStatus('paused');
        return reply.end({ type: 'ok' });
      case 'resume':
        this.#require('resume');
        this.#sandbox.resume();
        this.#setStatus('running');
        return reply.end({ type: 'ok' });
      case 'checkpoint':
        return this.#checkpoint(request.checkpoint, reply);
      case 'update':
        this.#require('update');
        return this.#update(request.memoryLimitBytes, reply);
    }
  }

  #require(operation: Operation): void {
    if (!isAllowed(operation, this.#state.status)) throw new WrongStateError(this.#state.id, operation, this.#state.status);
  }

  #serialized(fn: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  #startSandbox(): void {
    this.#sandbox.start();
    this.#setStatus('running');
    const sandbox = this.#sandbox;
    sandbox.wait().then(
      ({ code }) => {
        // A sandbox replaced by a restore, or stopped by a checkpoint, does not end the process.
        if (sandbox === this.#sandbox && !this.#exiting) this.#finish(code);
      },
      (error: unknown) => {
        process.stderr.write(`stasis: sandbox failed: ${error instanceof Error ? error.message : String(error)}\n`);
        if (sandbox === this.#sandbox) this.#finish(255);
      },
    );
  }

  async #restore(source: RestoreSource, reply: Reply): Promise<void> {
    const onProgress = throttledProgress('restore', (message) => reply.send(message));
    this.#sandbox = await this.#options.sandboxClass.restore(restoreOptions(this.#state.launch, source, onProgress));
    this.#startSandbox();
  }

  // What a signal does is the sentry's: its default action (WASI programs have no handlers),
  // so SIGWINCH, SIGCHLD, SIGURG and SIGCONT do nothing; SIGKILL ends a paused task at once,
  // others when it resumes, as with a frozen cgroup.
  #kill(signal: number, all: boolean, reply: Reply): Promise<void> {
    this.#require('kill');
    this.#sandbox.kill(signal, { all });
    if (this.#state.status === 'created' && this.#sandbox.status === 'stopped') {
      // The workload never ran: the process ends as if the signal had killed it.
      return reply.end({ type: 'ok' }).then(() => this.#finish(128 + signal));
    }
    return reply.end({ type: 'ok' });
  }

  async #exec(process: ExecProcess, reply: Reply): Promise<void> {
    this.#require('exec');
    const { stdio, release } = openCallerStdio(process.stdioPid);
    let task: Awaited<ReturnType<SandboxInstance['exec']>>;
    try {
      task = await this.#sandbox.exec({ module: process.module, args: process.args, env: process.env, cwd: process.cwd, stdio });
    } catch (error) {
      release();
      throw error;
    }
    this.#execs.set(task.tid, { hostPid: process.stdioPid, reply });
    reply.send({ type: 'exec-started', tid: task.tid });
    const { code } = await task.wait().finally(release);
    this.#execs.delete(task.tid);
    await reply.end({ type: 'exit', code });
  }

  async #checkpoint(request: z.infer<typeof CheckpointRequestSchema>, reply: Reply): Promise<void> {
    this.#require('checkpoint');
    const result = await this.#sandbox.checkpoint({
      imagePath: request.imagePath,
      leaveRunning: request.leaveRunning,
      parent: request.parentPath,
      compression: request.compression,
      key: readKey(request.keyFile),
      onProgress: throttledProgress('checkpoint', (message) => reply.send(message)),
    });
    if (request.leaveRunning) {
      await reply.end({ type: 'checkpointed', ...result });
      return;
    }
    this.#exiting = true;
    this.#setStatus('stopped', EXIT_CHECKPOINTED);
    await reply.end({ type: 'checkpointed', ...result });
    this.#finish(EXIT_CHECKPOINTED);
  }

  async #update(memoryLimitBytes: number | null, reply: Reply): Promise<void> {
    const update = (this.#sandbox as SandboxInstance & { update?: (options: { limits: { memoryPages?: number } }) => void }).update;
    if (typeof update !== 'function') throw new Error('update: this version of the sentry cannot change the limits of a running sandbox');
    const memoryPages = memoryLimitBytes === null ? undefined : Math.max(1, Math.floor(memoryLimitBytes / WASM_PAGE_SIZE));
    update.call(this.#sandbox, { limits: { memoryPages } });
    this.#memoryLimitBytes = memoryPages === undefined ? undefined : memoryPages * WASM_PAGE_SIZE;
    await reply.end({ type: 'ok' });
  }

  #tasks(): TaskInfo[] {
    return this.#sandbox.tasks().map((task) => ({ ...task, hostPid: this.#execs.get(task.tid)?.hostPid ?? this.#options.identity.pid }));
  }

  #setStatus(status: ContainerStatus, exitCode?: number): void {
    this.#state = { ...this.#state, status, process: status === 'stopped' ? undefined : this.#options.identity, exitCode };
    try {
      writeState(this.#options.root, this.#state);
    } catch (error) {
      // The directory is gone when the container was deleted or checkpointed away under us.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  // Ends the container: tasks started by exec end with it, as processes do when a pid
  // namespace's init exits; their attach processes learn it before this process goes.
  #finish(code: number): void {
    if (this.#state.status !== 'stopped') this.#setStatus('stopped', code);
    this.#exiting = true;
    const pending = [...this.#execs.values()].map((entry) => entry.reply.end({ type: 'exit', code: 128 + Signals.SIGKILL }));
    this.#execs.clear();
    const done = Promise.all(pending);
    const deadline = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    void Promise.race([done, deadline]).then(() => this.#options.exit(code));
  }
}

const READ_FLAGS = constants.O_RDONLY;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_APPEND;

/**
 * openCallerStdio opens the fds 0-2 of the process that asked for an exec, through
 * /proc/<pid>/fd: a pipe or a terminal opens as itself, so the new task reads and writes where
 * the caller does (Node can neither receive fds over a socket nor make pipes). A closed fd
 * becomes /dev/null.
 */
export function openCallerStdio(pid: number): { stdio: StdioBinding; release(): void } {
  const opened: number[] = [];
  const open = (fd: number, flags: number): number | 'null' => {
    try {
      const host = openSync(`/proc/${pid}/fd/${fd}`, flags);
      opened.push(host);
      return host;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return 'null';
      if (code === 'ENXIO') throw new Error(`exec: fd ${fd} of the caller is a socket, which cannot be reopened through /proc; give exec pipes, files or a terminal`, { cause: error });
      throw error;
    }
  };
  const release = () => {
    for (const fd of opened.splice(0)) closeSync(fd);
  };
  try {
    return { stdio: { stdin: open(0, READ_FLAGS), stdout: open(1, WRITE_FLAGS), stderr: open(2, WRITE_FLAGS) }, release };
  } catch (error) {
    release();
    throw error;
  }
}
