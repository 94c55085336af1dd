// Format 1 index: the fixed header, the metadata, the section table and the trailer that seals
// them. The index bytes (header, metadata, table and the trailer up to its checksums) are covered by
// a CRC-32, a SHA-256 digest and, with a key, an HMAC-SHA256, all in the trailer; the table holds
// each section's digest, and each memory section's extent index each extent's digest, so that the
// index digest (and the HMAC) chain to every byte of the image.

import { crc32, crcHex, equalBytes, hmacSha256, SHA256_BYTES, sha256, toHex } from '../checksum.js';
import { AuthenticationError, ChecksumMismatchError, CorruptImageError, type FormatVersion, TruncatedError } from '../errors.js';
import { FORMAT_VERSION } from '../header.js';
import type { ImageIndex, Section } from '../image-index.js';
import { checkLimit, type Limits } from '../limits.js';
import { ImageMetadataSchema } from '../metadata.js';
import { type ByteSource, readFresh } from '../source.js';
import { HEADER, HeaderFlag, KNOWN_FLAGS, MAGIC, TRAILER, TRAILER_MAGIC } from './layout.js';
import { parseSectionTableV1 } from './section-table.js';

/** encodeHeaderV1 is the fixed header of a format 1 image. */
export function encodeHeaderV1(format: FormatVersion, flags: number, metadataLength: number): Uint8Array {
  const header = new Uint8Array(HEADER.BYTES);
  const view = new DataView(header.buffer);
  header.set(MAGIC, HEADER.MAGIC_OFFSET);
  view.setUint16(HEADER.MAJOR_OFFSET, format.major, true);
  view.setUint16(HEADER.MINOR_OFFSET, format.minor, true);
  view.setUint32(HEADER.FLAGS_OFFSET, flags, true);
  view.setUint32(HEADER.METADATA_LENGTH_OFFSET, metadataLength, true);
  return header;
}

/** IndexParts are the index bytes in file order, without the trailer. */
export interface IndexParts {
  readonly header: Uint8Array;
  readonly metadata: Uint8Array;
  readonly table: Uint8Array;
}

function coveredCrc(parts: IndexParts, covered: Uint8Array): number {
  return crc32(covered, crc32(parts.table, crc32(parts.metadata, crc32(parts.header))));
}

/** encodeTrailerV1 is the trailer that seals `parts`, placed with the table at `tableOffset`; with `key`, it carries their HMAC. */
export function encodeTrailerV1(parts: IndexParts, tableOffset: number, key: Uint8Array | undefined): Uint8Array {
  const trailer = new Uint8Array(TRAILER.BYTES);
  const view = new DataView(trailer.buffer);
  trailer.set(TRAILER_MAGIC, TRAILER.MAGIC_OFFSET);
  view.setBigUint64(TRAILER.TABLE_OFFSET_OFFSET, BigInt(tableOffset), true);
  view.setBigUint64(TRAILER.FILE_LENGTH_OFFSET, BigInt(tableOffset + parts.table.byteLength + TRAILER.BYTES), true);
  view.setUint32(TRAILER.TABLE_LENGTH_OFFSET, parts.table.byteLength, true);
  const covered = trailer.subarray(0, TRAILER.COVERED_BYTES);
  view.setUint32(TRAILER.INDEX_CRC32_OFFSET, coveredCrc(parts, covered), true);
  trailer.set(sha256(parts.header, parts.metadata, parts.table, covered), TRAILER.INDEX_DIGEST_OFFSET);
  if (key !== undefined) trailer.set(hmacSha256(key, [parts.header, parts.metadata, parts.table, covered]), TRAILER.INDEX_MAC_OFFSET);
  return trailer;
}

