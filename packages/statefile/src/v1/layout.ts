// Format 1 byte layout: the fixed header, the trailer and the memory extent record, as offset
// tables. FORMAT.md draws the same layout; the two must agree.

import { MAGIC, VERSION_OFFSET } from '../header.js';

/** HEADER is the fixed header at offset 0, little-endian. */
export const HEADER = {
  MAGIC_OFFSET: 0,
  MAJOR_OFFSET: VERSION_OFFSET,
  MINOR_OFFSET: VERSION_OFFSET + 2,
  FLAGS_OFFSET: 16,
  METADATA_LENGTH_OFFSET: 20,
  RESERVED_OFFSET: 24,
  BYTES: 32,
} as const;

/** HeaderFlag holds the bits of the header's flags word. */
export const HeaderFlag = {
  /** The trailer carries an HMAC-SHA256 of the index under the writer's key. */
  AUTHENTICATED: 1,
} as const;

/** KNOWN_FLAGS are the flag bits format 1.0 defines; others must be zero in a 1.0 image. */
export const KNOWN_FLAGS = HeaderFlag.AUTHENTICATED;

/** TRAILER_MAGIC opens the trailer: "\x89STASEND". A file that does not end with a trailer was cut short. */
export const TRAILER_MAGIC = Uint8Array.of(0x89, 0x53, 0x54, 0x41, 0x53, 0x45, 0x4e, 0x44);

/** TRAILER is the fixed trailer at the end of the file, little-endian. */
export const TRAILER = {
  MAGIC_OFFSET: 0,
  TABLE_OFFSET_OFFSET: 8,
  FILE_LENGTH_OFFSET: 16,
  TABLE_LENGTH_OFFSET: 24,
  /** Everything before this offset is part of the index bytes the checksums cover. */
  COVERED_BYTES: 28,
  INDEX_CRC32_OFFSET: 28,
  INDEX_DIGEST_OFFSET: 32,
  INDEX_MAC_OFFSET: 64,
  BYTES: 96,
} as const;

/** PAGE_SIZE is the memory page: WebAssembly's 64 KiB. */
export const PAGE_SIZE = 65536;

/** MAX_EXTENT_PAGES bounds an extent, and extents never cross a multiple of it, so that an unchanged region has the same extents in a parent and a child image. */
export const MAX_EXTENT_PAGES = 16;

/** ExtentStorage says where an extent's bytes are. */
export const ExtentStorage = {
  /** In this image, at the extent's stored offset. */
  INLINE: 0,
  /** In the parent image: the extent with the same first page and content hash. */
  PARENT: 1,
} as const;

/** EXTENT is one 64-byte record of a memory section's extent index, little-endian. */
export const EXTENT = {
  FIRST_PAGE_OFFSET: 0,
  PAGE_COUNT_OFFSET: 4,
  STORED_OFFSET_OFFSET: 8,
  STORED_LENGTH_OFFSET: 16,
  CRC32_OFFSET: 20,
  STORAGE_OFFSET: 24,
  COMPRESSION_OFFSET: 25,
  RESERVED_OFFSET: 26,
  RESERVED_BYTES: 6,
  SHA256_OFFSET: 32,
  BYTES: 64,
} as const;

/** MAX_SECTION_NAME_LENGTH bounds a section name. */
export const MAX_SECTION_NAME_LENGTH = 256;

export { MAGIC };
