// @stasis/statefile: the versioned Stasis checkpoint image format. It knows nothing of the sentry.
//
// An image directory holds one file, checkpoint.img (format 1.0, all integers little-endian; the
// byte-by-byte layout is in FORMAT.md):
//
//   offset 0       +--------------------------------------------------------------+
//                  | header (32 bytes)                                             |
//                  |   magic "\x89STASIS\r\n\x1a\n\0" (12) | major u16 | minor u16 |
//                  |   flags u32 (bit 0: authenticated) | metadata length u32      |
//                  |   reserved (8, zero)                                          |
//   32             +--------------------------------------------------------------+
//                  | metadata: JSON {producer, producerVersion, createdAt, labels} |
//   data start     +--------------------------------------------------------------+
//                  | section 0 | section 1 | ... (contiguous, in table order)      |
//                  |   graph:  CBOR node table (optionally compressed)             |
//                  |   blob:   bytes (optionally compressed)                       |
//                  |   memory: extent payloads, then the extent index              |
//                  |           (64-byte records: pages, storage, CRC-32, SHA-256)  |
//   table offset   +--------------------------------------------------------------+
//                  | section table: JSON {sections: [{name, kind, offset,          |
//                  |   storedLength, crc32, sha256, ...kind fields}]}              |
//   end - 96       +--------------------------------------------------------------+
//                  | trailer (96 bytes)                                            |
//                  |   magic "\x89STASEND" (8) | table offset u64 | file length u64|
//                  |   table length u32 | index CRC-32 u32                         |
//                  |   index SHA-256 (32) | index HMAC-SHA256 or zeros (32)        |
//   end            +--------------------------------------------------------------+
//
// The index is the header, the metadata, the table and the trailer's first 28 bytes; its SHA-256
// is the image digest, and with a key its HMAC authenticates it. The table holds each section's
// CRC-32 and SHA-256, and a memory section's extent index each extent's, so the index digest
// chains to every byte while each section can be read (and checked) alone.

export { type Compression, COMPRESSIONS, isCompressionAvailable } from './compression.js';
export {
  AuthenticationError,
  type AuthenticationFailure,
  BadMagicError,
  type ChecksumAlgorithm,
  ChecksumMismatchError,
  CompressionUnavailableError,
  CorruptImageError,
  type FormatVersion,
  GraphDecodeError,
  GraphEncodeError,
  ImageExistsError,
  ImageNotFoundError,
  ImageWriteError,
  InvalidArgumentError,
  InvalidStateError,
  isStatefileError,
  LimitExceededError,
  ParentMismatchError,
  RecordUpgradeError,
  RecordVersionError,
  SectionNotFoundError,
  StatefileError,
  StatefileErrorCode,
  TruncatedError,
  UnknownRecordTypeError,
  UnsupportedVersionError,
} from './errors.js';
export { type DecodeGraphOptions, decodeGraph } from './graph/decode.js';
export { type DumpGraphOptions, dumpGraphBytes, type GraphDump, type GraphDumpNode, type GraphDumpValue } from './graph/dump.js';
export { type EncodedGraph, type EncodeGraphOptions, encodeGraph } from './graph/encode.js';
export {
  type RecordClass,
  type RecordDefinition,
  type RecordFields,
  RecordRegistry,
  type RecordUpgrade,
  UnknownRecord,
} from './graph/records.js';
export { FORMAT_HISTORY, FORMAT_VERSION, MAGIC } from './header.js';
export { IMAGE_FILE_NAME, imageFilePath, isImageDirectory } from './image-directory.js';
export type { BlobSection, GraphSection, ImageIndex, MemorySection, ParentLink, Section, SectionKind, UnknownSection } from './image-index.js';
export { inspectImage, type ImageInspection, type InspectOptions, type SectionInspection } from './inspect.js';
export { MIN_KEY_BYTES } from './key.js';
export { DEFAULT_LIMITS, type Limits } from './limits.js';
export type { MemorySource, WebAssemblyMemoryLike } from './memory/memory-view.js';
export type { ReadMemoryOptions } from './memory/read-memory.js';
export type { ImageMetadata, MetadataInput } from './metadata.js';
export { type ChecksumState, ImageReader, type MemoryInfo, type ReaderOptions, type VerifyResult } from './reader.js';
export type { ByteSource } from './source.js';
export type { Extent } from './v1/extent-index.js';
export { PAGE_SIZE } from './v1/layout.js';
export {
  type CommitResult,
  type GraphSectionOptions,
  ImageWriter,
  type MemorySectionOptions,
  type ParentRef,
  type SectionOptions,
  type WriteProgress,
  type WriterOptions,
} from './writer.js';
