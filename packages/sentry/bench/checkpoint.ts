// Checkpoint and restore benchmarks (`pnpm bench`, or `node --import tsx bench/checkpoint.ts`).
//
// Each figure is measured against the physical floor measured in the same run, on the same
// bytes, so the ratios stay meaningful on a slow or a fast disk:
//   - checkpoint throughput for 64 and 512 MiB of touched guest memory, against a raw
//     fs.writeFileSync of as many non-zero bytes to a new file (goal: >= 0.7 of raw), and
//     against the same write followed by fsync (a stop checkpoint reports success only once
//     its image is durable); beside it, @stasis/statefile writing the same bytes from a wasm
//     memory, so that what the sentry adds to the image writer shows;
//   - the pause a leave-running checkpoint imposes on the guest (compression and fsync
//     happen after the guest resumes);
//   - restore time from the call to the guest's first instructions for a 64 MiB image,
//     against reading the same bytes from a file into fresh wasm memory (goal: <= 1.3x that
//     floor + 30 ms);
//   - restore-after-init against a cold start of a program with a slow initialisation
//     (QuickJS indexing documents; goal: >= 5x faster);
//   - the series checkpoint/restore ms against MiB, 1 MiB to 1 GiB.
// Results go to <repo>/bench/results/checkpoint.json for tooling/bench/report.mjs.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageWriter } from '@stasis/statefile';
import { Sandbox, type SandboxOptions } from '../src/index.js';
import { round as roundTo, type Statistics, statistics as statisticsTo } from './benchmarks.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGE_ROOT = resolve(HERE, '..');
const REPOSITORY_ROOT = resolve(PACKAGE_ROOT, '../..');
const GUEST = join(HERE, 'checkpoint-guest/checkpoint-guest.wasm');
const QJS = join(REPOSITORY_ROOT, 'tooling/corpus/wasm/qjs.wasm');
const SLOW_INIT_SCRIPTS = join(REPOSITORY_ROOT, 'tooling/corpus/scripts');
const RESULTS = join(REPOSITORY_ROOT, 'bench/results/checkpoint.json');
const MIB = 1 << 20;
const QUICK = process.env.STASIS_BENCH_QUICK === '1';
const RUNS = QUICK ? 1 : 3;
const MAIN_SIZES = QUICK ? [16, 64] : [64, 512];
const SERIES_SIZES = QUICK ? [1, 4, 16, 64] : [1, 4, 16, 64, 256, 1024];
const SLOW_INIT_DOCUMENTS = QUICK ? '20000' : '120000';

interface BenchResult {
  name: string;
  unit: string;
  better: 'higher' | 'lower';
  stasis: Statistics;
  baseline: Statistics & { name: string };
  ratio: number;
  goal?: number | string;
}

/** This file's figures are rounded to 0.01 (bench.ts's to 0.1). */
const statistics = (values: readonly number[]): Statistics => statisticsTo(values, 2);
const round = (value: number): number => roundTo(value, 2);

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

const scratch = mkdtempSync(join(tmpdir(), 'stasis-bench-checkpoint-'));
let counter = 0;
function freshPath(label: string): string {
  counter += 1;
  return join(scratch, `${label}-${counter}`);
}

// The bytes of the floors: pseudo-random, non-zero in every page, like the guest's.
function nonZeroBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const words = new Uint32Array(bytes.buffer);
  let state = 2463534242;
  for (let index = 0; index < words.length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[index] = (state | 0x01010101) >>> 0;
  }
  return bytes;
}

/** The write floor: fs.writeFileSync of `bytes` to a new file. */
function measureRawWrite(bytes: Uint8Array): number {
  const path = freshPath('raw-write');
  const started = performance.now();
  writeFileSync(path, bytes);
  const elapsed = performance.now() - started;
  rmSync(path);
  return elapsed;
}

/** The durable write floor: `bytes` written to a new file and fsynced, as an image must be before a checkpoint reports success. */
function measureDurableWrite(bytes: Uint8Array): number {
  const path = freshPath('durable-write');
  const started = performance.now();
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, bytes.byteLength - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const elapsed = performance.now() - started;
  rmSync(path);
  return elapsed;
}

