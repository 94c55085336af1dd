import { randomBytes } from 'node:crypto';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Compression, COMPRESSIONS, isCompressionAvailable } from '../compression.js';
import { ChecksumMismatchError, InvalidArgumentError, LimitExceededError, ParentMismatchError, StatefileError } from '../errors.js';
import { ImageReader } from '../reader.js';
import { idleCoresBeside, sharedSha256Pool } from '../sha256-pool.js';
import { type ByteSource, BytesSource } from '../source.js';
import { instanceOf, rejects } from '../testing/assertions.js';
import { readImageFile, TEST_METADATA, withTemporaryDirectory, writeImageBytes } from '../testing/images.js';
import { createWasmMemory } from '../testing/wasm-memory.js';
import { MAX_EXTENT_PAGES, PAGE_SIZE } from '../v1/layout.js';
import { ImageWriter } from '../writer.js';

const COMPRESSION_NAMES = (Object.keys(COMPRESSIONS) as Compression[]).filter(isCompressionAvailable);

/** A memory of `byteLength` bytes with `writes` (offset, bytes) applied: arbitrary sparse content. */
function sparseMemory(byteLength: number, writes: readonly [number, Uint8Array][]): Uint8Array {
  const memory = new Uint8Array(byteLength);
  for (const [offset, bytes] of writes) {
    if (byteLength === 0) break;
    const at = offset % byteLength;
    memory.set(bytes.subarray(0, byteLength - at), at);
  }
  return memory;
}

const memoryArbitrary = fc
  .tuple(
    fc.integer({ min: 0, max: 40 * PAGE_SIZE }),
    fc.array(fc.tuple(fc.nat(), fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 3 * PAGE_SIZE }).map((length) => new Uint8Array(length).fill(7)))), { maxLength: 8 }),
  )
  .map(([byteLength, writes]) => sparseMemory(byteLength, writes));

async function roundTrip(memory: Uint8Array, compression: Compression, target: Uint8Array, targetZeroed: boolean): Promise<Uint8Array> {
  const image = await writeImageBytes((writer) => writer.addMemory('memory', memory, { compression }).then(() => {}));
  const reader = await ImageReader.fromBytes(image);
  await reader.readMemoryInto('memory', target, { targetZeroed });
  await reader.close();
  return target.subarray(0, memory.byteLength);
}

const MemorySection = suite('memory sections');

MemorySection('stores no page that is all zero, and no extent across a block boundary', async () => {
  const memory = new Uint8Array(40 * PAGE_SIZE);
  memory.fill(1, 14 * PAGE_SIZE, 18 * PAGE_SIZE); // pages 14-17: across the block boundary at 16
  memory[30 * PAGE_SIZE + 5] = 1;
  const image = await writeImageBytes((writer) => writer.addMemory('memory', memory).then(() => {}));
  const reader = await ImageReader.fromBytes(image);
  const extents = await reader.readExtents('memory');
  assert.equal(
    extents.map((extent) => [extent.firstPage, extent.pageCount]),
    [[14, 2], [16, 2], [30, 1]],
  );
  for (const extent of extents) assert.ok(Math.floor(extent.firstPage / MAX_EXTENT_PAGES) === Math.floor((extent.firstPage + extent.pageCount - 1) / MAX_EXTENT_PAGES));
  assert.ok(image.byteLength < 6 * PAGE_SIZE, `image of 5 non-zero pages: got ${image.byteLength} bytes`);
  await reader.close();
});

MemorySection('compresses whole blocks (on the thread pool) and small extents (inline), and skips random ones', async () => {
  const memory = new Uint8Array(40 * PAGE_SIZE);
  for (let index = 0; index < 16 * PAGE_SIZE; index++) memory[index] = (index >> 7) & 0x3f; // one compressible 1 MiB extent
  memory.fill(3, 20 * PAGE_SIZE, 21 * PAGE_SIZE); // a small compressible extent
  memory.set(randomBytes(PAGE_SIZE), 30 * PAGE_SIZE); // an incompressible one
  for (const compression of COMPRESSION_NAMES.filter((name) => name !== 'none')) {
    const image = await writeImageBytes((writer) => writer.addMemory('memory', memory, { compression }).then(() => {}));
    const reader = await ImageReader.fromBytes(image);
    assert.equal(
      (await reader.readExtents('memory')).map((extent) => [extent.firstPage, extent.pageCount, extent.compression]),
      [
        [0, 16, compression],
        [20, 1, compression],
        [30, 1, 'none'],
      ],
    );
    const target = new Uint8Array(memory.byteLength);
    await reader.readMemoryInto('memory', target);
    assert.ok(Buffer.from(target).equals(Buffer.from(memory)), `${compression}: restored memory differs`);
    await reader.close();
  }
});

