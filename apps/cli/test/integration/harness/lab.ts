// A lab: a private containerd (and dockerd on top of it) under one temporary directory, started
// and stopped by tooling/integration/daemons.sh, with the engines' clients bound to it.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type CommandOptions, type CommandResult, runChecked, runCommand } from './command.js';
import { INTEGRATION_TOOLING, type RuntimeUnderTest, findExecutable } from './prerequisites.js';

const DAEMONS_SCRIPT = join(INTEGRATION_TOOLING, 'daemons.sh');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 180_000;

/** LabStartError is a lab whose daemons did not come up; the message holds their logs. */
export class LabStartError extends Error {
  override name = 'LabStartError';
  readonly directory: string;
  constructor(directory: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.directory = directory;
  }
}

/** LabOptions choose what a lab runs. */
export interface LabOptions {
  /** Start dockerd as well as containerd. */
  readonly docker: boolean;
  readonly runtime: RuntimeUnderTest;
}

/** Lab is a running private containerd (and maybe dockerd) and the clients that talk to it. */
export class Lab {
  /** The lab directory: every file, socket and mount of the daemons is under it. */
  readonly directory: string;
  /** The containerd namespace the ctr scenarios use, named for the lab so that nothing else shares it. */
  readonly namespace: string;
  readonly containerdAddress: string;
  readonly dockerHost: string | undefined;
  /** The executable the engines call: the runtime, or the tracing wrapper in front of it. */
  readonly runtimeBinary: string;
  readonly runtime: RuntimeUnderTest;
  #stopped: Promise<readonly string[]> | undefined;

  private constructor(directory: string, runtime: RuntimeUnderTest, variables: ReadonlyMap<string, string>) {
    this.directory = directory;
    this.runtime = runtime;
    this.namespace = `stasis-${basename(directory).replace(/[^A-Za-z0-9]/g, '')}`;
    this.containerdAddress = variables.get('CONTAINERD_ADDRESS') ?? join(directory, 'containerd.sock');
    this.dockerHost = variables.get('DOCKER_HOST');
    this.runtimeBinary = variables.get('RUNTIME') || runtime.path;
  }

  /** Lab.start creates a lab directory and starts its daemons; on failure it stops what started and rejects with LabStartError. */
  static async start(options: LabOptions): Promise<Lab> {
    // A short path: unix socket paths under it (the runtime's included) must stay under 108 bytes.
    const directory = mkdtempSync(join(tmpdir(), 'sit-'));
    const env = {
      LAB: directory,
      STASIS_RUNTIME: options.runtime.path,
      ...(options.docker ? {} : { NO_DOCKER: '1' }),
    };
    let result: CommandResult;
    try {
      result = await runCommand([DAEMONS_SCRIPT, 'start'], { env, timeoutMs: START_TIMEOUT_MS });
    } catch (error) {
      await stopDirectory(directory);
      throw new LabStartError(directory, `daemons.sh start: ${(error as Error).message}`, { cause: error });
    }
    if (result.code !== 0) {
      await stopDirectory(directory);
      throw new LabStartError(directory, `the daemons did not start:\n${result.stdout}${result.stderr}`);
    }
    const variables = new Map<string, string>();
    for (const line of result.stdout.split('\n')) {
      const equals = line.indexOf('=');
      if (equals > 0) variables.set(line.slice(0, equals), line.slice(equals + 1));
    }
    return new Lab(directory, options.runtime, variables);
  }

  /** path joins parts under the lab directory. */
  path(...parts: string[]): string {
    return join(this.directory, ...parts);
  }

  /** ctr runs `ctr` against the lab's containerd in the lab's namespace. */
  ctr(args: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    return runCommand(this.ctrArgv(args), options);
  }

  /** ctrChecked runs `ctr` like ctr and rejects unless it exits 0. */
  ctrChecked(args: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    return runChecked(this.ctrArgv(args), options);
  }

  /** ctrArgv is the full command line of `ctr args` against this lab. */
  ctrArgv(args: readonly string[]): string[] {
    return ['ctr', '--address', this.containerdAddress, '--namespace', this.namespace, ...args];
  }

  /** docker runs the docker client against the lab's dockerd. */
  docker(args: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    return runCommand(this.dockerArgv(args), options);
  }

  /** dockerChecked runs the docker client like docker and rejects unless it exits 0. */
  dockerChecked(args: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    return runChecked(this.dockerArgv(args), options);
  }

  /** dockerArgv is the full command line of `docker args` against this lab. */
  dockerArgv(args: readonly string[]): string[] {
    if (this.dockerHost === undefined) throw new Error('this lab runs no dockerd');
    return [findExecutable('docker') ?? 'docker', '--host', this.dockerHost, ...args];
  }

  /** runtimeStateDirectory is where the runtime keeps a container's state: the --root the shim passes, plus the id. */
  runtimeStateDirectory(engine: 'containerd' | 'docker', id: string): string {
    return engine === 'containerd'
      ? join('/run/containerd/runc', this.namespace, id)
      : join(this.directory, 'de', 'runtime-runc', 'moby', id);
  }

  /** diagnostics returns the tails of the daemon logs and of the runtime call trace, for failure reports. */
  diagnostics(): string {
    const sections: string[] = [];
    for (const name of ['containerd.log', 'dockerd.log', 'runtime-calls.log']) {
      const file = this.path(name);
      if (!existsSync(file)) continue;
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-40);
      sections.push(`--- ${file} (last ${lines.length} lines)\n${lines.join('\n')}`);
    }
    return sections.join('\n');
  }

  /**
   * stop ends the lab: containers, shims, daemons and any process of the lab by pid, then
   * unmounts what is left under the lab. It resolves to what survived (none when all went
   * well) and removes the lab directory unless something survived or STASIS_INTEGRATION_KEEP=1.
   * Calling it again returns the first result.
   */
  stop(): Promise<readonly string[]> {
    this.#stopped ??= stopDirectory(this.directory, this.runtimeStateDirectory('containerd', ''));
    return this.#stopped;
  }
}

async function stopDirectory(directory: string, namespaceState?: string): Promise<readonly string[]> {
  const env = { LAB: directory };
  const leftovers: string[] = [];
  const stopped = await runCommand([DAEMONS_SCRIPT, 'stop'], { env, timeoutMs: STOP_TIMEOUT_MS }).catch(
    (error: Error) => ({ code: -1, stdout: '', stderr: error.message }),
  );
  if (stopped.code !== 0) leftovers.push(`daemons.sh stop failed: ${stopped.stdout}${stopped.stderr}`);
  const listed = await runCommand([DAEMONS_SCRIPT, 'leftovers'], { env });
  leftovers.push(...listed.stdout.split('\n').filter((line) => line !== ''));
  if (namespaceState !== undefined && existsSync(namespaceState)) leftovers.push(`runtime state ${namespaceState}`);
  if (leftovers.length === 0 && process.env.STASIS_INTEGRATION_KEEP !== '1') {
    await rm(directory, { recursive: true, force: true });
  }
  return leftovers;
}
