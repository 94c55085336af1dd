// `pnpm bench` for @stasis/sentry: compute programs and a syscall-heavy one, each run under
// node:wasi (the baseline) and under the sentry in both modes (anywhere mode also without
// stack switching, as a process started without the flag runs it), in the same session and with
// the same Node/V8 flags (stack switching's included: it changes nothing for node:wasi), every
// run in a fresh process (bench/run-one.ts). Prints medians,
// spreads, per-benchmark ratios and the geometric mean, what instrumentation cost per program
// and mode (time per step, code growth), and the latency from a checkpoint request to every task
// stopped in anywhere mode (pauses requested at random moments of extra runs, through the
// Sandbox API; run-one.ts), and writes ../../bench/results/sentry.json (results and tables).
//
// Environment: BENCH_RUNS (repetitions, default 5), BENCH_NODE_FLAGS (extra node flags for
// every run, e.g. "--no-liftoff"), BENCH_ONLY (comma-separated benchmark names),
// BENCH_INSTRUMENT=fresh (instrument into an empty cache, so the times are this machine's now;
// default: the cache's entries, with the time recorded when they were made), BENCH_PAUSE_RUNS
// (probed runs per benchmark, default 2, each with PAUSES_PER_RUN requests), BENCH_SEED.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTRUMENT_PHASES, type InstrumentMode, type LoadedProgram, WASI_MODULE, WASI_SYSCALLS, loadProgram, stackSwitchingNodeFlags } from '@stasis/sentry';
import { BENCHMARKS, type Benchmark, RUNTIMES, round, runOnce, SENTRY_RUNTIMES, type SentryRuntime, statistics } from './benchmarks.js';
import type { PauseSample } from './run-one.js';

const here = dirname(fileURLToPath(import.meta.url));
const repository = resolve(here, '..', '..', '..');

/** PAUSES_PER_RUN: pause requests per probed run, at uniformly random moments of its first 90%. */
const PAUSES_PER_RUN = 5;

/** LATENCY_GOAL_MS: issue 5's bound on checkpoint request to all tasks stopped, for every benchmark. */
const LATENCY_GOAL_MS = 20;

/** INSTRUMENT_SECONDS_GOAL: issue 5's bound on instrumenting the ~1 MB SQLite module. */
const INSTRUMENT_SECONDS_GOAL = 10;

const MODES: readonly InstrumentMode[] = ['safepoint', 'anywhere'];
/** Labels of the sentry runtimes in tables and result names. */
const RUNTIME_LABEL: Readonly<Record<SentryRuntime, string>> = { safepoint: 'safepoint', anywhere: 'anywhere', 'anywhere-unwind': 'anywhere, unwinding slice ends' };


