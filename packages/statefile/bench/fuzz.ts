// The long fuzz run of the reader (the test suite runs 10^4 cases; this runs as many as fit in the
// time given). Four mutators, each checked against "a typed error or the exact original":
//
//   flip      random byte flips of a valid image (must always fail: every byte is covered)
//   cut       truncation, optionally with bytes overwritten (typed error or the exact original)
//   reseal    random bytes changed anywhere in the data region, then every section checksum and the
//             index seal recomputed, as a hostile writer would: reaches the decoders and the
//             structural checks behind the checksums (typed error or some value, never a crash)
//   table     random edits of the section table and metadata JSON, resealed (same)
//
// Memory use is watched: a case that makes the process grow past the bound fails the run.
//
//   pnpm fuzz                          # 60 seconds
//   pnpm fuzz -- --seconds 600 --seed 42

import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { crc32, sha256, toHex } from '../src/checksum.js';
import { isStatefileError } from '../src/errors.js';
import { ImageReader } from '../src/reader.js';
import { findGraphDifference } from '../src/testing/graph-difference.js';
import { resealImage, writeImageBytes } from '../src/testing/images.js';
import { HEADER, HeaderFlag, TRAILER } from '../src/v1/layout.js';

const { values } = parseArgs({ args: process.argv.slice(2).filter((argument) => argument !== '--'), options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' } } });
const deadline = Date.now() + Number(values.seconds) * 1000;
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const MAX_RSS = 1.5 * 2 ** 30;
const KEY = Uint8Array.from({ length: 32 }, (_, index) => 255 - index);

function sampleGraph(): unknown {
  const shared = { offset: 1n << 40n, name: 'shared' };
  const root: Record<string, unknown> = { list: [shared, shared, new Map([[shared, new Set([1, 'two'])]])], bytes: Uint8Array.of(1, 2, 3) };
  root['self'] = root;
  return root;
}

function sampleMemory(): Uint8Array {
  const memory = new Uint8Array(3 * 65536 + 123);
  for (let index = 0; index < memory.length; index += 97) memory[index] = index % 251;
  memory.fill(0, 65536, 2 * 65536);
  return memory;
}

const images = await Promise.all(
  [{ compression: 'none' as const }, { compression: 'deflate' as const }, { compression: 'brotli' as const, key: KEY }].map(async (options) => ({
    key: options.key,
    bytes: await writeImageBytes(
      async (writer) => {
        await writer.addGraph('kernel', sampleGraph());
        await writer.addMemory('memory', sampleMemory());
        await writer.addBlob('module', Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
      },
      options,
    ),
  })),
);

async function readEverything(bytes: Uint8Array, key: Uint8Array | undefined) {
  const reader = await ImageReader.fromBytes(bytes, key === undefined ? {} : { key });
  try {
    const graph = await reader.readGraph('kernel', { unknownRecords: 'keep' });
    const memory = new Uint8Array(Math.min(reader.memoryInfo('memory').byteLength, 1 << 20));
    await reader.readMemoryInto('memory', memory);
    return { graph, memory, blob: await reader.readBlob('module'), verified: await reader.verify() };
  } finally {
    await reader.close();
  }
}

function isOriginal(result: Awaited<ReturnType<typeof readEverything>>): boolean {
  return findGraphDifference(result.graph, sampleGraph()) === undefined && Buffer.from(result.memory).equals(Buffer.from(sampleMemory()));
}

type Outcome = 'error' | 'original' | 'other';

async function outcome(bytes: Uint8Array, key: Uint8Array | undefined): Promise<Outcome> {
  let ending: Outcome;
  try {
    ending = isOriginal(await readEverything(bytes, key)) ? 'original' : 'other';
  } catch (error) {
    if (!isStatefileError(error)) throw new Error(`untyped failure: ${error instanceof Error ? error.stack : String(error)}`);
    lastError = error.name;
    ending = 'error';
  }
  if (process.memoryUsage().rss > MAX_RSS) throw new Error(`memory grew to ${process.memoryUsage().rss} bytes`);
  return ending;
}

// Recomputes every section's CRC-32 and SHA-256 (a memory section's over its extent index) and seals the index again.
function resealSections(bytes: Uint8Array, key: Uint8Array | undefined): Uint8Array {
  return resealImage(bytes, {
    ...(key === undefined ? {} : { key, flags: HeaderFlag.AUTHENTICATED }),
    table: ({ sections }) => ({
      sections: sections.map((section) => {
        const offset = section['offset'];
        const storedLength = section['storedLength'];
        if (typeof offset !== 'number' || typeof storedLength !== 'number' || offset < 0 || offset + storedLength > bytes.byteLength) return section;
        const indexLength = section['kind'] === 'memory' && typeof section['extentCount'] === 'number' ? section['extentCount'] * 64 : storedLength;
        const covered = bytes.subarray(offset + storedLength - indexLength, offset + storedLength);
        return { ...section, crc32: crc32(covered), sha256: toHex(sha256(covered)) };
      }),
    }),
  });
}

function dataRegion(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = HEADER.BYTES + view.getUint32(HEADER.METADATA_LENGTH_OFFSET, true);
  const end = Number(view.getBigUint64(bytes.byteLength - TRAILER.BYTES + TRAILER.TABLE_OFFSET_OFFSET, true));
  return [start, end];
}

const jsonEdit = fc.oneof(
  fc.constant((value: unknown) => (typeof value === 'number' ? value + 1 : value)),
  fc.constant((value: unknown) => (typeof value === 'number' ? value * 2 ** 20 : value)),
  fc.constant((value: unknown) => (typeof value === 'number' ? -value : value)),
  fc.constant(() => undefined),
  fc.constant(() => 'x'),
  fc.constant(() => 2 ** 53),
  fc.constant(() => ({})),
);

const counts = { flip: 0, cut: 0, reseal: 0, table: 0 };
// How each mutator's cases ended: a typed error (and which), the original, or another value.
const endings = new Map<string, number>();
const tally = async (mutator: string, result: Promise<Outcome>): Promise<Outcome> => {
  const ending = await result;
  const key = `${mutator} ${ending === 'error' ? `error ${lastError}` : ending}`;
  endings.set(key, (endings.get(key) ?? 0) + 1);
  return ending;
};
let lastError = '';
function runner<Values extends unknown[]>(property: fc.IAsyncProperty<Values>): (seed: number) => Promise<void> {
  return (runSeed) => fc.assert(property, { numRuns: 500, seed: runSeed, endOnFailure: true });
}

const properties = {
  flip: runner(fc.asyncProperty(fc.nat(images.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), async (which, flips) => {
    const { bytes, key } = images[which]!;
    const mutated = Uint8Array.from(bytes);
    for (const [at, mask] of flips) mutated[at % mutated.length]! ^= mask;
    counts.flip++;
    if (mutated.every((byte, index) => byte === bytes[index])) return;
    if ((await tally('flip', outcome(mutated, key))) !== 'error') throw new Error('a flipped image read as valid');
  })),
  cut: runner(fc.asyncProperty(fc.nat(images.length - 1), fc.nat(), fc.uint8Array({ maxLength: 16 }), fc.nat(), async (which, cut, patch, at) => {
    const { bytes, key } = images[which]!;
    const mutated = Uint8Array.from(bytes.subarray(0, bytes.length - (cut % bytes.length)));
    if (mutated.length > 0) mutated.set(patch.subarray(0, mutated.length - (at % mutated.length)), at % mutated.length);
    counts.cut++;
    if ((await tally('cut', outcome(mutated, key))) === 'other') throw new Error('a damaged image read as different data');
  })),
  reseal: runner(fc.asyncProperty(fc.nat(images.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }), async (which, writes) => {
    const { bytes, key } = images[which]!;
    const [start, end] = dataRegion(bytes);
    const mutated = Uint8Array.from(bytes);
    for (const [at, value] of writes) mutated[start + (at % (end - start))] = value;
    counts.reseal++;
    await tally('reseal', outcome(resealSections(mutated, key), key));
  })),
  table: runner(fc.asyncProperty(fc.nat(images.length - 1), fc.nat(), fc.nat(), jsonEdit, async (which, sectionPick, fieldPick, edit) => {
    const { bytes, key } = images[which]!;
    counts.table++;
    const edited = resealImage(bytes, {
      ...(key === undefined ? {} : { key, flags: HeaderFlag.AUTHENTICATED }),
      table: ({ sections }) => {
        const section = sections[sectionPick % sections.length]!;
        const fields = Object.keys(section);
        const field = fields[fieldPick % fields.length]!;
        return { sections: sections.map((entry) => (entry === section ? { ...entry, [field]: edit(entry[field]) } : entry)) };
      },
    });
    await tally('table', outcome(edited, key));
  })),
};

let round = 0;
console.log(`fuzzing for ${values.seconds} s, seed ${seed}`);
while (Date.now() < deadline) {
  for (const [name, run] of Object.entries(properties)) {
    await run(seed + round).catch((error: unknown) => {
      console.error(`${name} failed (replay with --seed ${seed} ; round ${round}):`, error);
      process.exit(1);
    });
  }
  round++;
}
console.log(`no failure in ${Object.values(counts).reduce((sum, count) => sum + count, 0)} cases:`, counts);
for (const [ending, count] of [...endings].sort()) console.log(`  ${ending.padEnd(40)} ${count}`);