/** The image writer alone: `memory` (the same bytes in a wasm memory) written as one memory section and committed. */
async function measureStatefileWrite(memory: WebAssembly.Memory): Promise<number> {
  const path = freshPath('statefile-write');
  const started = performance.now();
  const writer = await ImageWriter.create(path, { metadata: { producer: 'bench', producerVersion: '0' } });
  await writer.addMemory('memory', memory);
  await writer.commit();
  const elapsed = performance.now() - started;
  rmSync(path, { recursive: true });
  return elapsed;
}

/** The floors of a checkpoint of `bytes`, measured just before each checkpoint (interleaved). */
interface WriteFloors {
  readonly raw: number[];
  readonly durable: number[];
  readonly statefile: number[];
}

// The image writer alone runs before the checkpoint in even runs and after it in odd ones: the
// hash workers it shares with the checkpoint start with whichever write comes first, and stop
// after 10 s without work (longer than a guest takes to start), so a fixed order would favour one.
function floorsOf(bytes: Uint8Array): { floors: WriteFloors; before: (run: number) => Promise<void>; after: (run: number) => Promise<void> } {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes.byteLength / 65536) });
  new Uint8Array(memory.buffer).set(bytes);
  const floors: WriteFloors = { raw: [], durable: [], statefile: [] };
  return {
    floors,
    before: async (run) => {
      floors.raw.push(measureRawWrite(bytes));
      floors.durable.push(measureDurableWrite(bytes));
      if (run % 2 === 0) floors.statefile.push(await measureStatefileWrite(memory));
    },
    after: async (run) => {
      if (run % 2 === 1) floors.statefile.push(await measureStatefileWrite(memory));
    },
  };
}

/** The read floor: the file's bytes read into a freshly allocated wasm memory of the same size. */
function measureRawRead(path: string, size: number): number {
  const started = performance.now();
  const memory = new WebAssembly.Memory({ initial: Math.ceil(size / 65536) });
  const view = new Uint8Array(memory.buffer, 0, size);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < size) {
      const read = readSync(fd, view, done, Math.min(size - done, 64 * MIB), done);
      if (read === 0) break;
      done += read;
    }
  } finally {
    closeSync(fd);
  }
  return performance.now() - started;
}

async function waitForOutput(path: string, text: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (readFileSync(path, 'utf8').includes(text)) return;
    if (performance.now() > deadline) throw new Error(`no "${text}" in ${path} after ${timeoutMs} ms: ${readFileSync(path, 'utf8').slice(-500)}`);
    await new Promise((resolvePromise) => setImmediate(resolvePromise));
  }
}

/** A running checkpoint-guest with MIB MiB touched, waiting for its go file. */
interface GuestRun {
  readonly sandbox: Sandbox;
  readonly stdout: string;
  readonly signal: string;
  dispose(): void;
}

async function startGuest(mib: number): Promise<GuestRun> {
  const signal = freshPath('signal');
  mkdirSync(signal);
  const stdout = freshPath('stdout');
  writeFileSync(stdout, '');
  const stdoutFd = openSync(stdout, 'a');
  const options: SandboxOptions = {
    module: GUEST,
    args: ['checkpoint-guest', String(mib), '/signal/go'],
    env: [],
    mounts: [{ type: 'bind', source: signal, destination: '/signal' }],
    preopens: [{ guest: '/' }],
    stdio: { stdin: 'null', stdout: stdoutFd, stderr: 2 },
    limits: { memoryPages: 65536 },
  };
  const sandbox = await Sandbox.create(options);
  sandbox.start();
  await waitForOutput(stdout, 'ready', 120_000);
  return {
    sandbox,
    stdout,
    signal,
    dispose() {
      sandbox.kill(9);
      closeSync(stdoutFd);
    },
  };
}

