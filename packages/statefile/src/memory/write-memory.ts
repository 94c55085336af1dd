// Writing a memory section: the memory is cut into blocks of MAX_EXTENT_PAGES pages; within a
// block, each run of non-zero pages is an extent. An extent is compressed on the thread pool
// (unless a sample says it is random or already compressed, and kept uncompressed if compressing
// does not shrink it) and queued for writing, the uncompressed case straight from the caller's
// buffer. Its SHA-256, which only the extent index at the end needs, is computed batch by batch on
// the hash workers and this thread while the batches are written. Only an extent that may be
// unchanged since the parent image (same pages) is hashed before it is queued: if its digest
// matches, it becomes a reference.

import { crc32, equalBytes } from '../checksum.js';
import { type Compression, compress, looksIncompressible } from '../compression.js';
import type { ParentLink } from '../image-index.js';
import { type Extent, encodeExtentIndex } from '../v1/extent-index.js';
import { MAX_EXTENT_PAGES, PAGE_SIZE } from '../v1/layout.js';
import { idleCoresBeside, sharedSha256Pool } from '../sha256-pool.js';
import type { WriteQueue } from '../write-queue.js';
import { isZeroRange } from './zero-pages.js';

/** ParentExtents are the extents of the parent image's memory section, by first page. */
export interface ParentExtents {
  readonly link: ParentLink;
  readonly byFirstPage: ReadonlyMap<number, Extent>;
}

/** WriteMemoryOptions configure writeMemoryExtents. */
export interface WriteMemoryOptions {
  readonly compression: Compression;
  readonly compressionLevel: number | undefined;
  readonly parent: ParentExtents | undefined;
  readonly onProgress: ((bytes: number, total: number) => void) | undefined;
}

/** WrittenMemory is a memory section's extents and its extent index, as queued. */
export interface WrittenMemory {
  readonly extents: readonly Extent[];
  readonly index: Uint8Array;
}

type MutableExtent = { -readonly [Field in keyof Extent]: Extent[Field] };

// Extents queued together are written with one writev: fewer system calls and thread-pool round
// trips than one write per extent, without copying (the payloads are views of the caller's memory).
const BATCH_BYTES = 4 << 20;
const BATCH_EXTENTS = 256;

// Writing keeps this thread busy (scanning, queueing, hashing what no worker takes) and a part of
// another core (the kernel's copy into the page cache, ~60 ms per 256 MiB against ~160 ms of
// hashing): hash workers may use the cores left beside this thread. Measured on 2 cores, one worker
// shortened a 512 MiB write by a tenth or more.
const HASHING = { workers: idleCoresBeside(1) } as const;

interface Queued {
  readonly extent: MutableExtent;
  readonly content: Uint8Array;
  readonly payload: Uint8Array | Promise<Uint8Array>;
}

/** writeMemoryExtents queues the extents of `view` and then its extent index; `view` must not change until the queue drains. */
export async function writeMemoryExtents(queue: WriteQueue, view: Uint8Array, options: WriteMemoryOptions): Promise<WrittenMemory> {
  const sectionOffset = await queue.drain();
  const { compression, compressionLevel, parent, onProgress } = options;
  const byteLength = view.byteLength;
  const hashes = sharedSha256Pool();
  hashes.prepare(byteLength, HASHING);
  const digests: Promise<void>[] = [];
  const pages = Math.ceil(byteLength / PAGE_SIZE);
  const extents: MutableExtent[] = [];
  const pageEnd = (page: number): number => Math.min((page + 1) * PAGE_SIZE, byteLength);
  let batch: Queued[] = [];
  let batchBytes = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const queued = batch;
    batch = [];
    batchBytes = 0;
    const hashing = queued.filter((item) => item.extent.sha256.byteLength === 0);
    if (hashing.length > 0) {
      digests.push(
        hashes.digestAll(hashing.map((item) => item.content), HASHING).then((results) => {
          for (const [index, item] of hashing.entries()) item.extent.sha256 = results[index]!;
        }),
      );
    }
    await queue.push(
      queued.map((item) => item.payload),
      (index, offset, stored) => {
        const { extent, content } = queued[index]!;
        const compressed = stored !== content;
        extent.storedOffset = offset;
        extent.storedLength = stored.byteLength;
        extent.compression = compressed ? compression : 'none';
        // An uncompressed extent's stored bytes are its content, which its SHA-256 covers.
        extent.crc32 = compressed ? crc32(stored) : 0;
      },
    );
  };

  const addExtent = async (firstPage: number, pageCount: number): Promise<void> => {
    const content = view.subarray(firstPage * PAGE_SIZE, pageEnd(firstPage + pageCount - 1));
    const inParent = parent?.byFirstPage.get(firstPage);
    // Empty until computed: hashed with its batch, unless the parent may hold the same extent.
    let digest: Uint8Array = new Uint8Array(0);
    if (inParent !== undefined && inParent.pageCount === pageCount) {
      digest = await hashes.digest(content, HASHING);
      if (equalBytes(inParent.sha256, digest)) {
        extents.push({ firstPage, pageCount, storage: 'parent', compression: 'none', storedOffset: 0, storedLength: 0, crc32: 0, sha256: digest });
        return;
      }
    }
    const extent: MutableExtent = { firstPage, pageCount, storage: 'inline', compression: 'none', storedOffset: 0, storedLength: 0, crc32: 0, sha256: digest };
    extents.push(extent);
    const payload =
      compression === 'none' || looksIncompressible(content)
        ? content
        : compress(compression, content, compressionLevel).then((stored) => (stored.byteLength < content.byteLength ? stored : content));
    batch.push({ extent, content, payload });
    batchBytes += content.byteLength;
    if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_EXTENTS) await flush();
  };

  for (let blockStart = 0; blockStart < pages; blockStart += MAX_EXTENT_PAGES) {
    const blockEnd = Math.min(blockStart + MAX_EXTENT_PAGES, pages);
    if (!isZeroRange(view, blockStart * PAGE_SIZE, pageEnd(blockEnd - 1))) {
      let page = blockStart;
      while (page < blockEnd) {
        if (isZeroRange(view, page * PAGE_SIZE, pageEnd(page))) {
          page++;
          continue;
        }
        let runEnd = page + 1;
        while (runEnd < blockEnd && !isZeroRange(view, runEnd * PAGE_SIZE, pageEnd(runEnd))) runEnd++;
        await addExtent(page, runEnd - page);
        page = runEnd;
      }
    }
    onProgress?.(pageEnd(blockEnd - 1), byteLength);
  }
  await flush();
  // The index needs every stored offset and digest: wait for the extents to be placed and hashed.
  await Promise.all(digests);
  await queue.drain();
  const index = encodeExtentIndex(extents, sectionOffset);
  await queue.push([index]);
  return { extents, index };
}
