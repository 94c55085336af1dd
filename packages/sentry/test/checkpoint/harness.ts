// The differential harness: runs a fixture uninterrupted, then again as a chain of driver
// processes (run, checkpoint, restore in a new process, checkpoint again...), and compares the
// concatenated stdout and stderr and the exit code byte for byte.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CheckpointingEvent,
  type CheckpointTrigger,
  type DriverReport,
  type DriverRequest,
  parseDriverReport,
  type SandboxRecipe,
  type TakenCheckpoint,
} from './protocol.js';
import { STACK_SWITCHING_NODE_FLAG } from '../../src/machine/stack-switching.js';

/** PACKAGE_ROOT is packages/sentry. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** REPOSITORY_ROOT is the monorepo root. */
export const REPOSITORY_ROOT = resolve(PACKAGE_ROOT, '../..');
const DRIVER = join(PACKAGE_ROOT, 'test/checkpoint/driver.ts');

/** Hop is one driver process's trigger: when to checkpoint, and how. */
export interface Hop {
  /** Checkpoint once stdout holds this many bytes in total (all hops so far). */
  readonly afterStdoutBytes: number;
  /** Then wait this long. */
  readonly afterMs: number;
  readonly leaveRunning?: boolean;
  readonly compression?: CheckpointTrigger['compression'];
  /** Write an incremental image whose parent is the previous hop's image. */
  readonly incremental?: boolean;
}

/** Workspace is a scratch directory for one experiment, and the host directories a fixture needs there. */
export interface Workspace {
  readonly directory: string;
  dispose(): Promise<void>;
}

/** createWorkspace makes a scratch directory. */
export async function createWorkspace(label: string): Promise<Workspace> {
  const directory = await mkdtemp(join(tmpdir(), `stasis-checkpoint-${label}-`));
  return { directory, dispose: () => rm(directory, { recursive: true, force: true }) };
}

/** Fixture is a program run the same way in every experiment. */
export interface Fixture {
  readonly name: string;
  /** Checkpoint delays are drawn below this: about a third of how long the guest computes under the sentry. */
  readonly windowMs: number;
  /** The guest prints only at its end (stdio fully buffered): only delays can place a checkpoint. */
  readonly bufferedOutput?: boolean;
  /** Builds the sandbox options in a workspace (a rootfs copy, a stdin file...). */
  prepare(workspace: Workspace): Promise<{ readonly recipe: SandboxRecipe; readonly stdin?: string; readonly restore?: Pick<Extract<DriverRequest['start'], { kind: 'restore' }>, 'rootfs' | 'mounts'> }>;
}

/** RunOutput is what a run printed and how it ended. */
export interface RunOutput {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly code: number;
  /** The checkpoints taken, in order. */
  readonly checkpoints: readonly TakenCheckpoint[];
  /** The driver reports, for messages. */
  readonly reports: readonly DriverReport[];
}

/** DriverFailure is a driver that did not report an exit or a checkpoint. */
export class DriverFailure extends Error {
  override name = 'DriverFailure';
  readonly report: DriverReport;
  readonly stderr: string;
  constructor(report: DriverReport, stderr: string) {
    super(`driver failed: ${JSON.stringify(report)}\n${stderr.slice(-4000)}`);
    this.report = report;
    this.stderr = stderr;
  }
}

/**
 * DRIVER_NODE_FLAGS: drivers run with stack switching when the tests do (the package's test
 * script gives the flag), so checkpoints are taken from suspended slices as in production.
 */
const DRIVER_NODE_FLAGS: readonly string[] = process.execArgv.filter((flag) => flag === STACK_SWITCHING_NODE_FLAG);

/**
 * runDriver runs one driver process and returns its report (a report of outcome 'error' included).
 * The timeout only guards against a hung driver: on a clean checkout the first driver of SQLite or
 * QuickJS instruments it into an empty cache, which took up to 2 minutes on a loaded 2-core VM.
 */
export function runDriver(request: DriverRequest, timeoutMs = 600_000): Promise<{ report: DriverReport; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [...DRIVER_NODE_FLAGS, '--import', 'tsx', DRIVER, JSON.stringify(request)],
      { cwd: PACKAGE_ROOT, timeout: timeoutMs, maxBuffer: 16 << 20, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const report = parseDriverReport(stdout);
        if (error && report.outcome !== 'error') {
          resolvePromise({ report: { outcome: 'error', error: { name: 'DriverCrash', message: String(error) } }, stderr });
          return;
        }
        resolvePromise({ report, stderr });
      },
    );
  });
}

/** cacheDirectory is the instrumented-module cache the drivers share (instrumenting SQLite takes seconds: do it once); git-ignored, shared with the machine tests. */
export function cacheDirectory(): string {
  return process.env.STASIS_CACHE_DIR ?? join(PACKAGE_ROOT, '.cache', 'test');
}

/** runUninterrupted runs a fixture start to end in one process. */
export async function runUninterrupted(fixture: Fixture, workspace: Workspace): Promise<RunOutput> {
  return runChain(fixture, workspace, []);
}

/**
 * runChain runs a fixture as a chain of processes: the first creates the sandbox, each later one
 * restores the previous image; hop i checkpoints when its trigger fires (a stop checkpoint ends
 * the process, a leave-running one lets it finish and the chain stops there). Once the triggers
 * are used up, the last process runs the guest to its end.
 */
