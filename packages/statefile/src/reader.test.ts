import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AuthenticationError,
  BadMagicError,
  ChecksumMismatchError,
  CorruptImageError,
  isStatefileError,
  LimitExceededError,
  SectionNotFoundError,
  TruncatedError,
  UnsupportedVersionError,
} from './errors.js';
import { FORMAT_VERSION } from './header.js';
import { ImageReader } from './reader.js';
import { type ByteSource, BytesSource } from './source.js';
import { instanceOf, rejects } from './testing/assertions.js';
import { findGraphDifference } from './testing/graph-difference.js';
import { resealImage, TEST_METADATA, writeImageBytes } from './testing/images.js';
import { HeaderFlag } from './v1/layout.js';
import type { ImageWriter } from './writer.js';

const KEY = Uint8Array.from({ length: 32 }, (_, index) => index);

function sampleGraph(): unknown {
  const description = { offset: 4096n, path: '/etc/hosts' };
  const kernel: Record<string, unknown> = { fds: new Map([[0, description], [1, description]]), clock: 1.5 };
  kernel['self'] = kernel;
  return kernel;
}

function sampleMemory(): Uint8Array {
  const memory = new Uint8Array(2.5 * 65536);
  for (let index = 0; index < 1000; index++) memory[index * 7] = index & 0xff;
  memory.fill(9, 2 * 65536 + 100, 2 * 65536 + 300);
  return memory;
}

const SAMPLE_BLOB = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0);

async function buildSample(writer: ImageWriter): Promise<void> {
  await writer.addGraph('kernel', sampleGraph());
  await writer.addMemory('memory', sampleMemory(), { compression: 'deflate' });
  await writer.addBlob('module', SAMPLE_BLOB);
}

const plainImage = await writeImageBytes(buildSample);
const keyedImage = await writeImageBytes(buildSample, { key: KEY });

async function readEverything(bytes: Uint8Array, key?: Uint8Array) {
  const reader = await ImageReader.fromBytes(bytes, key === undefined ? {} : { key });
  try {
    const graph = await reader.readGraph('kernel');
    const memory = new Uint8Array(reader.memoryInfo('memory').byteLength).fill(0xee);
    await reader.readMemoryInto('memory', memory);
    const blob = await reader.readBlob('module');
    return { metadata: reader.metadata, graph, memory, blob };
  } finally {
    await reader.close();
  }
}

function sameAsSample(result: Awaited<ReturnType<typeof readEverything>>): string | undefined {
  const { metadata } = result;
  if (
    metadata.producer !== TEST_METADATA.producer ||
    metadata.producerVersion !== TEST_METADATA.producerVersion ||
    metadata.createdAt !== TEST_METADATA.createdAt.toISOString() ||
    JSON.stringify(metadata.labels) !== JSON.stringify(TEST_METADATA.labels)
  ) {
    return `metadata differs: ${JSON.stringify(metadata)}`;
  }
  const graph = findGraphDifference(result.graph, sampleGraph());
  if (graph !== undefined) return `graph: ${graph}`;
  if (!Buffer.from(result.memory).equals(Buffer.from(sampleMemory()))) return 'memory differs';
  if (!Buffer.from(result.blob).equals(Buffer.from(SAMPLE_BLOB))) return 'blob differs';
  return undefined;
}

async function expectError(bytes: Uint8Array, check: (error: unknown) => boolean, what: string, key?: Uint8Array): Promise<void> {
  try {
    await readEverything(bytes, key);
  } catch (error) {
    if (check(error)) return;
    throw new Error(`${what}: got ${String(error)}`);
  }
  throw new Error(`${what}: got success, want an error`);
}

const Reader = suite('ImageReader');

Reader('reads back exactly what was written', async () => {
  assert.is(sameAsSample(await readEverything(plainImage)), undefined);
  assert.is(sameAsSample(await readEverything(keyedImage, KEY)), undefined);
});

Reader('opens an image by reading its index only', async () => {
  const big = await writeImageBytes(async (writer) => {
    await writer.addGraph('kernel', { labels: 'small' });
    await writer.addMemory('memory', new Uint8Array(64 * 65536).fill(1));
  });
  let bytesRead = 0;
  const inner = new BytesSource(big);
  const counting: ByteSource = {
    path: inner.path,
    size: inner.size,
    readInto: (position, target) => {
      bytesRead += target.byteLength;
      return inner.readInto(position, target);
    },
    close: () => inner.close(),
  };
  const reader = await ImageReader.fromSource(counting);
  assert.is(reader.metadata.labels['container'], 'c1');
  assert.is(reader.memoryInfo('memory').pages, 64);
  assert.ok(bytesRead < 2048, `ImageReader.fromSource(${big.byteLength}-byte image): read ${bytesRead} bytes, want the index only`);
  await reader.close();
});

