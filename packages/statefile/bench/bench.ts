// Benchmark of the image writer and reader against plain fs.writeFileSync / fs.readFileSync of the
// same non-zero bytes, measured in the same run and interleaved operation by operation, so that
// drift in the machine's speed (other work on the host, page-cache writeback) hits both sides alike.
//
// The memory is 512 MiB of WebAssembly pages, half of them zero (chosen page by page with a fixed
// seed). In the `random` data set the other half is random bytes, which no compressor shrinks; in
// the `compressible` data set it is text-like, to show what compressing costs when it pays.
// Restores read into a fresh WebAssembly.Memory (with targetZeroed, as a restore into a fresh
// memory does), as readFileSync reads into a fresh buffer.
//
// The development VM is shared (load 2-14 on 2 cores while this was written), so besides the
// throughput the bench records the CPU time each operation took (all threads of the process: the
// kernel's copying on the thread pool and the hash workers included), which load moves far less, and
// the load average before and after the run.
//
// Prints a table and writes bench/results/statefile.json at the repository root.
//
//   pnpm bench                                   # 5 rounds of random, 3 of compressible
//   pnpm bench -- --rounds 3 --mib 128

import { randomFillSync } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Compression, COMPRESSIONS, ImageReader, ImageWriter, isCompressionAvailable, PAGE_SIZE } from '../src/index.js';
import { time } from './timing.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: { rounds: { type: 'string', default: '5' }, 'compressible-rounds': { type: 'string', default: '3' }, mib: { type: 'string', default: '512' } },
});
const MEMORY_MIB = Number(values.mib);
const PAGES = (MEMORY_MIB * 2 ** 20) / PAGE_SIZE;

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number }) => WasmMemory } }).WebAssembly;

type DataSet = 'random' | 'compressible';

interface Prepared {
  readonly memory: WasmMemory;
  /** The non-zero pages, contiguous: what the baselines write and read. */
  readonly payload: Uint8Array;
}

// Half the pages non-zero, chosen with a fixed xorshift seed.
function prepare(dataSet: DataSet): Prepared {
  const memory = new Memory({ initial: PAGES });
  const view = new Uint8Array(memory.buffer);
  const text = new TextEncoder().encode(
    Array.from({ length: 2000 }, (_, line) => `${line}\tINFO task ${line % 17} wrote ${line * 31} bytes to /var/lib/app/data-${line % 5}.db\n`).join(''),
  );
  let state = 0x9e3779b9;
  const pages: number[] = [];
  for (let page = 0; page < PAGES; page++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    if ((state & 1) === 0) continue;
    if (dataSet === 'random') {
      randomFillSync(view, page * PAGE_SIZE, PAGE_SIZE);
    } else {
      const offset = (page * 977) % (text.byteLength - PAGE_SIZE);
      view.set(text.subarray(offset, offset + PAGE_SIZE), page * PAGE_SIZE);
    }
    pages.push(page);
  }
  const payload = new Uint8Array(pages.length * PAGE_SIZE);
  for (const [index, page] of pages.entries()) payload.set(view.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE), index * PAGE_SIZE);
  return { memory, payload };
}

interface Timing {
  readonly seconds: number;
  /** CPU time of the whole process (every thread), in milliseconds. */
  readonly cpuMilliseconds: number;
}

async function seconds(work: () => Promise<void> | void): Promise<Timing> {
  const { milliseconds, cpuMilliseconds } = await time(work);
  return { seconds: milliseconds / 1000, cpuMilliseconds };
}

const compressions = (Object.keys(COMPRESSIONS) as Compression[]).filter(isCompressionAvailable);
const samples = new Map<string, number[]>();
const cpuSamples = new Map<string, number[]>();
const scratch = mkdtempSync(join(tmpdir(), 'stasis-statefile-bench-'));
const baselineFile = join(scratch, 'baseline.bin');
let imageCounter = 0;