MemorySection('restores into a WebAssembly.Memory grown to the recorded size', async () => {
  const saved = createWasmMemory(3, 10);
  new Uint8Array(saved.buffer).fill(5, PAGE_SIZE, PAGE_SIZE + 10);
  const image = await writeImageBytes((writer) => writer.addMemory('memory', saved).then(() => {}));
  const reader = await ImageReader.fromBytes(image);
  const target = createWasmMemory(1, 10);
  target.grow(reader.memoryInfo('memory').pages - 1);
  await reader.readMemoryInto('memory', target);
  assert.ok(Buffer.from(target.buffer).equals(Buffer.from(saved.buffer)));
  await reader.close();
});

MemorySection('refuses a target smaller than the memory', async () => {
  const image = await writeImageBytes((writer) => writer.addMemory('memory', new Uint8Array(2 * PAGE_SIZE)).then(() => {}));
  const reader = await ImageReader.fromBytes(image);
  await rejects(reader.readMemoryInto('memory', new Uint8Array(PAGE_SIZE)), instanceOf(InvalidArgumentError));
  await reader.close();
});

MemorySection('an incremental image stores only changed extents and restores through its parent', async () => {
  await withTemporaryDirectory(async (directory) => {
    const memory = new Uint8Array(48 * PAGE_SIZE);
    for (let page = 0; page < 48; page += 2) memory.fill(page + 1, page * PAGE_SIZE, page * PAGE_SIZE + 100);
    const write = async (name: string, parent?: string) => {
      const writer = await ImageWriter.create(join(directory, name), { metadata: TEST_METADATA });
      await writer.addMemory('memory', memory, { compression: 'none', ...(parent === undefined ? {} : { parent: join(directory, parent) }) });
      return writer.commit();
    };
    const base = await write('base');
    memory[20 * PAGE_SIZE] = 0xaa; // one extent of block 1 changes
    const first = await write('first', 'base');
    memory[40 * PAGE_SIZE + 1] = 0xbb; // one extent of block 2 changes
    const second = await write('second', 'first');
    assert.ok(second.bytes < base.bytes / 8, `incremental image: got ${second.bytes} bytes, base has ${base.bytes}`);
    const reader = await ImageReader.open(join(directory, 'second'));
    const extents = await reader.readExtents('memory');
    assert.is(extents.filter((extent) => extent.storage === 'inline').length, 1);
    const target = new Uint8Array(memory.byteLength).fill(3);
    await reader.readMemoryInto('memory', target);
    assert.ok(Buffer.from(target).equals(Buffer.from(memory)), 'restored memory through two parents differs');
    assert.equal((await reader.verify()).sections, 1);
    await reader.close();
    assert.ok(first.digest !== base.digest);

    // Moving the whole chain keeps it readable: parents are recorded by relative path.
    await cp(directory, `${directory}-moved`, { recursive: true });
    const moved = await ImageReader.open(join(`${directory}-moved`, 'second'));
    await moved.readMemoryInto('memory', new Uint8Array(memory.byteLength));
    await moved.close();
    await rm(`${directory}-moved`, { recursive: true });

    // A chain longer than the limit is refused.
    const limited = await ImageReader.open(join(directory, 'second'), { limits: { maxParentDepth: 1 } });
    await rejects(limited.readMemoryInto('memory', new Uint8Array(memory.byteLength)), (error) => error instanceof LimitExceededError && error.limit === 'maxParentDepth');
    await limited.close();

    // A replaced parent is refused, and so is a missing one.
    await rm(join(directory, 'first'), { recursive: true });
    const orphan = await ImageReader.open(join(directory, 'second'));
    await rejects(orphan.readMemoryInto('memory', new Uint8Array(memory.byteLength)), (error) => error instanceof ParentMismatchError && error.actualDigest === undefined);
    await orphan.close();
    await cp(join(directory, 'base'), join(directory, 'first'), { recursive: true });
    const replaced = await ImageReader.open(join(directory, 'second'));
    await rejects(replaced.readMemoryInto('memory', new Uint8Array(memory.byteLength)), (error) => error instanceof ParentMismatchError && error.actualDigest === base.digest);
    await replaced.close();
  });
});