Reader('refuses an authenticated image without its key, with another key, and a key for an image without one', async () => {
  await expectError(keyedImage, (error) => error instanceof AuthenticationError && error.reason === 'key-required', 'no key');
  await expectError(keyedImage, (error) => error instanceof AuthenticationError && error.reason === 'wrong-key-or-altered', 'wrong key', KEY.map((byte) => byte ^ 1));
  await expectError(plainImage, (error) => error instanceof AuthenticationError && error.reason === 'image-not-authenticated', 'key for a plain image', KEY);
});

Reader('refuses an authenticated image altered and resealed without the key', async () => {
  const forged = resealImage(keyedImage, { metadata: (metadata) => ({ ...metadata, labels: { container: 'evil' } }), flags: HeaderFlag.AUTHENTICATED, key: KEY.map((byte) => byte ^ 0xff) });
  await expectError(forged, (error) => error instanceof AuthenticationError && error.reason === 'wrong-key-or-altered', 'forged image', KEY);
  const stripped = resealImage(keyedImage, { flags: 0 });
  await expectError(stripped, (error) => error instanceof AuthenticationError && error.reason === 'image-not-authenticated', 'stripped authentication', KEY);
});

Reader('refuses a newer major version naming both versions, and a version never shipped', async () => {
  const newer = resealImage(plainImage, { major: FORMAT_VERSION.major + 1 });
  try {
    await ImageReader.fromBytes(newer);
    assert.unreachable('newer major opened');
  } catch (error) {
    assert.instance(error, UnsupportedVersionError);
    const { found, supported, message } = error as UnsupportedVersionError;
    assert.equal(found, { major: FORMAT_VERSION.major + 1, minor: FORMAT_VERSION.minor });
    assert.equal(supported, FORMAT_VERSION);
    assert.match(message, `${FORMAT_VERSION.major + 1}.${FORMAT_VERSION.minor}`);
    assert.match(message, `${FORMAT_VERSION.major}.${FORMAT_VERSION.minor}`);
  }
  await expectError(resealImage(plainImage, { major: 0 }), instanceOf(UnsupportedVersionError), 'major 0');
});

Reader('reads a newer minor version, skipping sections and fields it does not know', async () => {
  const newer = resealImage(plainImage, {
    minor: FORMAT_VERSION.minor + 1,
    metadata: (metadata) => ({ ...metadata, futureField: { x: 1 } }),
    append: { entry: { kind: 'future-kind', name: 'future', someField: 1 }, bytes: Uint8Array.of(1, 2, 3) },
  });
  assert.is(sameAsSample(await readEverything(newer)), undefined);
  const reader = await ImageReader.fromBytes(newer);
  assert.equal(
    reader.sections.map((section) => section.kind),
    ['graph', 'memory', 'blob', 'unknown'],
  );
  assert.equal(await reader.verify(), { sections: 4, storedBytes: reader.sections.reduce((sum, section) => sum + section.storedLength, 0) });
  await reader.close();
  const sameMinor = resealImage(plainImage, { append: { entry: { kind: 'future-kind', name: 'future' }, bytes: Uint8Array.of(1) } });
  await expectError(sameMinor, instanceOf(CorruptImageError), 'unknown section kind in the same minor');
});

Reader('refuses a file that is not an image, an empty one and a cut one', async () => {
  const elf = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Uint8Array(200));
  await expectError(elf, instanceOf(BadMagicError), 'ELF file');
  await expectError(new Uint8Array(0), instanceOf(TruncatedError), 'empty file');
  await expectError(plainImage.subarray(0, plainImage.byteLength - 1), instanceOf(TruncatedError), 'image missing its last byte');
  await expectError(plainImage.subarray(0, 40), instanceOf(TruncatedError), 'header only');
  await expectError(Buffer.concat([plainImage, Uint8Array.of(0)]), isStatefileError, 'image with a byte appended');
});