/** seededRandom is a small deterministic generator (mulberry32), so a run's pause moments can be replayed from BENCH_SEED. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  // Every run, the baseline's included, gets stack switching (it changes nothing for node:wasi) and the extra flags.
  const nodeFlags = [...stackSwitchingNodeFlags(), ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
  const only = process.env.BENCH_ONLY?.split(',');
  const pauseRuns = Number(process.env.BENCH_PAUSE_RUNS ?? 2);
  const seed = Number(process.env.BENCH_SEED ?? Date.now() % 2 ** 31);
  const fresh = process.env.BENCH_INSTRUMENT === 'fresh';
  const benchmarks = BENCHMARKS.filter((benchmark) => !only || only.includes(benchmark.name));
  console.log(
    `@stasis/sentry bench: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${runs} runs, node flags: ${nodeFlags.join(' ') || '(none)'}, load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}, seed ${seed}`,
  );
  // A fresh cache measures instrumentation on this machine now; the runs then use it too.
  const cacheDir = fresh ? mkdtempSync(join(tmpdir(), 'stasis-bench-cache-')) : undefined;
  if (cacheDir) process.env.STASIS_CACHE_DIR = cacheDir;

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
      const program: LoadedProgram = await loadProgram(benchmark.program, { mode, providedImports: provided, ...(cacheDir ? { cacheDir } : {}) });
      const stats = program.info.stats;
      instrumentation.push({ name: benchmark.name, mode, ...stats, growth: round(stats.outputBytes / stats.inputBytes, 2), cached: program.cached });
      process.stdout.write(`instrumented ${benchmark.name} (${mode}): ${stats.milliseconds} ms${program.cached ? ' (from cache)' : ''}\n`);
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
  process.stdout.write('\n');

  // Checkpoint latency: extra anywhere-mode runs, each with pause requests at random moments
  // within its first 90% (the shortest timed run bounds the window, so requests land).
  const random = seededRandom(seed);
  const latencies = new Map<string, PauseSample[]>();
  for (const benchmark of present) {
    const window = Math.min(...(times.get(`${benchmark.name}:anywhere:run`) ?? [0])) * 0.9;
    const samples: PauseSample[] = [];
    for (let probe = 0; probe < pauseRuns && window > 0; probe++) {
      const pauseAt = Array.from({ length: PAUSES_PER_RUN }, () => round(random() * window)).sort((a, b) => a - b);
      const stdoutFile = join(outputDirectory, `${benchmark.name}-probe-${probe}.out`);
      const result = runOnce(benchmark, 'anywhere', stdoutFile, nodeFlags, pauseAt);
      if (result.code !== 0) throw new Error(`${benchmark.name} under anywhere (paused ${pauseAt.join(', ')} ms in) exited with ${result.code}`);
      if (!readFileSync(stdoutFile).equals(readFileSync(join(outputDirectory, `${benchmark.name}-node-wasi-0.out`)))) mismatches.push(`${benchmark.name} (anywhere, paused)`);
      samples.push(...(result.pauses ?? []));
    }
    latencies.set(benchmark.name, samples);
    process.stdout.write('.');
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
      ['benchmark'.padEnd(10), 'node:wasi'.padEnd(22), ...SENTRY_RUNTIMES.flatMap((runtime) => [RUNTIME_LABEL[runtime].padEnd(22), 'ratio'.padEnd(7)])].join(' ').trimEnd(),
    ];
    const ratios: Record<SentryRuntime, number[]> = { safepoint: [], anywhere: [], 'anywhere-unwind': [] };
    for (const benchmark of present) {
      const baseline = statistics(times.get(`${benchmark.name}:node:wasi:${measure}`) ?? []);
      const row = [benchmark.name.padEnd(10), `${baseline.median} (${baseline.min}-${baseline.max})`.padEnd(22)];
      for (const runtime of SENTRY_RUNTIMES) {
        const stasis = statistics(times.get(`${benchmark.name}:${runtime}:${measure}`) ?? []);
        const ratio = round(stasis.median / baseline.median, 2);
        if (!benchmark.systemCalls) ratios[runtime].push(stasis.median / baseline.median);
        row.push(`${stasis.median} (${stasis.min}-${stasis.max})`.padEnd(22), `${ratio}x`.padEnd(7));
        const label = RUNTIME_LABEL[runtime];
        const name = measure === 'total' ? `${benchmark.name} (${label})` : `${benchmark.name} run only (${label})`;
        results.push({ name, unit: 'ms', better: 'lower', stasis, baseline: { name: 'node:wasi', ...baseline }, ratio });
      }
      lines.push(row.join(' ').trimEnd());
    }
    // The geometric mean is issue 5's: over the compute suite; the system-call row stands apart.
    const row = ['geomean'.padEnd(10), '(compute suite)'.padEnd(22)];
    for (const runtime of SENTRY_RUNTIMES) {
      const geomean = round(Math.exp(ratios[runtime].reduce((sum, ratio) => sum + Math.log(ratio), 0) / Math.max(1, ratios[runtime].length)), 2);
      geomeans[`${measure} ${RUNTIME_LABEL[runtime]}`] = geomean;
      row.push(''.padEnd(22), `${geomean}x`.padEnd(7));
    }
    lines.push(row.join(' ').trimEnd());
    console.log(`\n${lines.join('\n')}`);
  }
  const tables: Table[] = [instrumentationTable(instrumentation, fresh), latencyTable(latencies)];
  for (const table of tables) {
    console.log(`\n${table.title}${table.note ? `\n${table.note}` : ''}`);
    const widths = table.columns.map((column, index) => Math.max(column.length, ...table.rows.map((row) => String(row[index]).length)));
    for (const row of [table.columns, ...table.rows]) console.log(`  ${row.map((cell, index) => String(cell).padEnd(widths[index] as number)).join('  ')}`.trimEnd());
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
        tables,
        geomeans,
        instrumentation,
        latencies: Object.fromEntries(latencies),
        seed,
        outputMismatches: mismatches,
        nodeFlags,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${file}`);
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  if (mismatches.length > 0) process.exitCode = 1;
}

/** Table is a figure table of the results file (tooling/bench/report.mjs renders it). */
interface Table {
  readonly title: string;
  readonly note?: string;
  readonly columns: string[];
  readonly rows: (string | number)[][];
}

