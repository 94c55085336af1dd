// `pnpm bench` for @stasis/sentry: compute programs and a syscall-heavy one, each run under
// node:wasi (the baseline) and under the sentry in both modes, in the same session and with
// the same Node/V8 flags, every run in a fresh process (bench/run-one.ts). Prints medians,
// spreads, per-benchmark ratios and the geometric mean, plus what instrumentation cost per
// program (time, code growth), and writes ../../bench/results/sentry.json.
//
// Environment: BENCH_RUNS (repetitions, default 5), BENCH_NODE_FLAGS (extra node flags for
// every run, e.g. "--no-liftoff"), BENCH_ONLY (comma-separated benchmark names).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type InstrumentMode, type LoadedProgram, WASI_MODULE, WASI_SYSCALLS, loadProgram } from '@stasis/sentry';
import type { RunRequest } from './run-one.js';

const here = dirname(fileURLToPath(import.meta.url));
const repository = resolve(here, '..', '..', '..');
const fixture = (name: string): string => join(repository, 'tooling', 'fixtures', 'wasm', `${name}.wasm`);
const corpus = (name: string): string => join(repository, 'tooling', 'corpus', 'wasm', `${name}.wasm`);

interface Benchmark {
  readonly name: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** guest path -> host path; '@empty' is a fresh temporary directory per run. */
  readonly preopens?: Readonly<Record<string, string>>;
  readonly stdinFile?: string;
}

/** BENCHMARKS: default sizes run about a second each under node:wasi on the reference machine. */
const BENCHMARKS: readonly Benchmark[] = [
  { name: 'sha256', program: fixture('sha256'), args: [] },
  { name: 'nbody', program: fixture('nbody'), args: [] },
  { name: 'fib', program: fixture('fib'), args: [] },
  { name: 'qsort', program: fixture('qsort'), args: [] },
  { name: 'sqlite', program: corpus('sqlite3'), args: [':memory:'], env: { HOME: '/' }, stdinFile: join(here, 'workloads', 'sqlite.sql') },
  { name: 'quickjs', program: corpus('qjs'), args: ['/bench/interpreter.js', '6'], preopens: { '/bench': join(here, 'workloads') } },
  { name: 'syscalls', program: fixture('syscalls'), args: ['/work'], preopens: { '/work': '@empty' } },
];

const RUNTIMES = ['node:wasi', 'safepoint', 'anywhere'] as const;
type Runtime = (typeof RUNTIMES)[number];
const MODES: readonly InstrumentMode[] = ['safepoint', 'anywhere'];

interface Statistics {
  median: number;
  min: number;
  max: number;
  runs: number;
}

function statistics(values: readonly number[]): Statistics {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median: round(median), min: round(sorted[0] as number), max: round(sorted[sorted.length - 1] as number), runs: sorted.length };
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

interface RunResult {
  /** From program bytes to exit. */
  readonly ms: number;
  /** From the entry point to the exit (no compile, no instantiation). */
  readonly runMs: number;
  readonly code: number;
}