/** Restores `image` with the go file present; resolves with ms from the call to the "resumed" line. */
async function timeRestore(image: string, signal: string): Promise<number> {
  writeFileSync(join(signal, 'go'), '');
  const stdout = freshPath('restored-stdout');
  writeFileSync(stdout, '');
  const stdoutFd = openSync(stdout, 'a');
  try {
    const started = performance.now();
    const sandbox = await Sandbox.restore({
      imagePath: image,
      mounts: [{ type: 'bind', source: signal, destination: '/signal' }],
      stdio: { stdin: 'null', stdout: stdoutFd, stderr: 2 },
    });
    sandbox.start();
    // Polls between slices: the first poll after the guest printed sees it.
    for (;;) {
      if (fstatSync(stdoutFd).size > 0 && readFileSync(stdout, 'utf8').includes('resumed')) break;
      await new Promise((resolvePromise) => setImmediate(resolvePromise));
    }
    const elapsed = performance.now() - started;
    const { code } = await sandbox.wait();
    if (code !== 0) throw new Error(`the restored guest exited with ${code}`);
    return elapsed;
  } finally {
    closeSync(stdoutFd);
    rmSync(join(signal, 'go'), { force: true });
  }
}

interface CheckpointFigures {
  readonly checkpointMs: number[];
  readonly restoreMs: number[];
  readonly imageBytes: number;
}

/** Measurements interleaved with the checkpoints: `before` runs just before each (with the run's index), `after` just after. */
interface Interleaved {
  readonly before: (run: number) => Promise<void>;
  readonly after: (run: number) => Promise<void>;
}

/** Stop-checkpoints a fresh guest of `mib` MiB `runs` times (as `stasis checkpoint` does), then restores the last image `restores` times. */
async function measureStopCheckpoints(mib: number, runs: number, restores: number, interleaved?: Interleaved): Promise<CheckpointFigures> {
  const checkpointMs: number[] = [];
  let image = '';
  let imageBytes = 0;
  let signal = '';
  for (let run = 0; run < runs; run++) {
    const guest = await startGuest(mib);
    try {
      await interleaved?.before(run);
      image = freshPath(`image-${mib}`);
      const started = performance.now();
      const result = await guest.sandbox.checkpoint({ imagePath: image });
      checkpointMs.push(performance.now() - started);
      await interleaved?.after(run);
      imageBytes = result.bytes;
      signal = guest.signal;
    } finally {
      guest.dispose();
    }
  }
  const restoreMs: number[] = [];
  for (let run = 0; run < restores; run++) restoreMs.push(await timeRestore(image, signal));
  return { checkpointMs, restoreMs, imageBytes };
}

/** Leave-running checkpoints of one guest: how long the guest was paused, and the whole checkpoint. */
async function measureLeaveRunning(mib: number, runs: number, compression: 'none' | 'gzip'): Promise<{ pauseMs: number[]; totalMs: number[] }> {
  const guest = await startGuest(mib);
  const pauseMs: number[] = [];
  const totalMs: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const result = await guest.sandbox.checkpoint({ imagePath: freshPath(`leave-running-${mib}`), leaveRunning: true, compression });
      totalMs.push(performance.now() - started);
      pauseMs.push(result.pauseMs);
    }
  } finally {
    guest.dispose();
  }
  return { pauseMs, totalMs };
}

