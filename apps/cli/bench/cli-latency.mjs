#!/usr/bin/env node
// CLI latency, as `pnpm bench` reports it: how long the runtime's own commands take, as
// ratios to starting Node itself (`node -e 0`), measured in the same run on the same machine.
//   - create -> start -> first guest output: from launching `stasis create` to the first
//     byte the program writes after `stasis start` (the program's module is cached by then);
//   - state: one `stasis state ID` round trip on a created container.
// Writes bench/results/cli.json at the repository root (see tooling/bench/README.md).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repository = resolve(here, '../../..');
const STASIS = join(repository, 'bin/stasis');
const RUNS = Number(process.env.STASIS_BENCH_RUNS ?? 15);

const lab = mkdtempSync(join(tmpdir(), 'stasis-bench-'));
const root = join(lab, 'root');
const bundle = join(lab, 'bundle');
mkdirSync(join(bundle, 'rootfs'), { recursive: true });
copyFileSync(join(here, '../test/fixtures/wasm/probe.wasm'), join(bundle, 'rootfs/probe.wasm'));
writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: { args: ['/probe.wasm'], env: [], cwd: '/' }, root: { path: 'rootfs' } }));

function stasis(args, options = {}) {
  const result = spawnSync(STASIS, ['--root', root, ...args], { cwd: bundle, encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`stasis ${args.join(' ')}: status ${result.status}: ${result.stderr ?? ''}`);
  return result;
}

function statistics(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  const round = (value) => Math.round(value * 100) / 100;
  return { median: round(median), min: round(sorted[0]), max: round(sorted.at(-1)), runs: sorted.length };
}

function time(fn) {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

// Resolves to the milliseconds from `create` to the program's first output byte.
function createStartFirstOutput(id) {
  return new Promise((resolveTime, reject) => {
    const started = process.hrtime.bigint();
    const create = spawn(STASIS, ['--root', root, 'create', id], { cwd: bundle, stdio: ['ignore', 'pipe', 'inherit'] });
    create.stdout.once('data', () => resolveTime(Number(process.hrtime.bigint() - started) / 1e6));
    create.once('exit', (code) => {
      if (code !== 0) reject(new Error(`stasis create: status ${code}`));
      else stasis(['start', id]);
    });
  });
}

try {
  // The first create instruments the module and fills the cache; it is not measured.
  await createStartFirstOutput('warm-up');
  // The container keeps the stdio it is created with: a pipe here would never reach end of file.
  stasis(['create', 'state-probe'], { stdio: 'ignore' });
  // Interleaved, so that a busy moment of the machine weighs on all three alike.
  const nodeStart = [];
  const firstOutput = [];
  const state = [];
  for (let run = 0; run < RUNS; run++) {
    nodeStart.push(time(() => spawnSync(process.execPath, ['-e', '0'])));
    state.push(time(() => stasis(['state', 'state-probe'])));
    firstOutput.push(await createStartFirstOutput(`c${run}`));
    stasis(['delete', '--force', `c${run}`]);
  }
  stasis(['delete', '--force', 'state-probe']);

  const baseline = { name: 'node -e 0', ...statistics(nodeStart) };
  const result = (name, samples, goal) => {
    const stats = statistics(samples);
    return { name, unit: 'ms', better: 'lower', stasis: stats, baseline, ratio: Math.round((stats.median / baseline.median) * 100) / 100, goal };
  };
  const report = {
    package: '@stasis/cli',
    results: [result('create -> start -> first guest output', firstOutput, 4), result('state round trip', state, 1.5)],
  };
  const output = join(repository, 'bench/results/cli.json');
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
  for (const entry of report.results) process.stdout.write(`${entry.name}: ${entry.stasis.median} ms (x${entry.ratio} of node -e 0 = ${baseline.median} ms)\n`);
} finally {
  for (const id of ['warm-up', 'state-probe']) spawnSync(STASIS, ['--root', root, 'delete', '--force', id]);
  rmSync(lab, { recursive: true, force: true });
}