/** ReadIndexOptions configure how an index is read and authenticated. */
export interface ReadIndexOptions {
  readonly key: Uint8Array | undefined;
  readonly limits: Limits;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(path: string, what: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch (error) {
    throw new CorruptImageError(path, `the ${what} is not UTF-8 JSON`, { cause: error });
  }
}

function readLength(view: DataView, offset: number): number {
  const value = view.getBigUint64(offset, true);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

/** readIndexV1 reads, checks and authenticates the index of a format 1 image; `prefix` is the first HEADER.BYTES bytes (or all, if fewer). */
export async function readIndexV1(source: ByteSource, prefix: Uint8Array, format: FormatVersion, options: ReadIndexOptions): Promise<ImageIndex> {
  const { path, size } = source;
  const { limits, key } = options;
  if (size < HEADER.BYTES + TRAILER.BYTES) throw new TruncatedError(path, 'the header and trailer', HEADER.BYTES + TRAILER.BYTES, size);
  const header = prefix.slice(0, HEADER.BYTES);
  const headerView = new DataView(header.buffer);
  const flags = headerView.getUint32(HEADER.FLAGS_OFFSET, true);
  const metadataLength = headerView.getUint32(HEADER.METADATA_LENGTH_OFFSET, true);
  const corrupt = (detail: string): never => {
    throw new CorruptImageError(path, detail);
  };

  // The trailer first: if the file was cut short, its end is not a trailer, and that is the error
  // to report whatever else the damaged header says.
  const trailer = await readFresh(source, size - TRAILER.BYTES, TRAILER.BYTES);
  const trailerView = new DataView(trailer.buffer);
  if (!equalBytes(trailer.subarray(0, TRAILER_MAGIC.length), TRAILER_MAGIC)) throw new TruncatedError(path, 'the trailer that ends every image (cut short, or bytes appended after it)', undefined, size);
  const fileLength = readLength(trailerView, TRAILER.FILE_LENGTH_OFFSET);
  if (fileLength > size) throw new TruncatedError(path, 'the image', fileLength, size);
  if (fileLength < size) corrupt(`${size - fileLength} bytes follow the end of the image`);
  const tableOffset = readLength(trailerView, TRAILER.TABLE_OFFSET_OFFSET);
  const tableLength = trailerView.getUint32(TRAILER.TABLE_LENGTH_OFFSET, true);
  const dataStart = HEADER.BYTES + metadataLength;
  checkLimit(limits, 'maxMetadataBytes', 'the metadata length', metadataLength);
  checkLimit(limits, 'maxTableBytes', 'the section table length', tableLength);
  if (dataStart > tableOffset || tableOffset + tableLength + TRAILER.BYTES !== size) {
    corrupt(`the metadata (${metadataLength} bytes), the table (${tableLength} bytes at ${tableOffset}) and the file (${size} bytes) do not fit together`);
  }

  const metadata = await readFresh(source, HEADER.BYTES, metadataLength);
  const table = await readFresh(source, tableOffset, tableLength);
  const parts = { header, metadata, table };
  const covered = trailer.subarray(0, TRAILER.COVERED_BYTES);
  const storedCrc = trailerView.getUint32(TRAILER.INDEX_CRC32_OFFSET, true);
  const actualCrc = coveredCrc(parts, covered);
  if (storedCrc !== actualCrc) throw new ChecksumMismatchError(path, 'index (header, metadata and section table)', 'crc32', crcHex(storedCrc), crcHex(actualCrc));
  const storedDigest = trailer.subarray(TRAILER.INDEX_DIGEST_OFFSET, TRAILER.INDEX_DIGEST_OFFSET + SHA256_BYTES);
  const actualDigest = sha256(header, metadata, table, covered);
  if (!equalBytes(storedDigest, actualDigest)) {
    throw new ChecksumMismatchError(path, 'index (header, metadata and section table)', 'sha256', toHex(storedDigest), toHex(actualDigest));
  }
  const storedMac = trailer.subarray(TRAILER.INDEX_MAC_OFFSET, TRAILER.INDEX_MAC_OFFSET + SHA256_BYTES);
  const authenticated = (flags & HeaderFlag.AUTHENTICATED) !== 0;
  if (authenticated) {
    if (key === undefined) throw new AuthenticationError(path, 'key-required');
    if (!equalBytes(storedMac, hmacSha256(key, [header, metadata, table, covered]))) throw new AuthenticationError(path, 'wrong-key-or-altered');
  } else {
    if (storedMac.some((byte) => byte !== 0)) corrupt('an image without authentication carries an authentication code');
    if (key !== undefined) throw new AuthenticationError(path, 'image-not-authenticated');
  }

  // From here on the index is intact (and, with a key, authentic): what fails now is a writer's
  // bug or a crafted file, never damage.
  const newerMinor = format.minor > FORMAT_VERSION.minor;
  if (!newerMinor && (flags & ~KNOWN_FLAGS) !== 0) corrupt(`unknown header flags 0x${flags.toString(16)}`);
  if (header.subarray(HEADER.RESERVED_OFFSET, HEADER.BYTES).some((byte) => byte !== 0)) corrupt('reserved header bytes are not zero');
  const metadataResult = ImageMetadataSchema.safeParse(parseJson(path, 'metadata', metadata));
  if (!metadataResult.success) {
    const issue = metadataResult.error.issues[0];
    corrupt(`metadata: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
  }
  const sections: Section[] = parseSectionTableV1(
    parseJson(path, 'section table', table),
    { path, format, dataStart, tableOffset, limits },
    FORMAT_VERSION.minor,
  );
  return { format, authenticated, metadata: metadataResult.data!, sections, digest: toHex(actualDigest), fileBytes: size };
}
