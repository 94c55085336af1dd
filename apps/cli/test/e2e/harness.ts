// The end-to-end harness: runs the built `bin/stasis` (as Docker and containerd do) against a
// temporary --root and bundle, with the fixture programs in the rootfs. Commands whose sandbox
// process outlives them (create, run -d, restore) get files as stdout and stderr, since a
// pipe would stay open as long as the container runs. dispose() kills every sandbox process
// the test left behind, by the pid its state file records, and removes the directories.
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** STASIS is the launcher Docker and containerd would be configured with. */
export const STASIS = resolve(here, '../../../../bin/stasis');
const FIXTURES = resolve(here, '../fixtures/wasm');

// Generous: a first create instruments the program; CI machines are slow. Never asserted on.
const COMMAND_TIMEOUT_MS = 120_000;

/** Result is what a finished stasis invocation left. */
export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Lab is a temporary --root and bundle for one test. */
export class Lab {
  readonly directory = mkdtempSync(join(tmpdir(), 'stasis-e2e-'));
  readonly root = join(this.directory, 'root');
  readonly bundle = join(this.directory, 'bundle');
  readonly rootfs = join(this.bundle, 'rootfs');
  readonly log = join(this.directory, 'log.json');

  constructor() {
    mkdirSync(join(this.rootfs, 'tmp'), { recursive: true });
    for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(this.rootfs, name));
  }

  /** config writes the bundle's config.json for args, with overrides merged into the default spec. */
  config(args: readonly string[], overrides: Record<string, unknown> = {}, bundle = this.bundle): void {
    const spec = {
      ociVersion: '1.0.2',
      process: { terminal: false, args, env: ['PATH=/', 'GREETING=hello'], cwd: '/' },
      root: { path: 'rootfs' },
      mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
      ...overrides,
    };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  }

  /** globals is the shim's global flags for this lab. */
  globals(): string[] {
    return ['--root', this.root, '--log', this.log, '--log-format', 'json'];
  }

  /** run runs stasis to completion with pipes, for commands that do not leave a process behind. */
  run(args: readonly string[], options: { input?: string; cwd?: string } = {}): Result {
    const result: SpawnSyncReturns<string> = spawnSync(STASIS, [...this.globals(), ...args], {
      cwd: options.cwd ?? this.bundle,
      input: options.input,
      encoding: 'utf8',
      timeout: COMMAND_TIMEOUT_MS,
    });
    if (result.error) throw result.error;
    return { code: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * runOnTerminal runs stasis to completion on a pseudo-terminal (util-linux `script`), as a
   * user at a shell would: what appears on the terminal, stdout and stderr together, is `output`.
   */
  runOnTerminal(args: readonly string[]): { code: number; output: string } {
    const command = [STASIS, ...this.globals(), ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    const result = spawnSync('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
      cwd: this.bundle,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: COMMAND_TIMEOUT_MS,
    });
    if (result.error) throw result.error;
    return { code: result.status ?? 128, output: result.stdout };
  }

  /** runDetached runs a command whose container keeps stdout/stderr: they go to files named after output. */
  runDetached(args: readonly string[], output: string, options: { cwd?: string; stdin?: string } = {}): Result & { readonly output: Output } {
    const files = this.output(output);
    const stdin = options.stdin === undefined ? 'ignore' : openSync(options.stdin, 'r');
    const out = openSync(files.stdoutPath, 'a');
    const err = openSync(files.stderrPath, 'a');
    try {
      const result = spawnSync(STASIS, [...this.globals(), ...args], { cwd: options.cwd ?? this.bundle, stdio: [stdin, out, err], timeout: COMMAND_TIMEOUT_MS });
      if (result.error) throw result.error;
      return { code: result.status ?? 128, stdout: '', stderr: files.stderr(), output: files };
    } finally {
      closeSync(out);
      closeSync(err);
      if (typeof stdin === 'number') closeSync(stdin);
    }
  }

  /** start starts a long-running stasis command (a foreground run) with its output in files. */
  start(args: readonly string[], output: string): { readonly output: Output; readonly exited: Promise<number>; readonly pid: number } {
    const files = this.output(output);
    const out = openSync(files.stdoutPath, 'a');
    const err = openSync(files.stderrPath, 'a');
    const child = spawn(STASIS, [...this.globals(), ...args], { cwd: this.bundle, stdio: ['ignore', out, err] });
    closeSync(out);
    closeSync(err);
    this.#children.push(child.pid ?? 0);
    const exited = new Promise<number>((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : 255))));
    return { output: files, exited, pid: child.pid ?? 0 };
  }

  /** output names a pair of files for a command's stdout and stderr. */
  output(name: string): Output {
    return new Output(join(this.directory, `${name}.stdout`), join(this.directory, `${name}.stderr`));
  }

  /** state reads `stasis state ID`. */
  state(id: string): { status: string; pid: number; [key: string]: unknown } {
    const result = this.run(['state', id]);
    if (result.code !== 0) throw new Error(`stasis state ${id}: status ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  /** waitForStatus polls `stasis state` until the container has the status (generous deadline, not a timing assertion). */
  async waitForStatus(id: string, status: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.state(id).status;
      if (last === status) return;
      await sleep(25);
    }
    throw new Error(`container ${id}: still ${last} after ${timeoutMs} ms, want ${status}`);
  }

  /** logLines parses the --log file's JSON lines. */
  logLines(): { level: string; msg: string; time: string }[] {
    if (!existsSync(this.log)) return [];
    return readFileSync(this.log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  #children: number[] = [];

  /** dispose kills whatever the test left running and removes the lab. */
  dispose(): void {
    for (const pid of this.#children) killQuietly(pid);
    if (existsSync(this.root)) {
      for (const id of readdirSync(this.root)) {
        try {
          const state = JSON.parse(readFileSync(join(this.root, id, 'state.json'), 'utf8')) as { process?: { pid: number; startTime: string } };
          if (state.process && processStartTime(state.process.pid) === state.process.startTime) killQuietly(state.process.pid);
        } catch {
          // Not a container directory, or already gone.
        }
      }
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** Output is the stdout and stderr files of a command and of the container that inherited them. */
export class Output {
  readonly stdoutPath: string;
  readonly stderrPath: string;
  constructor(stdoutPath: string, stderrPath: string) {
    this.stdoutPath = stdoutPath;
    this.stderrPath = stderrPath;
    writeFileSync(stdoutPath, '', { flag: 'a' });
    writeFileSync(stderrPath, '', { flag: 'a' });
  }

  stdout(): string {
    return readFileSync(this.stdoutPath, 'utf8');
  }

  stderr(): string {
    return readFileSync(this.stderrPath, 'utf8');
  }

  /** waitFor polls stdout until predicate holds (generous deadline, not a timing assertion). */
  async waitFor(predicate: (stdout: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const text = this.stdout();
      if (predicate(text)) return text;
      await sleep(25);
    }
    throw new Error(`waited ${timeoutMs} ms for ${what}; stdout: ${JSON.stringify(this.stdout().slice(-500))}; stderr: ${JSON.stringify(this.stderr().slice(-500))}`);
  }
}

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** isAlive tells whether a pid names a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** waitUntil polls a condition (generous deadline, not a timing assertion). */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return;
    await sleep(25);
  }
  throw new Error(`waited ${timeoutMs} ms for ${what}`);
}

/** tickCount is the number of the last `tick N` line in a ticker's output. */
export function tickCount(output: string): number {
  const ticks = [...output.matchAll(/^tick (\d+)$/gm)];
  return ticks.length === 0 ? 0 : Number(ticks[ticks.length - 1]?.[1]);
}