/** Cold start of QuickJS's slow-init.js to its first answer, against a restore of a checkpoint taken after "ready". */
async function measureSlowInit(): Promise<{ cold: number[]; restored: number[] }> {
  const signalDirectory = freshPath('slow-init');
  mkdirSync(signalDirectory);
  const queries = join(signalDirectory, 'queries.txt');
  writeFileSync(queries, 'stats\n');
  const run = async (
    start: (stdio: NonNullable<SandboxOptions['stdio']>) => Promise<Sandbox>,
    stdin: string,
    stdinFlags: number = constants.O_RDONLY,
  ): Promise<{ ms: number; sandbox: Sandbox; stdout: string; close: () => void }> => {
    const stdout = freshPath('slow-init-stdout');
    writeFileSync(stdout, '');
    const stdoutFd = openSync(stdout, 'a');
    const stderrFd = openSync('/dev/null', 'w');
    const stdinFd = openSync(stdin, stdinFlags);
    const started = performance.now();
    const sandbox = await start({ stdin: stdinFd, stdout: stdoutFd, stderr: stderrFd });
    return {
      ms: started,
      sandbox,
      stdout,
      close: () => {
        closeSync(stdoutFd);
        closeSync(stderrFd);
        closeSync(stdinFd);
      },
    };
  };
  const options = (stdio: NonNullable<SandboxOptions['stdio']>): SandboxOptions => ({
    module: QJS,
    args: ['qjs', '/scripts/slow-init.js', SLOW_INIT_DOCUMENTS],
    env: [],
    mounts: [{ type: 'bind', source: SLOW_INIT_SCRIPTS, destination: '/scripts', readonly: true }],
    preopens: [{ guest: '/' }],
    stdio,
  });
  const cold: number[] = [];
  const restored: number[] = [];
  let image: string | undefined;
  for (let attempt = 0; attempt < RUNS; attempt++) {
    // Cold: from create to the first answer.
    const fresh = await run(async (stdio) => {
      const sandbox = await Sandbox.create(options(stdio));
      sandbox.start();
      return sandbox;
    }, queries);
    await waitForOutput(fresh.stdout, 'stats:', 300_000);
    cold.push(performance.now() - fresh.ms);
    await fresh.sandbox.wait();
    fresh.close();
    if (image === undefined) {
      // The image: the same program checkpointed once its start is done, while it waits on a
      // stdin that never delivers (a FIFO this process holds open for writing, read without
      // blocking so no thread-pool thread waits on it).
      const fifo = join(signalDirectory, 'never');
      execFileSync('mkfifo', [fifo]);
      const waiting = await run(async (stdio) => {
        const sandbox = await Sandbox.create(options(stdio));
        sandbox.start();
        return sandbox;
      }, fifo, constants.O_RDWR | constants.O_NONBLOCK);
      await waitForOutput(waiting.stdout, 'ready', 300_000);
      image = freshPath('slow-init-image');
      await waiting.sandbox.checkpoint({ imagePath: image });
      waiting.close();
    }
    const copy = await run(async (stdio) => {
      const sandbox = await Sandbox.restore({
        imagePath: image!,
        mounts: [{ type: 'bind', source: SLOW_INIT_SCRIPTS, destination: '/scripts', readonly: true }],
        stdio,
      });
      sandbox.start();
      return sandbox;
    }, queries);
    await waitForOutput(copy.stdout, 'stats:', 60_000);
    restored.push(performance.now() - copy.ms);
    await copy.sandbox.wait();
    copy.close();
  }
  return { cold, restored };
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const results: BenchResult[] = [];
  const checkpointSeries: [number, number][] = [];
  const restoreSeries: [number, number][] = [];
  try {
    for (const mib of MAIN_SIZES) {
      log(`checkpoint: ${mib} MiB of touched guest memory`);
      const bytes = nonZeroBytes(mib * MIB);
      const { floors, before, after } = floorsOf(bytes);
      const raw = floors.raw;
      const figures = await measureStopCheckpoints(mib, RUNS, mib === 64 ? RUNS : 0, { before, after });
      const throughput = (ms: number) => (mib * MIB) / 1e6 / (ms / 1000);
      const stasis = statistics(figures.checkpointMs.map(throughput));
      const baseline = { name: 'fs.writeFileSync of the same bytes', ...statistics(raw.map(throughput)) };
      results.push({ name: `checkpoint throughput, ${mib} MiB touched (durable image)`, unit: 'MB/s', better: 'higher', stasis, baseline, ratio: round(stasis.median / baseline.median), goal: 0.7 });
      const durable = { name: 'fs.writeFileSync + fsync of the same bytes', ...statistics(floors.durable.map(throughput)) };
      results.push({ name: `checkpoint throughput, ${mib} MiB touched, against a durable baseline`, unit: 'MB/s', better: 'higher', stasis, baseline: durable, ratio: round(stasis.median / durable.median) });
      const statefile = { name: '@stasis/statefile writing the same bytes from a wasm memory', ...statistics(floors.statefile.map(throughput)) };
      results.push({ name: `checkpoint throughput, ${mib} MiB touched, against the image writer alone`, unit: 'MB/s', better: 'higher', stasis, baseline: statefile, ratio: round(stasis.median / statefile.median) });
      results.push({
        name: `checkpoint time, ${mib} MiB touched (image ${(figures.imageBytes / MIB).toFixed(1)} MiB, fsync included)`,
        unit: 'ms',
        better: 'lower',
        stasis: statistics(figures.checkpointMs),
        baseline: { name: 'fs.writeFileSync of the same bytes', ...statistics(raw) },
        ratio: round(statistics(figures.checkpointMs).median / statistics(raw).median),
        goal: round(1 / 0.7),
      });
      for (const compression of ['none', 'gzip'] as const) {
        const leave = await measureLeaveRunning(mib, RUNS, compression);
        const pause = statistics(leave.pauseMs);
        const total = statistics(leave.totalMs);
        results.push({
          name: `leave-running pause of the guest, ${mib} MiB touched, compression ${compression}`,
          unit: 'ms',
          better: 'lower',
          stasis: pause,
          baseline: { name: 'the whole leave-running checkpoint', ...total },
          ratio: round(pause.median / total.median),
          goal: 'compression and fsync after the guest resumes',
        });
      }
      if (figures.restoreMs.length > 0) {
        const floorPath = freshPath('floor');
        writeFileSync(floorPath, bytes);
        const floor: number[] = [];
        for (let run = 0; run < RUNS; run++) floor.push(measureRawRead(floorPath, bytes.byteLength));
        rmSync(floorPath);
        const restore = statistics(figures.restoreMs);
        const floorStatistics = statistics(floor);
        results.push({
          name: `restore to first guest instruction, ${mib} MiB image`,
          unit: 'ms',
          better: 'lower',
          stasis: restore,
          baseline: { name: 'file read into fresh wasm memory', ...floorStatistics },
          ratio: round(restore.median / floorStatistics.median),
          goal: round((1.3 * floorStatistics.median + 30) / floorStatistics.median),
        });
      }
    }
    log('restore after init against a cold start (qjs slow-init.js)');
    const slow = await measureSlowInit();
    const cold = statistics(slow.cold);
    const restored = statistics(slow.restored);
    results.push({
      name: `restore-after-init speed-up, qjs slow-init.js ${SLOW_INIT_DOCUMENTS} documents`,
      unit: 'x',
      better: 'higher',
      stasis: statistics(slow.cold.map((coldMs, index) => coldMs / slow.restored[index]!)),
      baseline: { name: 'cold start (1x)', median: 1, min: 1, max: 1, runs: slow.cold.length },
      ratio: round(cold.median / restored.median),
      goal: 5,
    });
    results.push({ name: 'restore-after-init to first answer', unit: 'ms', better: 'lower', stasis: restored, baseline: { name: 'cold start to first answer', ...cold }, ratio: round(restored.median / cold.median), goal: 0.2 });
    for (const mib of SERIES_SIZES) {
      log(`series: ${mib} MiB`);
      const figures = await measureStopCheckpoints(mib, 1, 1);
      checkpointSeries.push([mib, round(figures.checkpointMs[0]!)]);
      restoreSeries.push([mib, round(figures.restoreMs[0]!)]);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // The development VM is shared: the load average says how much the figures can be trusted.
  const loadAverage = { before: loadBefore, after: loadavg() };
  const output = {
    package: '@stasis/sentry (checkpoint)',
    loadAverage,
    results,
    series: [
      { name: 'checkpoint ms vs MiB', xLabel: 'touched guest memory (MiB)', yLabel: 'checkpoint (ms)', points: checkpointSeries },
      { name: 'restore ms vs MiB', xLabel: 'touched guest memory (MiB)', yLabel: 'restore to first instruction (ms)', points: restoreSeries },
    ],
  };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(output, null, 2)}\n`);
  for (const result of results) {
    log(`${result.name}: ${result.stasis.median} ${result.unit} (${result.baseline.name}: ${result.baseline.median}); ratio ${result.ratio}${result.goal === undefined ? '' : `, goal ${result.goal}`}`);
  }
  log(`checkpoint ms vs MiB: ${JSON.stringify(checkpointSeries)}`);
  log(`restore ms vs MiB: ${JSON.stringify(restoreSeries)}`);
  log(`load average before ${loadAverage.before.map((value) => value.toFixed(2)).join(' ')}, after ${loadAverage.after.map((value) => value.toFixed(2)).join(' ')}`);
  log(`wrote ${RESULTS}`);
}

await main();
