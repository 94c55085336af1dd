// SHA-256 on more than one core. Node.js hashes on the calling thread (createHash), and SHA-256 is
// what bounds the memory path: 1.6-1.8 GB/s per core with SHA-NI, against 4-5 GB/s for copying
// into the page cache. A memory's buffer (a non-shared WebAssembly.Memory) cannot be handed to a
// worker, so a batch of extents is copied into a slot of a SharedArrayBuffer owned by a worker
// (memcpy into memory touched once: ≈ 15 GB/s, a tenth of the hash's cost) and hashed there while
// the calling thread goes on. When every slot is busy the calling thread hashes the batch itself,
// so the work spreads over the workers and the caller without a queue, and a busy machine never
// makes a hash wait for a worker. crypto.subtle.digest, which also runs on the thread pool, was
// measured slower (it copies into a fresh allocation per call and shares the pool with the file
// I/O); see docs/decisions/2026-11-28-statefile-throughput.md.
//
// Workers start on the first large job, are unreferenced while idle (they never keep a process
// alive) and stop after a while without work. A worker that dies takes no digest with it: its
// slots still hold the bytes, which the calling thread then hashes.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SHA256_BYTES, sha256 } from './checksum.js';

// Slot states, in a shared Int32Array: the worker marks a slot DONE itself, so that the calling
// thread sees finished batches (and reuses their slots) the next time it looks for a slot, without
// first returning to its event loop to receive the worker's message. A thread busy hashing and
// scanning memory in one long stretch would otherwise find every slot busy and hash everything
// itself.
const SlotState = { FREE: 0, BUSY: 1, DONE: 2 } as const;

// The most parts one batch holds (a digest area of MAX_PARTS × 32 bytes per slot).
const MAX_PARTS = 256;

