// The benchmark suite and one run of it in a fresh process, shared by bench.ts (the whole
// suite against node:wasi) and ab.ts (interleaved runs of two or more checkouts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PauseSample, RunRequest } from './run-one.js';

const here = dirname(fileURLToPath(import.meta.url));
const repository = resolve(here, '..', '..', '..');
const fixture = (name: string): string => join(repository, 'tooling', 'fixtures', 'wasm', `${name}.wasm`);
const corpus = (name: string): string => join(repository, 'tooling', 'corpus', 'wasm', `${name}.wasm`);

/**
 * RUNTIMES: the baseline, the sentry in both modes, and anywhere mode with slices that end in
 * an unwind (`stackSwitching: false`: what a process without stack switching gets).
 */
export const RUNTIMES = ['node:wasi', 'safepoint', 'anywhere', 'anywhere-unwind'] as const;
export type Runtime = (typeof RUNTIMES)[number];
export type SentryRuntime = Exclude<Runtime, 'node:wasi'>;
export const SENTRY_RUNTIMES: readonly SentryRuntime[] = ['safepoint', 'anywhere', 'anywhere-unwind'];
/** Statistics of a series of measurements. */
export interface Statistics {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** statistics gives the median, extremes and count of `values`, rounded to `digits` decimals. */
export function statistics(values: readonly number[], digits = 1): Statistics {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median: round(median, digits), min: round(sorted[0] as number, digits), max: round(sorted[sorted.length - 1] as number, digits), runs: sorted.length };
}

/**
 * signTest is the two-sided p-value of the sign test: the chance that a side which is no faster
 * than the other wins `wins` of `rounds` paired rounds or a split as lopsided. Two identical
 * builds of the sentry split 7 of 8 rounds here once (p = 0.07): a split alone proves little.
 */
export function signTest(wins: number, rounds: number): number {
  if (!Number.isInteger(wins) || !Number.isInteger(rounds) || wins < 0 || rounds < 1 || wins > rounds) throw new RangeError(`signTest: ${wins} wins of ${rounds} rounds`);
  const tail = Math.min(wins, rounds - wins);
  let sum = 0;
  let choose = 1;
  for (let k = 0; k <= tail; k++) {
    sum += choose;
    choose = (choose * (rounds - k)) / (k + 1);
  }
  return Math.min(1, (2 * sum) / 2 ** rounds);
}

/** round rounds `value` to `digits` decimals. */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Benchmark is one program of the suite, with its arguments and files. */
export interface Benchmark {
  readonly name: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** guest path -> host path; '@empty' is a fresh temporary directory per run, on a RAM file system when the host has one (SCRATCH_ROOT). */
  readonly preopens?: Readonly<Record<string, string>>;
  readonly stdinFile?: string;
  /** Not part of issue 5's compute suite (its geometric mean): a system-call workload, reported on its own row. */
  readonly systemCalls?: boolean;
}

/** BENCHMARKS: default sizes run about a second each under node:wasi on the reference machine. */
export const BENCHMARKS: readonly Benchmark[] = [
  { name: 'sha256', program: fixture('sha256'), args: [] },
  { name: 'nbody', program: fixture('nbody'), args: [] },
  { name: 'fib', program: fixture('fib'), args: [] },
  { name: 'qsort', program: fixture('qsort'), args: [] },
  { name: 'sqlite', program: corpus('sqlite3'), args: [':memory:'], env: { HOME: '/' }, stdinFile: join(here, 'workloads', 'sqlite.sql') },
  { name: 'quickjs', program: corpus('qjs'), args: ['/bench/interpreter.js', '6'], preopens: { '/bench': join(here, 'workloads') } },
  { name: 'syscalls', program: fixture('syscalls'), args: ['/work'], preopens: { '/work': '@empty' }, systemCalls: true },
];

/**
 * SCRATCH_ROOT holds the syscall benchmark's working directory: /dev/shm when present, so the
 * figure measures the runtimes' system-call paths rather than this VM's disk (on /tmp a truncating
 * open took up to 3.4 ms for node:wasi and the sentry alike, and node:wasi alone varied 2.5-11.5 s).
 */
const SCRATCH_ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/** RunResult is what run-one.ts reports of one run. */
export interface RunResult {
  /** From program bytes to exit. */
  readonly ms: number;
  /** From the entry point to the exit (no compile, no instantiation). */
  readonly runMs: number;
  readonly code: number;
  /** The pause samples of a probed run. */
  readonly pauses?: PauseSample[];
}

/**
 * runOnce runs `benchmark` once under `runtime` in a fresh process (run-one.ts of the sentry
 * package in `packageDirectory`, this one by default) and returns its report. `cacheDirectory`
 * gives the process its own instrumentation cache (STASIS_CACHE_DIR) instead of the user's.
 */
export function runOnce(
  benchmark: Benchmark,
  runtime: Runtime,
  stdoutFile: string,
  nodeFlags: readonly string[],
  pauseAt?: readonly number[],
  packageDirectory: string = join(here, '..'),
  cacheDirectory?: string,
): RunResult {
  const scratch: string[] = [];
  const preopens: Record<string, string> = {};
  for (const [guest, host] of Object.entries(benchmark.preopens ?? {})) {
    if (host === '@empty') {
      const directory = mkdtempSync(join(SCRATCH_ROOT, 'stasis-bench-'));
      scratch.push(directory);
      preopens[guest] = directory;
    } else {
      preopens[guest] = host;
    }
  }
  const request: RunRequest = {
    runtime,
    program: benchmark.program,
    args: benchmark.args,
    env: benchmark.env ?? {},
    preopens,
    ...(benchmark.stdinFile ? { stdinFile: benchmark.stdinFile } : {}),
    stdoutFile,
    ...(pauseAt ? { pauseAt } : {}),
  };
  try {
    const child = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', join(packageDirectory, 'bench', 'run-one.ts'), JSON.stringify(request)], {
      cwd: packageDirectory,
      env: cacheDirectory === undefined ? process.env : { ...process.env, STASIS_CACHE_DIR: cacheDirectory },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) throw new Error(`${benchmark.name} under ${runtime} failed (status ${child.status}):\n${child.stderr}`);
    return JSON.parse(line) as RunResult;
  } finally {
    for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
  }
}