export async function runChain(fixture: Fixture, workspace: Workspace, hops: readonly Hop[]): Promise<RunOutput> {
  const prepared = await fixture.prepare(workspace);
  const stdout = join(workspace.directory, 'stdout');
  const stderr = join(workspace.directory, 'stderr');
  await writeFile(stdout, '');
  await writeFile(stderr, '');
  const reports: DriverReport[] = [];
  const checkpoints: TakenCheckpoint[] = [];
  let start: DriverRequest['start'] = { kind: 'create', options: prepared.recipe };
  for (let hop = 0; ; hop++) {
    const trigger = hops[hop];
    const imagePath = join(workspace.directory, `image-${hop}`);
    const previous = checkpoints[checkpoints.length - 1];
    const request: DriverRequest = {
      start,
      stdout,
      stderr,
      ...(prepared.stdin === undefined ? {} : { stdin: prepared.stdin }),
      cacheDir: cacheDirectory(),
      ...(trigger === undefined
        ? {}
        : {
            checkpoint: {
              imagePath,
              afterStdoutBytes: trigger.afterStdoutBytes,
              afterMs: trigger.afterMs,
              ...(trigger.leaveRunning ? { leaveRunning: true } : {}),
              ...(trigger.compression ? { compression: trigger.compression } : {}),
              ...(trigger.incremental && previous ? { parent: previous.imagePath } : {}),
            },
          }),
    };
    const { report, stderr: driverStderr } = await runDriver(request);
    reports.push(report);
    if (report.outcome === 'error') throw new DriverFailure(report, driverStderr);
    if (report.checkpoint !== undefined && 'imagePath' in report.checkpoint) checkpoints.push(report.checkpoint);
    if (report.outcome === 'exited') {
      return { stdout: await readFile(stdout), stderr: await readFile(stderr), code: report.code, checkpoints, reports };
    }
    start = { kind: 'restore', imagePath: report.checkpoint.imagePath, ...prepared.restore };
  }
}

/** describeDifference says where two outputs first differ, for an assertion message. */
export function describeDifference(what: string, got: Buffer, want: Buffer): string | undefined {
  if (got.equals(want)) return undefined;
  let at = 0;
  while (at < got.length && at < want.length && got[at] === want[at]) at++;
  const excerpt = (bytes: Buffer) => JSON.stringify(bytes.subarray(Math.max(0, at - 80), at + 80).toString('latin1'));
  return `${what} differs at byte ${at} (got ${got.length} bytes, want ${want.length}):\n  got  ${excerpt(got)}\n  want ${excerpt(want)}`;
}

/** KilledDriver is the outcome of a driver killed after it announced its checkpoint. */
export interface KilledDriver {
  /** The output sizes when the checkpoint started, or undefined if the driver ended first. */
  readonly event: CheckpointingEvent | undefined;
  /** Whether SIGKILL reached a live process (false: it had already exited). */
  readonly killed: boolean;
  readonly report: DriverReport | undefined;
}

/** runDriverAndKill runs a driver and sends it SIGKILL `killAfterMs` after it announces its checkpoint. */
export function runDriverAndKill(request: DriverRequest, killAfterMs: number): Promise<KilledDriver> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...DRIVER_NODE_FLAGS, '--import', 'tsx', DRIVER, JSON.stringify(request)], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let event: CheckpointingEvent | undefined;
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stderr.resume();
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (event !== undefined) return;
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{"event":"checkpointing"'));
      if (line === undefined) return;
      event = JSON.parse(line) as CheckpointingEvent;
      setTimeout(() => {
        killed = child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
      }, killAfterMs);
    });
    child.on('error', reject);
    child.on('close', () => {
      const lines = stdout.trim().split('\n').filter((line) => line.startsWith('{"outcome"'));
      resolvePromise({ event, killed, report: lines.length === 0 ? undefined : parseDriverReport(lines[lines.length - 1]!) });
    });
  });
}

/**
 * continueFrom restores `imagePath` in a new process with stdout and stderr pre-filled with the
 * first bytes of `reference` (what the guest had printed when the image was taken), runs it to
 * the end, and returns the whole output, to compare with `reference`.
 */
export async function continueFrom(
  fixture: Fixture,
  workspace: Workspace,
  imagePath: string,
  prefix: { readonly stdoutBytes: number; readonly stderrBytes: number },
  reference: RunOutput,
  label: string,
): Promise<RunOutput> {
  const prepared = await fixture.prepare(workspace);
  const stdout = join(workspace.directory, `${label}.stdout`);
  const stderr = join(workspace.directory, `${label}.stderr`);
  await writeFile(stdout, reference.stdout.subarray(0, prefix.stdoutBytes));
  await writeFile(stderr, reference.stderr.subarray(0, prefix.stderrBytes));
  const request: DriverRequest = {
    start: { kind: 'restore', imagePath, ...prepared.restore },
    stdout,
    stderr,
    ...(prepared.stdin === undefined ? {} : { stdin: prepared.stdin }),
    cacheDir: cacheDirectory(),
  };
  const { report, stderr: driverStderr } = await runDriver(request);
  if (report.outcome !== 'exited') throw new DriverFailure(report, driverStderr);
  return { stdout: await readFile(stdout), stderr: await readFile(stderr), code: report.code, checkpoints: [], reports: [report] };
}
