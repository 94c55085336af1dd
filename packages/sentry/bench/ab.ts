// Interleaved A/B runs of two or more checkouts of this repository, for telling instrumenter
// versions apart on a noisy machine: a single `pnpm bench` moves by 10-20% from one run to the
// next on the shared 2-core VM, more than most changes are worth, while runs of the versions
// alternated within the same minutes see the same noise. Each round runs every checkout once
// (and node:wasi once, as the reference), each run a fresh process through that checkout's
// bench/run-one.ts, so each side uses its own built package and its own instrumenter, and its
// own instrumentation cache (`.cache/ab` in the checkout): the cache key carries the
// instrumenter version, and two work trees of one version with different transforms would
// otherwise run whichever module was cached first. Before the rounds, an untimed run per side
// and benchmark fills its cache, so no timed run follows an instrumentation in its process.
//
// Usage (from packages/sentry):
//   node --import tsx bench/ab.ts [--rounds N] [--only sqlite,quickjs] [--runtime safepoint]
//        CHECKOUT_A CHECKOUT_B [...]
// Each checkout is the root of a built clone or worktree (`pnpm build` there first). Prints,
// per benchmark and checkout, the median run time (entry point to exit), its spread, and in how
// many rounds it was the fastest checkout; and for each checkout after the first, paired with
// the first round by round: the median ratio of its time to the first's, in how many rounds it
// was faster, and the sign test's p-value for that split. Naming one checkout twice is an A/A
// run, which shows this machine's noise: on 2026-11-29 two identical builds split SQLite 7 of 8
// rounds (p = 0.07) with medians 3% apart, so only a small p-value separates two versions.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stackSwitchingNodeFlags } from '@stasis/sentry';
import { BENCHMARKS, type Benchmark, type Runtime, round, runOnce, SENTRY_RUNTIMES, type SentryRuntime, signTest, statistics } from './benchmarks.js';

/** AbUsageError: the command line does not name what to compare. */
class AbUsageError extends Error {
  override name = 'AbUsageError';
}

interface Side {
  readonly label: string;
  /** The sentry package of the checkout, or undefined for node:wasi (run by this checkout). */
  readonly packageDirectory?: string;
  /** The checkout's own instrumentation cache. */
  readonly cacheDirectory?: string;
}

function parse(argv: readonly string[]): { rounds: number; only: readonly string[] | undefined; runtime: SentryRuntime; checkouts: readonly string[] } {
  const { values, positionals } = parseArgs({
    // `pnpm bench:ab -- ...` passes the `--` on.
    args: argv[0] === '--' ? argv.slice(1) : [...argv],
    allowPositionals: true,
    options: { rounds: { type: 'string', default: '6' }, only: { type: 'string' }, runtime: { type: 'string', default: 'safepoint' } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new AbUsageError(`--rounds must be a positive integer, got ${values.rounds}`);
  const runtime = values.runtime as SentryRuntime;
  if (!SENTRY_RUNTIMES.includes(runtime)) throw new AbUsageError(`--runtime must be one of ${SENTRY_RUNTIMES.join(', ')}, got ${values.runtime}`);
  if (positionals.length < 2) throw new AbUsageError('name at least two checkouts to compare');
  for (const checkout of positionals) {
    if (!existsSync(join(checkout, 'packages', 'sentry', 'bench', 'run-one.ts'))) throw new AbUsageError(`${checkout} is not a checkout of this repository (no packages/sentry/bench/run-one.ts)`);
    if (!existsSync(join(checkout, 'packages', 'sentry', 'dist'))) throw new AbUsageError(`${checkout} is not built (run pnpm build there)`);
  }
  return { rounds, only: values.only?.split(','), runtime, checkouts: positionals };
}

function main(): void {
  const { rounds, only, runtime, checkouts } = parse(process.argv.slice(2));
  const nodeFlags = stackSwitchingNodeFlags();
  const benchmarks = BENCHMARKS.filter((benchmark) => !benchmark.systemCalls && (!only || only.includes(benchmark.name)));
  if (benchmarks.length === 0) throw new AbUsageError(`no benchmark named ${only?.join(', ')}`);
  const sides: Side[] = [
    { label: 'node:wasi' },
    ...checkouts.map((checkout) => ({ label: checkout, packageDirectory: resolve(checkout, 'packages', 'sentry'), cacheDirectory: resolve(checkout, '.cache', 'ab') })),
  ];
  console.log(`A/B, ${runtime}, ${rounds} rounds, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  const output = mkdtempSync(join(tmpdir(), 'stasis-ab-'));
  /** run runs `benchmark` once on `side` and returns its run time. */
  const run = (benchmark: Benchmark, side: Side): number => {
    const sideRuntime: Runtime = side.packageDirectory ? runtime : 'node:wasi';
    const result = runOnce(benchmark, sideRuntime, join(output, 'stdout'), nodeFlags, undefined, side.packageDirectory, side.cacheDirectory);
    if (result.code !== 0) throw new Error(`${benchmark.name} under ${side.label} exited with ${result.code}`);
    return result.runMs;
  };
  try {
    for (const benchmark of benchmarks) {
      for (const side of sides) if (side.packageDirectory) run(benchmark, side);
      const times = sides.map((): number[] => []);
      const wins = sides.map(() => 0);
      for (let round = 0; round < rounds; round++) {
        // Alternate the order every round, so no side always runs right after another.
        const order = sides.map((_, index) => index);
        if (round % 2) order.reverse();
        for (const index of order) {
          (times[index] as number[]).push(run(benchmark, sides[index] as Side));
        }
        // The fastest checkout of the round (node:wasi is the reference, not a contender).
        let fastest = 1;
        for (let index = 2; index < sides.length; index++) if ((times[index] as number[])[round] as number < ((times[fastest] as number[])[round] as number)) fastest = index;
        wins[fastest] = (wins[fastest] as number) + 1;
      }
      console.log(`\n${benchmark.name}: run time (entry point to exit), ms`);
      sides.forEach((side, index) => {
        const { median, min, max } = statistics(times[index] as number[]);
        const rest = side.packageDirectory ? `  fastest in ${wins[index]} of ${rounds} rounds` : '';
        console.log(`  ${side.label}: median ${median.toFixed(0)} (${min.toFixed(0)}-${max.toFixed(0)})${rest}`);
      });
      const first = times[1] as number[];
      for (let index = 2; index < sides.length; index++) {
        const ratios = (times[index] as number[]).map((time, round) => time / (first[round] as number));
        const faster = ratios.filter((ratio) => ratio < 1).length;
        const { median, min, max } = statistics(ratios, 3);
        console.log(
          `  ${(sides[index] as Side).label} / ${(sides[1] as Side).label}: median ratio ${median} (${min}-${max}), faster in ${faster} of ${rounds} rounds, sign test p = ${round(signTest(faster, rounds), 3)}`,
        );
      }
    }
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof AbUsageError)) throw error;
  console.error(`ab: ${error.message}`);
  process.exit(2);
}
