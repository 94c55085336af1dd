// The extent index that ends a format 1 memory section: one 64-byte record per extent (a run of
// non-zero pages), in page order, each with the content's SHA-256 and, for an extent stored here,
// where its (possibly compressed) bytes are and their CRC-32.

import { type Compression, COMPRESSIONS, compressionFromCode } from '../compression.js';
import { CorruptImageError } from '../errors.js';
import type { MemorySection } from '../image-index.js';
import { EXTENT, ExtentStorage, MAX_EXTENT_PAGES } from './layout.js';

/** Extent is one run of non-zero pages of a memory section. */
export interface Extent {
  readonly firstPage: number;
  readonly pageCount: number;
  /** Where the bytes are: in this image, or in the parent image's extent with the same first page and digest. */
  readonly storage: 'inline' | 'parent';
  readonly compression: Compression;
  /** The file offset of the stored bytes (0 for a parent extent); the index stores it relative to the section, so sections can move. */
  readonly storedOffset: number;
  readonly storedLength: number;
  /** CRC-32 of the stored bytes of a compressed extent, checked before decompressing; 0 for an uncompressed or parent extent, whose SHA-256 covers its bytes. */
  readonly crc32: number;
  /** SHA-256 of the uncompressed content. */
  readonly sha256: Uint8Array;
}

/** extentContentLength is the byte length of an extent's content: its pages, cut at the memory's end. */
export function extentContentLength(extent: Pick<Extent, 'firstPage' | 'pageCount'>, byteLength: number, pageSize: number): number {
  return Math.min((extent.firstPage + extent.pageCount) * pageSize, byteLength) - extent.firstPage * pageSize;
}

/** encodeExtentIndex is the binary extent index of `extents`, which belong to the section at file offset `sectionOffset`. */
export function encodeExtentIndex(extents: readonly Extent[], sectionOffset: number): Uint8Array {
  const bytes = new Uint8Array(extents.length * EXTENT.BYTES);
  const view = new DataView(bytes.buffer);
  extents.forEach((extent, index) => {
    const at = index * EXTENT.BYTES;
    view.setUint32(at + EXTENT.FIRST_PAGE_OFFSET, extent.firstPage, true);
    view.setUint32(at + EXTENT.PAGE_COUNT_OFFSET, extent.pageCount, true);
    view.setBigUint64(at + EXTENT.STORED_OFFSET_OFFSET, BigInt(extent.storage === 'inline' ? extent.storedOffset - sectionOffset : 0), true);
    view.setUint32(at + EXTENT.STORED_LENGTH_OFFSET, extent.storedLength, true);
    view.setUint32(at + EXTENT.CRC32_OFFSET, extent.crc32, true);
    view.setUint8(at + EXTENT.STORAGE_OFFSET, extent.storage === 'inline' ? ExtentStorage.INLINE : ExtentStorage.PARENT);
    view.setUint8(at + EXTENT.COMPRESSION_OFFSET, COMPRESSIONS[extent.compression].code);
    bytes.set(extent.sha256, at + EXTENT.SHA256_OFFSET);
  });
  return bytes;
}

/** parseExtentIndex decodes and checks an extent index (already verified against the section's digest) of `section` in `path`. */
export function parseExtentIndex(bytes: Uint8Array, section: MemorySection, path: string): Extent[] {
  const corrupt = (index: number, detail: string): never => {
    throw new CorruptImageError(path, `memory section "${section.name}" extent ${index}: ${detail}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pages = Math.ceil(section.byteLength / section.pageSize);
  const payloadEnd = section.storedLength - bytes.byteLength;
  const extents: Extent[] = [];
  let nextPage = 0;
  let nextStored = 0;
  for (let index = 0; index < section.extentCount; index++) {
    const at = index * EXTENT.BYTES;
    const firstPage = view.getUint32(at + EXTENT.FIRST_PAGE_OFFSET, true);
    const pageCount = view.getUint32(at + EXTENT.PAGE_COUNT_OFFSET, true);
    const storedOffsetBig = view.getBigUint64(at + EXTENT.STORED_OFFSET_OFFSET, true);
    const storedLength = view.getUint32(at + EXTENT.STORED_LENGTH_OFFSET, true);
    const crc32 = view.getUint32(at + EXTENT.CRC32_OFFSET, true);
    const storageCode = view.getUint8(at + EXTENT.STORAGE_OFFSET);
    const compression = compressionFromCode(view.getUint8(at + EXTENT.COMPRESSION_OFFSET));
    const sha256 = bytes.slice(at + EXTENT.SHA256_OFFSET, at + EXTENT.SHA256_OFFSET + 32);
    if (bytes.subarray(at + EXTENT.RESERVED_OFFSET, at + EXTENT.RESERVED_OFFSET + EXTENT.RESERVED_BYTES).some((byte) => byte !== 0)) corrupt(index, 'reserved bytes are not zero');
    if (pageCount < 1 || pageCount > MAX_EXTENT_PAGES) corrupt(index, `${pageCount} pages (an extent has 1 to ${MAX_EXTENT_PAGES})`);
    if (firstPage < nextPage) corrupt(index, `page ${firstPage} overlaps or precedes the previous extent`);
    if (firstPage + pageCount > pages) corrupt(index, `pages ${firstPage}-${firstPage + pageCount - 1} run past the memory's ${pages} pages`);
    if (compression === undefined) corrupt(index, 'unknown compression code');
    nextPage = firstPage + pageCount;
    const contentLength = extentContentLength({ firstPage, pageCount }, section.byteLength, section.pageSize);
    if (storageCode === ExtentStorage.PARENT) {
      if (section.parent === undefined) corrupt(index, 'refers to a parent but the section has none');
      if (storedOffsetBig !== 0n || storedLength !== 0 || crc32 !== 0 || compression !== 'none') corrupt(index, 'a parent extent with stored bytes');
      extents.push({ firstPage, pageCount, storage: 'parent', compression: 'none', storedOffset: 0, storedLength: 0, crc32: 0, sha256 });
      continue;
    }
    if (storageCode !== ExtentStorage.INLINE) corrupt(index, `unknown storage ${storageCode}`);
    if (storedOffsetBig !== BigInt(nextStored)) corrupt(index, `stored at ${storedOffsetBig}, not at ${nextStored} where the previous extent ends`);
    if (compression === 'none' ? storedLength !== contentLength : storedLength === 0 || storedLength >= contentLength) {
      corrupt(index, `${storedLength} stored bytes for ${contentLength} bytes of ${compression} content`);
    }
    if (compression === 'none' && crc32 !== 0) corrupt(index, 'an uncompressed extent with a CRC-32 (its SHA-256 covers it)');
    nextStored += storedLength;
    if (nextStored > payloadEnd) corrupt(index, 'its stored bytes run into the extent index');
    const storedOffset = section.offset + nextStored - storedLength;
    extents.push({ firstPage, pageCount, storage: 'inline', compression: compression!, storedOffset, storedLength, crc32, sha256 });
  }
  if (nextStored !== payloadEnd) throw new CorruptImageError(path, `memory section "${section.name}": ${payloadEnd - nextStored} stored bytes belong to no extent`);
  return extents;
}

/** extentLocation names an extent in error messages. */
export function extentLocation(section: string, extent: Pick<Extent, 'firstPage'>): string {
  return `memory section "${section}" extent at page ${extent.firstPage}`;
}