async function measure(dataSet: DataSet, rounds: number): Promise<void> {
  const { memory, payload } = prepare(dataSet);
  const megabytes = payload.byteLength / 1e6;
  const record = (name: string, timing: Timing): void => {
    const key = `${dataSet} ${name}`;
    samples.set(key, [...(samples.get(key) ?? []), megabytes / timing.seconds]);
    cpuSamples.set(key, [...(cpuSamples.get(key) ?? []), timing.cpuMilliseconds]);
  };
  console.log(`${dataSet}: ${MEMORY_MIB} MiB memory, ${payload.byteLength / PAGE_SIZE} of ${PAGES} pages non-zero; ${rounds} rounds`);
  const images = new Map<Compression, string>();
  for (let round = 0; round < rounds; round++) {
    for (const compression of compressions) {
      rmSync(baselineFile, { force: true });
      record('baseline write', await seconds(() => writeFileSync(baselineFile, payload)));
      if (compression === 'none') {
        rmSync(baselineFile, { force: true });
        record(
          'baseline durable write',
          await seconds(() => {
            const descriptor = openSync(baselineFile, 'w');
            writeFileSync(descriptor, payload);
            fsyncSync(descriptor);
            closeSync(descriptor);
          }),
        );
      }
      const previous = images.get(compression);
      if (previous !== undefined) rmSync(previous, { recursive: true, force: true });
      const directory = join(scratch, `image-${imageCounter++}`);
      record(
        `write ${compression}`,
        await seconds(async () => {
          const writer = await ImageWriter.create(directory, { metadata: { producer: 'bench', producerVersion: '0' }, compression });
          await writer.addMemory('memory', memory);
          await writer.commit();
        }),
      );
      images.set(compression, directory);
    }
    for (const compression of compressions) {
      record('baseline read', await seconds(() => void readFileSync(baselineFile)));
      const target = new Memory({ initial: PAGES });
      record(
        `read ${compression}`,
        await seconds(async () => {
          const reader = await ImageReader.open(images.get(compression)!);
          // A fresh memory is all zero: the restore path the README recommends for it.
          await reader.readMemoryInto('memory', target, { targetZeroed: true });
          await reader.close();
        }),
      );
    }
    console.log(`  round ${round + 1}/${rounds} done`);
  }
}

interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]! ) / 2;
  const round = (value: number): number => Math.round(value * 10) / 10;
  return { median: round(median), min: round(sorted[0]!), max: round(sorted.at(-1)!), runs: sorted.length };
}

// `goal` is the bound on the ratio (the report says met or missed); informational rows have none.
function result(name: string, stasisKey: string, baselineKey: string, baselineName: string, goal?: number) {
  const stasis = { ...summarize(samples.get(stasisKey)!), cpuMilliseconds: summarize(cpuSamples.get(stasisKey)!).median };
  const baseline = { ...summarize(samples.get(baselineKey)!), cpuMilliseconds: summarize(cpuSamples.get(baselineKey)!).median };
  const ratio = Math.round((stasis.median / baseline.median) * 100) / 100;
  return { name, unit: 'MB/s', better: 'higher', stasis, baseline: { name: baselineName, ...baseline }, ratio, ...(goal === undefined ? {} : { goal }) };
}

const loadBefore = loadavg();
console.log(`load average ${loadBefore.map((value) => value.toFixed(2)).join(' ')}`);
try {
  await measure('random', Number(values.rounds));
  await measure('compressible', Number(values['compressible-rounds']));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const results = [];
for (const dataSet of ['random', 'compressible'] as const) {
  const memoryName = `${MEMORY_MIB} MiB memory image (half zero pages, half ${dataSet})`;
  for (const compression of compressions) {
    const goal = dataSet === 'random' ? 0.8 : undefined;
    results.push(result(`write ${memoryName}, ${compression}`, `${dataSet} write ${compression}`, `${dataSet} baseline write`, 'fs.writeFileSync', goal));
    results.push(result(`read ${memoryName}, ${compression}`, `${dataSet} read ${compression}`, `${dataSet} baseline read`, 'fs.readFileSync', goal));
  }
  results.push(result(`write ${memoryName}, none, against a durable baseline`, `${dataSet} write none`, `${dataSet} baseline durable write`, 'fs.writeFileSync + fsync'));
}

const loadAfter = loadavg();
console.log('\nthroughput of the non-zero bytes in MB/s, median [min-max]; ratio = stasis median / baseline median; CPU ms (all threads) per operation, median');
console.log(`${'operation'.padEnd(44)}${'stasis'.padEnd(26)}${'baseline'.padEnd(26)}${'ratio'.padEnd(7)}CPU ms`);
for (const entry of results) {
  const cell = (summary: Summary) => `${summary.median} [${summary.min}-${summary.max}]`.padEnd(26);
  const label = entry.name.replace(`${MEMORY_MIB} MiB memory image (half zero pages, half `, '(').replace(', against a durable baseline', ' vs +fsync');
  console.log(`${label.padEnd(44)}${cell(entry.stasis)}${cell(entry.baseline)}${String(entry.ratio).padEnd(7)}${Math.round(entry.stasis.cpuMilliseconds)} / ${Math.round(entry.baseline.cpuMilliseconds)}`);
}
console.log(`load average before ${loadBefore.map((value) => value.toFixed(2)).join(' ')}, after ${loadAfter.map((value) => value.toFixed(2)).join(' ')}`);

const resultsDirectory = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
mkdirSync(resultsDirectory, { recursive: true });
const loadAverage = { before: loadBefore, after: loadAfter };
writeFileSync(join(resultsDirectory, 'statefile.json'), `${JSON.stringify({ package: '@stasis/statefile', loadAverage, results }, null, 2)}\n`);
console.log(`\nwrote ${join(resultsDirectory, 'statefile.json')}`);