MemorySection('a large memory hashed on the hash workers makes the same image, which restores and verifies', async () => {
  await withTemporaryDirectory(async (directory) => {
    const memory = createWasmMemory(640); // 40 MiB: enough to start the workers
    const view = new Uint8Array(memory.buffer);
    for (let page = 0; page < 640; page += 7) randomBytes(3 * PAGE_SIZE).copy(view, page * PAGE_SIZE);
    const pool = sharedSha256Pool();
    const workers = idleCoresBeside(1);
    const write = async (name: string) => {
      const writer = await ImageWriter.create(join(directory, name), { metadata: TEST_METADATA });
      await writer.addMemory('memory', memory);
      return (await writer.commit()).path;
    };
    // The workers start with the first large write; wait until they take batches, then write again.
    const first = await write('first');
    for (let attempt = 0; attempt < 3000 && pool.workersOnline < Math.min(workers, pool.workersStarted); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    const before = pool.offThreadBatches;
    const second = await write('second');
    if (workers > 0) assert.ok(pool.offThreadBatches > before, `batches hashed by workers: got ${pool.offThreadBatches - before}, want some (${workers} allowed)`);
    assert.ok(Buffer.from(await readImageFile(first)).equals(Buffer.from(await readImageFile(second))), 'the two writes differ');
    const reader = await ImageReader.open(join(directory, 'second'));
    const target = createWasmMemory(640);
    await reader.readMemoryInto('memory', target, { targetZeroed: true });
    assert.ok(Buffer.from(target.buffer).equals(Buffer.from(view)), 'restored memory differs');
    await reader.verify();
    await reader.close();
  });
});

/**
 * A source whose reads land after a random delay, out of order, and which counts the reads still
 * running; `failAt` makes the read covering that file offset fail.
 */
function slowSource(image: Uint8Array, seed: number, failAt?: number): ByteSource & { readonly running: () => number } {
  const inner = new BytesSource(image);
  let state = seed | 1;
  let running = 0;
  const later = async <Result>(work: () => Promise<Result>): Promise<Result> => {
    running++;
    try {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      await new Promise((resolve) => setTimeout(resolve, (state >>> 0) % 4));
      return await work();
    } finally {
      running--;
    }
  };
  const covers = (position: number, length: number) => failAt !== undefined && position <= failAt && failAt < position + length;
  return {
    path: inner.path,
    size: inner.size,
    running: () => running,
    readInto: (position, target) =>
      later(async () => {
        if (covers(position, target.byteLength)) throw new Error('injected read failure');
        await inner.readInto(position, target);
      }),
    readIntoMany: (position, targets) =>
      later(async () => {
        const length = targets.reduce((sum, target) => sum + target.byteLength, 0);
        if (covers(position, length)) throw new Error('injected read failure');
        let at = position;
        for (const target of targets) {
          await inner.readInto(at, target);
          at += target.byteLength;
        }
      }),
    close: () => inner.close(),
  };
}

MemorySection('reads running ahead of the checks land out of order, and a failure settles only once no read is left running into the target', async () => {
  // 48 MiB with every other 64 KiB page stored: far more than the reads may run ahead of the checks.
  const pages = 768;
  const memory = new Uint8Array(pages * PAGE_SIZE);
  for (let page = 0; page < pages; page += 2) randomBytes(PAGE_SIZE).copy(memory, page * PAGE_SIZE);
  for (const compression of ['none', 'deflate'] as const) {
    const image = await writeImageBytes((writer) => writer.addMemory('memory', memory, { compression }).then(() => {}));
    const extents = await (await ImageReader.fromBytes(image)).readExtents('memory');
    const halfway = extents[extents.length >> 1]!;

    const source = slowSource(image, 7);
    const reader = await ImageReader.fromSource(source);
    const target = new Uint8Array(memory.byteLength);
    let reported = 0;
    await reader.readMemoryInto('memory', target, { targetZeroed: true, onProgress: ({ bytes }) => (reported = bytes) });
    assert.ok(Buffer.from(target).equals(Buffer.from(memory)), `${compression}: restored memory differs`);
    assert.is(reported, (pages / 2) * PAGE_SIZE, `${compression}: bytes reported restored`);

    // A flipped byte in an extent halfway: the typed error, after every read has ended.
    const flipped = image.slice();
    flipped[halfway.storedOffset + (halfway.storedLength >> 1)]! ^= 0x10;
    const damaged = slowSource(flipped, 11);
    const damagedReader = await ImageReader.fromSource(damaged);
    await rejects(damagedReader.readMemoryInto('memory', new Uint8Array(memory.byteLength), { targetZeroed: true }), instanceOf(ChecksumMismatchError), `${compression}, flipped byte`);
    assert.is(damaged.running(), 0, `${compression}: reads still running after the checksum failure`);

    // A read that fails: its error, after every other read has ended.
    const failing = slowSource(image, 13, halfway.storedOffset);
    const failingReader = await ImageReader.fromSource(failing);
    await rejects(
      failingReader.readMemoryInto('memory', new Uint8Array(memory.byteLength), { targetZeroed: true }),
      (error) => error instanceof Error && !(error instanceof StatefileError) && error.message === 'injected read failure',
      `${compression}, failing read`,
    );
    assert.is(failing.running(), 0, `${compression}: reads still running after the read failure`);
  }
});

MemorySection.run();

const MemorySectionProperties = suite('memory sections properties');

MemorySectionProperties('arbitrary sparse memories round-trip byte-exactly under every compression and into any target', async () => {
  await fc.assert(
    fc.asyncProperty(memoryArbitrary, fc.constantFrom(...COMPRESSION_NAMES), fc.boolean(), async (memory, compression, garbageTarget) => {
      const target = new Uint8Array(memory.byteLength + 3);
      if (garbageTarget) target.fill(0x5a);
      const restored = await roundTrip(memory, compression, target, !garbageTarget);
      if (!Buffer.from(restored).equals(Buffer.from(memory))) throw new Error(`${compression}, ${memory.byteLength} bytes: restored memory differs`);
    }),
    { numRuns: 150 },
  );
});

MemorySectionProperties.run();