Reader('names the sections that exist when asked for one that does not', async () => {
  const reader = await ImageReader.fromBytes(plainImage);
  try {
    await reader.readGraph('memory');
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SectionNotFoundError);
    assert.match((error as Error).message, 'kernel');
  }
  assert.throws(() => reader.memoryInfo('kernel'), instanceOf(SectionNotFoundError));
  await reader.close();
});

Reader('refuses lengths above the limits before allocating', async () => {
  await rejects(ImageReader.fromBytes(plainImage, { limits: { maxMetadataBytes: 10 } }), instanceOf(LimitExceededError));
  const reader = await ImageReader.fromBytes(plainImage, { limits: { maxGraphBytes: 10, maxBlobBytes: 4, maxMemoryBytes: 65536, maxGraphNodes: 2 } });
  await rejects(reader.readGraph('kernel'), (error: unknown) => error instanceof LimitExceededError && error.limit === 'maxGraphNodes');
  await rejects(reader.readBlob('module'), (error: unknown) => error instanceof LimitExceededError && error.limit === 'maxBlobBytes');
  await rejects(reader.readMemoryInto('memory', new Uint8Array(3 * 65536)), (error: unknown) => error instanceof LimitExceededError && error.limit === 'maxMemoryBytes');
  await reader.close();
  // A crafted table (valid checksums) that claims a 1 PiB graph: refused by the limit, not by an allocation failure.
  const huge = resealImage(plainImage, {
    table: ({ sections }) => ({ sections: sections.map((section) => (section['kind'] === 'graph' ? { ...section, compression: 'deflate', byteLength: 2 ** 50 } : section)) }),
  });
  await expectError(huge, (error) => error instanceof LimitExceededError && error.limit === 'maxGraphBytes', '1 PiB graph');
});

Reader('reports damage to a section when that section is read', async () => {
  const damaged = Uint8Array.from(plainImage);
  const reader = await ImageReader.fromBytes(plainImage);
  const blob = reader.section('module')!;
  await reader.close();
  damaged[blob.offset]! ^= 1;
  const damagedReader = await ImageReader.fromBytes(damaged);
  assert.ok((await damagedReader.readGraph('kernel')) !== undefined);
  await rejects(damagedReader.readBlob('module'), (error: unknown) => error instanceof ChecksumMismatchError && error.algorithm === 'crc32');
  assert.is(damagedReader.checksumState('module'), 'mismatch');
  assert.is(damagedReader.checksumState('kernel'), 'ok');
  await damagedReader.close();
});

Reader.run();

const ReaderProperties = suite('ImageReader properties');

// Every byte of an image is covered by a checksum or checked for its only valid value, so any flip
// must make some read fail; a truncation must fail at open.
ReaderProperties('a flipped image never reads as valid (10^4 cases with the truncations below)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
      async (keyed, flips) => {
        const image = Uint8Array.from(keyed ? keyedImage : plainImage);
        for (const [at, mask] of flips) image[at % image.length]! ^= mask;
        const touched = new Set(flips.map(([at]) => at % image.length));
        if ([...touched].every((at) => image[at] === (keyed ? keyedImage : plainImage)[at])) return;
        await expectError(image, isStatefileError, `flips ${JSON.stringify(flips)}`, keyed ? KEY : undefined);
      },
    ),
    { numRuns: 7000 },
  );
});

ReaderProperties('a truncated image is refused with a typed error', async () => {
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.nat(), async (keyed, cut) => {
      const image = keyed ? keyedImage : plainImage;
      await expectError(image.subarray(0, cut % image.byteLength), isStatefileError, `cut at ${cut % image.byteLength}`, keyed ? KEY : undefined);
    }),
    { numRuns: 2000 },
  );
});

ReaderProperties('a cut and overwritten image gives a typed error or the exact original', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), async (at, patch, cut) => {
      const image = Uint8Array.from(plainImage);
      image.set(patch.subarray(0, image.byteLength - (at % image.byteLength)), at % image.byteLength);
      const length = image.byteLength - (cut % 3 === 0 ? cut % image.byteLength : 0);
      try {
        const difference = sameAsSample(await readEverything(image.subarray(0, length)));
        if (difference !== undefined) throw new Error(`patch at ${at % image.byteLength}: read wrong data (${difference})`);
      } catch (error) {
        if (!isStatefileError(error)) throw error;
      }
    }),
    { numRuns: 1000 },
  );
});

ReaderProperties.run();
