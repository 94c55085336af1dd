// The physical ceiling of image throughput on this machine: what each unavoidable cost of writing
// and reading a memory image takes on its own, for the same amount of non-zero bytes as the bench
// (256 MiB: the non-zero half of its 512 MiB memory). The throughput goals are ratios to
// fs.writeFileSync / fs.readFileSync, so these figures say which ratio is reachable at all:
// an image writer must at least hash every byte (SHA-256, the format's integrity chain) and copy
// it into the page cache, and must fsync before it reports a durable image; a reader must copy
// every byte into fresh memory (paying its first touch) and hash it.
//
// Each figure is the median of `--rounds` interleaved rounds, with the process's CPU time (all
// threads) beside the wall time; the load average is printed, since the VM is shared.
//
//   pnpm bench:ceiling                      # 256 MiB, 5 rounds
//   pnpm bench:ceiling -- --mib 64 --rounds 3

import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { type Sample, time } from './timing.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: { rounds: { type: 'string', default: '5' }, mib: { type: 'string', default: '256' } },
});
const MIB = 2 ** 20;
const BYTES = Number(values.mib) * MIB;
const ROUNDS = Number(values.rounds);
const CHUNK = 4 * MIB;

// The shared tsconfig has no WebAssembly lib types.
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer } } }).WebAssembly;


const payload = new Uint8Array(BYTES);
for (let at = 0; at < BYTES; at += 64 * 1024) randomFillSync(payload, at, 64 * 1024);
const scratch = mkdtempSync(join(tmpdir(), 'stasis-statefile-ceiling-'));

function sha256Chunks(bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength; at += CHUNK) createHash('sha256').update(bytes.subarray(at, at + CHUNK)).digest();
}

// A worker hashing its own copy of half the bytes, CHUNK by CHUNK, to measure two cores at once.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const bytes = new Uint8Array(workerData);
parentPort.on('message', () => {
  for (let at = 0; at < bytes.byteLength; at += ${CHUNK}) createHash('sha256').update(bytes.subarray(at, at + ${CHUNK})).digest();
  parentPort.postMessage('done');
});
`;
const half = new SharedArrayBuffer(BYTES / 2);
new Uint8Array(half).set(payload.subarray(0, BYTES / 2));
const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: half, execArgv: [] });
await new Promise((resolve) => worker.once('online', resolve));

const operations: Record<string, () => Promise<void> | void> = {
  'SHA-256 on one core (createHash, 4 MiB updates)': () => sha256Chunks(payload),
  'SHA-256 on two cores (this thread + a worker, half each)': async () => {
    const done = new Promise((resolve) => worker.once('message', resolve));
    worker.postMessage('go');
    sha256Chunks(payload.subarray(BYTES / 2));
    await done;
  },
  'writeFileSync to a new file': () => {
    const path = join(scratch, 'page-cache.bin');
    writeFileSync(path, payload);
    rmSync(path);
  },
  'writeFileSync + fsync to a new file': () => {
    const path = join(scratch, 'durable.bin');
    const fd = openSync(path, 'w');
    try {
      for (let at = 0; at < BYTES; ) at += writeSync(fd, payload, at, BYTES - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    rmSync(path);
  },
  'readFileSync (page cache warm)': () => {
    readFileSync(join(scratch, 'warm.bin'));
  },
  'first touch of a fresh WebAssembly.Memory (fill)': () => {
    const memory = new Memory({ initial: BYTES / 65536 });
    new Uint8Array(memory.buffer).fill(1);
  },
  'copy into memory touched before (memcpy)': () => {
    target.set(payload);
  },
};
const target = new Uint8Array(BYTES).fill(1);
writeFileSync(join(scratch, 'warm.bin'), payload);
readFileSync(join(scratch, 'warm.bin'));

const samples = new Map<string, Sample[]>();
const loadBefore = loadavg();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, work] of Object.entries(operations)) samples.set(name, [...(samples.get(name) ?? []), await time(work)]);
  }
} finally {
  await worker.terminate();
  rmSync(scratch, { recursive: true, force: true });
}

const median = (numbers: readonly number[]): number => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
console.log(`${BYTES / MIB} MiB of random bytes, ${ROUNDS} rounds, ${availableParallelism()} cores; median wall ms [min-max], median CPU ms (all threads), MB/s of the median`);
for (const [name, list] of samples) {
  const wall = list.map((sample) => sample.milliseconds);
  const cell = `${median(wall).toFixed(0)} [${Math.min(...wall).toFixed(0)}-${Math.max(...wall).toFixed(0)}]`;
  const rate = BYTES / 1e6 / (median(wall) / 1000);
  console.log(`${name.padEnd(58)}${cell.padEnd(16)}${median(list.map((sample) => sample.cpuMilliseconds)).toFixed(0).padEnd(8)}${rate.toFixed(0)} MB/s`);
}
console.log(`load average before ${loadBefore.map((value) => value.toFixed(2)).join(' ')}, after ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