// The worker, as CommonJS source evaluated by `new Worker(..., { eval: true })`: no file to ship
// next to the bundle, and the same code under tsx (tests) and from dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { slotBytes, maxParts } = workerData;
const data = new Uint8Array(workerData.data);
const digests = new Uint8Array(workerData.digests);
const states = new Int32Array(workerData.states);
parentPort.on('message', ({ job, slot, lengths }) => {
  let at = slot * slotBytes;
  let out = slot * maxParts * ${SHA256_BYTES};
  for (const length of lengths) {
    digests.set(createHash('sha256').update(data.subarray(at, at + length)).digest(), out);
    at += length;
    out += ${SHA256_BYTES};
  }
  Atomics.store(states, slot, ${SlotState.DONE});
  parentPort.postMessage(job);
});
`;

/** Sha256PoolOptions configure a Sha256Pool. */
export interface Sha256PoolOptions {
  /** The most worker threads; by default one fewer than the cores (at most four), since the calling thread hashes too. */
  readonly workers?: number;
  /** Bytes of one slot: the most one batch sent to a worker holds. */
  readonly slotBytes?: number;
  /** Slots per worker: batches one worker holds at once. */
  readonly slotsPerWorker?: number;
  /** Batches smaller than this are hashed on the calling thread: a round trip to a worker (≈ 30 µs) would cost more. */
  readonly inlineBelowBytes?: number;
  /** Work of at least this many bytes starts the workers (prepare); for less, starting them costs more than they save. */
  readonly startAtBytes?: number;
  /** Workers stop after this long without work. */
  readonly idleMilliseconds?: number;
  /** The worker's source (tests replace it to make workers fail). */
  readonly workerSource?: string;
}

/** DigestOptions say how much of the pool one operation may use. */
export interface DigestOptions {
  /** The most workers to use (and to start): the cores the operation leaves idle (see idleCoresBeside); all of the pool's by default. */
  readonly workers?: number;
}

/**
 * idleCoresBeside is the number of cores left for hash workers by an operation that already keeps
 * `busy` cores busy: the calling thread, and for a restore the kernel's page faults and copying
 * into fresh memory on the thread pool, which cost as much as hashing. Workers beyond that only
 * take turns on the same cores, and pay for the copy into their slots.
 */
export function idleCoresBeside(busy: number): number {
  return Math.max(0, availableParallelism() - busy);
}

interface Job {
  readonly id: number;
  /** The byte length of each part, back to back from the slot's start. */
  readonly lengths: readonly number[];
  readonly resolve: (digests: Uint8Array[]) => void;
}

interface PooledWorker {
  readonly worker: Worker;
  readonly data: Uint8Array;
  readonly digests: Uint8Array;
  readonly states: Int32Array;
  /** The job in each slot, if any. */
  readonly jobs: (Job | undefined)[];
  readonly free: number[];
  online: boolean;
}

const DEFAULTS = {
  slotBytes: 4 << 20,
  slotsPerWorker: 2,
  inlineBelowBytes: 128 << 10,
  startAtBytes: 32 << 20,
  idleMilliseconds: 10_000,
} as const;

/** Sha256Pool computes SHA-256 digests on worker threads and the calling thread together. */
export class Sha256Pool {
  readonly #workerCount: number;
  readonly #slotBytes: number;
  readonly #slotsPerWorker: number;
  readonly #inlineBelowBytes: number;
  readonly #startAtBytes: number;
  readonly #idleMilliseconds: number;
  readonly #workerSource: string;
  readonly #workers: PooledWorker[] = [];
  #nextJob = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #offThreadBatches = 0;

  constructor(options: Sha256PoolOptions = {}) {
    this.#workerCount = options.workers ?? Math.min(4, idleCoresBeside(1));
    this.#slotBytes = options.slotBytes ?? DEFAULTS.slotBytes;
    this.#slotsPerWorker = options.slotsPerWorker ?? DEFAULTS.slotsPerWorker;
    this.#inlineBelowBytes = options.inlineBelowBytes ?? DEFAULTS.inlineBelowBytes;
    this.#startAtBytes = options.startAtBytes ?? DEFAULTS.startAtBytes;
    this.#idleMilliseconds = options.idleMilliseconds ?? DEFAULTS.idleMilliseconds;
    this.#workerSource = options.workerSource ?? WORKER_SOURCE;
  }

  /** Sha256Pool.workersOnline is the number of workers ready to take batches. */
  get workersOnline(): number {
    return this.#workers.filter((pooled) => pooled.online).length;
  }

  /** Sha256Pool.workersStarted is the number of workers started and not stopped, online or not yet. */
  get workersStarted(): number {
    return this.#workers.length;
  }

  /** Sha256Pool.offThreadBatches counts the batches the workers hashed (for tests and benchmarks). */
  get offThreadBatches(): number {
    return this.#offThreadBatches;
  }

  /** Sha256Pool.prepare starts the workers if about `bytes` are to be hashed and that is enough to gain from them; until they are online, batches are hashed on the calling thread. */
  prepare(bytes: number, options: DigestOptions = {}): void {
    if (bytes < this.#startAtBytes) return;
    for (let missing = this.#usable(options) - this.#workers.length; missing > 0; missing--) this.#spawn();
  }

  /**
   * Sha256Pool.digestAll is the SHA-256 digest of each of `parts`. The bytes are copied (or hashed)
   * before this returns, so the caller may reuse them at once; batches larger than a slot are split.
   */
  digestAll(parts: readonly Uint8Array[], options: DigestOptions = {}): Promise<Uint8Array[]> {
    const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const workers = this.#usable(options);
    if (total < this.#inlineBelowBytes || workers === 0) return Promise.resolve(parts.map((part) => sha256(part)));
    const batches: Promise<Uint8Array[]>[] = [];
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const send = (): void => {
      if (batch.length > 0) batches.push(this.#digestBatch(batch, batchBytes, workers));
      batch = [];
      batchBytes = 0;
    };
    for (const part of parts) {
      if (batchBytes + part.byteLength > this.#slotBytes || batch.length === MAX_PARTS) send();
      batch.push(part);
      batchBytes += part.byteLength;
    }
    send();
    return Promise.all(batches).then((results) => results.flat());
  }

  /** Sha256Pool.digest is the SHA-256 digest of `bytes`, as digestAll computes it. */
  async digest(bytes: Uint8Array, options: DigestOptions = {}): Promise<Uint8Array> {
    const [digest] = await this.digestAll([bytes], options);
    return digest!;
  }

  #usable(options: DigestOptions): number {
    return Math.max(0, Math.min(this.#workerCount, options.workers ?? this.#workerCount));
  }

  /** Sha256Pool.close stops the workers; batches in flight are finished on the calling thread, and later ones start new workers only after prepare(). */
  close(): void {
    clearTimeout(this.#idleTimer);
    const workers = this.#workers.splice(0);
    for (const pooled of workers) {
      this.#recover(pooled);
      // Not awaited: a stopping worker does not always keep the event loop alive until its 'exit'
      // (measured on Node.js 20), so a caller awaiting it could be dropped; nothing depends on it.
      pooled.worker.terminate().catch(() => {});
    }
  }

  #digestBatch(batch: readonly Uint8Array[], bytes: number, workers: number): Promise<Uint8Array[]> {
    const found = bytes <= this.#slotBytes && bytes >= this.#inlineBelowBytes ? this.#freeSlot(workers) : undefined;
    if (found === undefined) return Promise.resolve(batch.map((part) => sha256(part)));
    const { pooled, slot } = found;
    let at = slot * this.#slotBytes;
    for (const part of batch) {
      pooled.data.set(part, at);
      at += part.byteLength;
    }
    const id = this.#nextJob++;
    return new Promise((resolve) => {
      if (pooled.jobs.every((job) => job === undefined)) pooled.worker.ref();
      const lengths = batch.map((part) => part.byteLength);
      pooled.jobs[slot] = { id, lengths, resolve };
      Atomics.store(pooled.states, slot, SlotState.BUSY);
      clearTimeout(this.#idleTimer);
      pooled.worker.postMessage({ job: id, slot, lengths });
    });
  }

  #freeSlot(workers: number): { pooled: PooledWorker; slot: number } | undefined {
    let best: PooledWorker | undefined;
    // The least loaded online worker among the first `workers`, so that two workers share a stream of batches.
    for (const pooled of this.#workers.slice(0, workers)) {
      if (!pooled.online) continue;
      this.#harvest(pooled);
      if (pooled.free.length > 0 && (best === undefined || pooled.free.length > best.free.length)) best = pooled;
    }
    const slot = best?.free.pop();
    return slot === undefined ? undefined : { pooled: best!, slot };
  }

  // Resolves the jobs of the slots the worker has marked DONE, and frees those slots.
  #harvest(pooled: PooledWorker): void {
    for (const [slot, job] of pooled.jobs.entries()) {
      if (job === undefined || Atomics.load(pooled.states, slot) !== SlotState.DONE) continue;
      this.#finish(pooled, slot, job, this.#digestsOf(pooled, slot, job.lengths.length));
      this.#offThreadBatches++;
    }
  }

  #digestsOf(pooled: PooledWorker, slot: number, count: number): Uint8Array[] {
    const at = slot * MAX_PARTS * SHA256_BYTES;
    return Array.from({ length: count }, (_, index) => pooled.digests.slice(at + index * SHA256_BYTES, at + (index + 1) * SHA256_BYTES));
  }

  #finish(pooled: PooledWorker, slot: number, job: Job, digests: Uint8Array[]): void {
    pooled.jobs[slot] = undefined;
    Atomics.store(pooled.states, slot, SlotState.FREE);
    pooled.free.push(slot);
    job.resolve(digests);
  }

  #spawn(): void {
    // A worker that cannot start is not retried until the next prepare(): the calling thread hashes.
    const slots = this.#slotsPerWorker;
    const buffers = {
      data: new SharedArrayBuffer(this.#slotBytes * slots),
      digests: new SharedArrayBuffer(MAX_PARTS * SHA256_BYTES * slots),
      states: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * slots),
    };
    let worker: Worker;
    try {
      // No execArgv: the worker is plain JavaScript and needs none of the parent's loaders.
      worker = new Worker(this.#workerSource, {
        eval: true,
        workerData: { ...buffers, slotBytes: this.#slotBytes, maxParts: MAX_PARTS },
        execArgv: [],
        stdout: false,
        stderr: false,
      });
    } catch {
      return;
    }
    worker.unref();
    const pooled: PooledWorker = {
      worker,
      data: new Uint8Array(buffers.data),
      digests: new Uint8Array(buffers.digests),
      states: new Int32Array(buffers.states),
      jobs: Array.from({ length: slots }, () => undefined),
      free: Array.from({ length: slots }, (_, index) => slots - 1 - index),
      online: false,
    };
    worker.on('online', () => {
      pooled.online = true;
    });
    worker.on('message', () => {
      this.#harvest(pooled);
      if (pooled.jobs.every((job) => job === undefined)) this.#idle(pooled);
    });
    const failed = (): void => {
      const index = this.#workers.indexOf(pooled);
      if (index >= 0) this.#workers.splice(index, 1);
      this.#recover(pooled);
    };
    worker.on('error', failed);
    worker.on('exit', failed);
    this.#workers.push(pooled);
  }

  // Finishes a stopped or dead worker's jobs on the calling thread: the digests it wrote, or the
  // bytes still in its slots hashed here.
  #recover(pooled: PooledWorker): void {
    pooled.online = false;
    for (const [slot, job] of pooled.jobs.entries()) {
      if (job === undefined) continue;
      if (Atomics.load(pooled.states, slot) === SlotState.DONE) {
        this.#finish(pooled, slot, job, this.#digestsOf(pooled, slot, job.lengths.length));
        continue;
      }
      this.#finish(pooled, slot, job, this.#rehash(pooled, slot, job));
    }
    pooled.free.length = 0;
  }

  #rehash(pooled: PooledWorker, slot: number, job: Job): Uint8Array[] {
    let at = slot * this.#slotBytes;
    return job.lengths.map((length) => {
      const digest = sha256(pooled.data.subarray(at, at + length));
      at += length;
      return digest;
    });
  }

  #idle(pooled: PooledWorker): void {
    pooled.worker.unref();
    if (this.#workers.some((other) => other.jobs.some((job) => job !== undefined))) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.close(), this.#idleMilliseconds);
    this.#idleTimer.unref();
  }
}

let shared: Sha256Pool | undefined;

/** sharedSha256Pool is the process-wide pool the writer and the reader hash memory with. */
export function sharedSha256Pool(): Sha256Pool {
  shared ??= new Sha256Pool();
  return shared;
}