/** instrumentationTable: time per step, code growth and what was instrumented, per program and mode. */
function instrumentationTable(instrumentation: readonly Record<string, unknown>[], fresh: boolean): Table {
  const phases = INSTRUMENT_PHASES.filter((phase) => phase !== 'import');
  return {
    title: 'Instrumentation (once per program and mode, then cached by content hash)',
    note: `${fresh ? 'Measured in this run (BENCH_INSTRUMENT=fresh)' : 'As recorded when each cache entry was made (BENCH_INSTRUMENT=fresh measures anew)'}; total excludes loading binaryen.js. Goal: SQLite under ${INSTRUMENT_SECONDS_GOAL} s.`,
    columns: ['program', 'mode', 'total ms', ...phases.map((phase) => `${phase} ms`), 'tool', 'bytes in', 'bytes out', 'growth', 'asyncified', 'checks', 'cached'],
    rows: instrumentation.map((entry) => {
      const recorded = (entry.phases ?? {}) as Partial<Record<string, number>>;
      return [
        String(entry.name),
        String(entry.mode),
        Number(entry.milliseconds),
        ...phases.map((phase) => recorded[phase] ?? '-'),
        String(entry.asyncifyTool ?? '-'),
        Number(entry.inputBytes),
        Number(entry.outputBytes),
        `${entry.growth}x`,
        `${entry.asyncifiedFunctions}/${entry.functions}`,
        Number(entry.preemptionChecks),
        entry.cached ? 'yes' : 'no',
      ];
    }),
  };
}

/** latencyTable: checkpoint request to all tasks stopped, anywhere mode, per benchmark. */
function latencyTable(latencies: ReadonlyMap<string, readonly PauseSample[]>): Table {
  return {
    title: 'Checkpoint request to all tasks stopped (anywhere mode), ms',
    note: `Pauses requested through the Sandbox API at random moments of ${PAUSES_PER_RUN}-request runs; "request" counts from the moment the request was due, so it includes waiting for the running slice to yield; "pause()" is the call alone. Goal: at most ${LATENCY_GOAL_MS} ms for every benchmark.`,
    columns: ['benchmark', 'samples', 'request median', 'request max', 'pause() median', 'pause() max', 'goal'],
    rows: [...latencies].map(([name, samples]) => {
      if (samples.length === 0) return [name, 0, '-', '-', '-', '-', 'not measured'];
      const request = statistics(samples.map((sample) => sample.requestToStoppedMs));
      const pause = statistics(samples.map((sample) => sample.pauseMs));
      return [name, samples.length, request.median, request.max, pause.median, pause.max, request.max <= LATENCY_GOAL_MS ? 'met' : 'missed'];
    }),
  };
}

await main();
