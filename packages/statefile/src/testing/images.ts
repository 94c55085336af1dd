// Test support for images: temporary directories, images written to bytes, and resealImage, which
// edits an image's index (metadata, table, version, flags, extra sections) and seals it again with
// valid checksums, to build the crafted images a hostile writer could make.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, sha256, toHex } from '../checksum.js';
import { HEADER, TRAILER } from '../v1/layout.js';
import { encodeTrailerV1 } from '../v1/index-codec.js';
import { ImageWriter, type WriterOptions } from '../writer.js';

/** withTemporaryDirectory runs `work` with a fresh directory and removes it afterwards. */
export async function withTemporaryDirectory<Result>(work: (directory: string) => Promise<Result>): Promise<Result> {
  const directory = await mkdtemp(join(tmpdir(), 'stasis-statefile-'));
  try {
    return await work(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** TEST_METADATA is the metadata of test images. */
export const TEST_METADATA = { producer: 'statefile-test', producerVersion: '0.0.0', labels: { container: 'c1' }, createdAt: new Date('2026-11-28T00:00:00Z') };

/** writeImageBytes writes an image with `build` in a temporary directory and returns its bytes. */
export async function writeImageBytes(build: (writer: ImageWriter) => Promise<void>, options: Partial<WriterOptions> = {}): Promise<Uint8Array> {
  return withTemporaryDirectory(async (directory) => {
    const writer = await ImageWriter.create(join(directory, 'image'), { metadata: TEST_METADATA, ...options });
    await build(writer);
    const { path } = await writer.commit();
    return new Uint8Array(await readFile(path));
  });
}

type Json = Record<string, unknown>;

/** IndexEdit says how resealImage changes an image. */
export interface IndexEdit {
  readonly metadata?: (metadata: Json) => Json;
  readonly table?: (table: { sections: Json[] }) => { sections: Json[] };
  readonly major?: number;
  readonly minor?: number;
  readonly flags?: number;
  /** The key to seal with (the image's flags must say authenticated). */
  readonly key?: Uint8Array;
  /** A section to append: its table entry (without offset, storedLength, crc32, sha256) and its bytes. */
  readonly append?: { readonly entry: Json; readonly bytes: Uint8Array };
}

/** resealImage applies `edit` to a format 1 image and seals the result with valid checksums (and an HMAC with `edit.key`). */
export function resealImage(image: Uint8Array, edit: IndexEdit): Uint8Array {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const metadataLength = view.getUint32(HEADER.METADATA_LENGTH_OFFSET, true);
  const dataStart = HEADER.BYTES + metadataLength;
  const trailerAt = image.byteLength - TRAILER.BYTES;
  const tableOffset = Number(view.getBigUint64(trailerAt + TRAILER.TABLE_OFFSET_OFFSET, true));
  const tableLength = view.getUint32(trailerAt + TRAILER.TABLE_LENGTH_OFFSET, true);
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const metadataJson = JSON.parse(decoder.decode(image.subarray(HEADER.BYTES, dataStart))) as Json;
  const metadata = encoder.encode(JSON.stringify(edit.metadata?.(metadataJson) ?? metadataJson));
  const shift = metadata.byteLength - metadataLength;
  let table = JSON.parse(decoder.decode(image.subarray(tableOffset, tableOffset + tableLength))) as { sections: Json[] };
  for (const section of table.sections) section['offset'] = (section['offset'] as number) + shift;
  let data = image.subarray(dataStart, tableOffset);
  if (edit.append !== undefined) {
    const { bytes, entry } = edit.append;
    table.sections.push({ ...entry, offset: HEADER.BYTES + metadata.byteLength + data.byteLength, storedLength: bytes.byteLength, crc32: crc32(bytes), sha256: toHex(sha256(bytes)) });
    data = Buffer.concat([data, bytes]);
  }
  table = edit.table?.(table) ?? table;
  const tableBytes = encoder.encode(JSON.stringify(table));
  const header = image.slice(0, HEADER.BYTES);
  const headerView = new DataView(header.buffer);
  headerView.setUint32(HEADER.METADATA_LENGTH_OFFSET, metadata.byteLength, true);
  if (edit.major !== undefined) headerView.setUint16(HEADER.MAJOR_OFFSET, edit.major, true);
  if (edit.minor !== undefined) headerView.setUint16(HEADER.MINOR_OFFSET, edit.minor, true);
  if (edit.flags !== undefined) headerView.setUint32(HEADER.FLAGS_OFFSET, edit.flags, true);
  const newTableOffset = HEADER.BYTES + metadata.byteLength + data.byteLength;
  const trailer = encodeTrailerV1({ header, metadata, table: tableBytes }, newTableOffset, edit.key);
  return Buffer.concat([header, metadata, data, tableBytes, trailer]);
}

/** readImageFile reads the image file in `directory`. */
export async function readImageFile(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}