function runOnce(benchmark: Benchmark, runtime: Runtime, stdoutFile: string, nodeFlags: readonly string[]): RunResult {
  const scratch: string[] = [];
  const preopens: Record<string, string> = {};
  for (const [guest, host] of Object.entries(benchmark.preopens ?? {})) {
    if (host === '@empty') {
      const directory = mkdtempSync(join(tmpdir(), 'stasis-bench-'));
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
  };
  try {
    const child = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', join(here, 'run-one.ts'), JSON.stringify(request)], {
      cwd: join(here, '..'),
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

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const only = process.env.BENCH_ONLY?.split(',');
  const benchmarks = BENCHMARKS.filter((benchmark) => !only || only.includes(benchmark.name));
  console.log(`@stasis/sentry bench: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${runs} runs, node flags: ${nodeFlags.join(' ') || '(none)'}`);

  const provided = new Set(Object.keys(WASI_SYSCALLS).map((name) => `${WASI_MODULE}.${name}`));
  const present: Benchmark[] = [];
  const instrumentation: Record<string, unknown>[] = [];
  for (const benchmark of benchmarks) {
    if (!existsSync(benchmark.program)) {
      console.log(`skip ${benchmark.name}: ${benchmark.program} is absent`);
      continue;
    }
    present.push(benchmark);
    for (const mode of MODES) {
      // Instrument ahead of the timed runs (or find the cache entry), so runs measure execution.
      const program: LoadedProgram = await loadProgram(benchmark.program, { mode, providedImports: provided });
      const stats = program.info.stats;
      instrumentation.push({ name: benchmark.name, mode, ...stats, growth: round(stats.outputBytes / stats.inputBytes, 2), cached: program.cached });
    }
  }

  const outputDirectory = mkdtempSync(join(tmpdir(), 'stasis-bench-out-'));
  const times = new Map<string, number[]>();
  const mismatches: string[] = [];
  for (let repetition = 0; repetition < runs; repetition++) {
    for (const benchmark of present) {
      for (const runtime of RUNTIMES) {
        const stdoutFile = join(outputDirectory, `${benchmark.name}-${runtime.replace(':', '-')}-${repetition}.out`);
        const result = runOnce(benchmark, runtime, stdoutFile, nodeFlags);
        if (result.code !== 0) throw new Error(`${benchmark.name} under ${runtime} exited with ${result.code}`);
        for (const [measure, value] of [
          ['total', result.ms],
          ['run', result.runMs],
        ] as const) {
          const key = `${benchmark.name}:${runtime}:${measure}`;
          times.set(key, [...(times.get(key) ?? []), value]);
        }
        const baselineFile = join(outputDirectory, `${benchmark.name}-node-wasi-${repetition}.out`);
        if (runtime !== 'node:wasi' && !readFileSync(stdoutFile).equals(readFileSync(baselineFile))) mismatches.push(`${benchmark.name} (${runtime})`);
      }
      process.stdout.write('.');
    }
  }
  rmSync(outputDirectory, { recursive: true, force: true });
  process.stdout.write('\n');

  const results: Record<string, unknown>[] = [];
  const geomeans: Record<string, number> = {};
  for (const measure of ['total', 'run'] as const) {
    const lines = [
      measure === 'total'
        ? 'total time (read, compile, instantiate, run), ms: median (min-max)'
        : 'run time (entry point to exit; no compile or instantiation), ms: median (min-max)',
      ['benchmark'.padEnd(10), 'node:wasi'.padEnd(22), 'safepoint'.padEnd(22), 'ratio'.padEnd(7), 'anywhere'.padEnd(22), 'ratio'].join(' '),
    ];
    const ratios: Record<InstrumentMode, number[]> = { safepoint: [], anywhere: [] };
    for (const benchmark of present) {
      const baseline = statistics(times.get(`${benchmark.name}:node:wasi:${measure}`) ?? []);
      const row = [benchmark.name.padEnd(10), `${baseline.median} (${baseline.min}-${baseline.max})`.padEnd(22)];
      for (const mode of MODES) {
        const stasis = statistics(times.get(`${benchmark.name}:${mode}:${measure}`) ?? []);
        const ratio = round(stasis.median / baseline.median, 2);
        ratios[mode].push(stasis.median / baseline.median);
        row.push(`${stasis.median} (${stasis.min}-${stasis.max})`.padEnd(22), `${ratio}x`.padEnd(7));
        const name = measure === 'total' ? `${benchmark.name} (${mode})` : `${benchmark.name} run only (${mode})`;
        results.push({ name, unit: 'ms', better: 'lower', stasis, baseline: { name: 'node:wasi', ...baseline }, ratio });
      }
      lines.push(row.join(' ').trimEnd());
    }
    const row = ['geomean'.padEnd(10), ''.padEnd(22)];
    for (const mode of MODES) {
      const geomean = round(Math.exp(ratios[mode].reduce((sum, ratio) => sum + Math.log(ratio), 0) / Math.max(1, ratios[mode].length)), 2);
      geomeans[`${measure} ${mode}`] = geomean;
      row.push(''.padEnd(22), `${geomean}x`.padEnd(7));
    }
    lines.push(row.join(' ').trimEnd());
    console.log(`\n${lines.join('\n')}`);
  }
  console.log('\ninstrumentation (once per program and mode, then cached):');
  for (const entry of instrumentation) {
    console.log(
      `  ${String(entry.name).padEnd(9)} ${String(entry.mode).padEnd(9)} ${String(entry.milliseconds).padStart(6)} ms${entry.cached ? ' (from cache)' : ''}  ${entry.inputBytes} -> ${entry.outputBytes} bytes (${entry.growth}x)  asyncified ${entry.asyncifiedFunctions}/${entry.functions} functions, ${entry.preemptionChecks} preemption checks`,
    );
  }
  if (mismatches.length > 0) console.log(`\nOUTPUT MISMATCH against node:wasi: ${mismatches.join(', ')}`);

  const file = resolve(repository, 'bench', 'results', 'sentry.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        package: '@stasis/sentry',
        results,
        geomeans,
        instrumentation,
        outputMismatches: mismatches,
        nodeFlags,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${file}`);
  if (mismatches.length > 0) process.exitCode = 1;
}

await main();
