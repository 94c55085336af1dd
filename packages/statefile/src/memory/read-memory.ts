// Reading a memory section: every extent is read straight into the target (compressed extents
// through a scratch buffer of at most one extent), several reads in flight on the thread pool while
// the main thread checks the ones that landed. Each extent's CRC-32 and SHA-256 are checked as it
// arrives; the SHA-256 chains to the authenticated index, so no unchecked byte is ever reported as
// restored. On failure the target's content is unspecified: discard it.

import { crc32, crcHex, equalBytes, sha256, toHex } from '../checksum.js';
import { decompress } from '../compression.js';
import { ChecksumMismatchError, InvalidArgumentError } from '../errors.js';
import type { MemorySection } from '../image-index.js';
import { type ByteSource, readFresh } from '../source.js';
import { type Extent, extentContentLength, extentLocation } from '../v1/extent-index.js';
import { MAX_EXTENT_PAGES } from '../v1/layout.js';
import { type MemorySource, memoryView } from './memory-view.js';
import { isZeroRange } from './zero-pages.js';

/** ResolvedExtent is where an extent's bytes really are: this image, or an ancestor for a parent extent. */
export interface ResolvedExtent {
  readonly source: ByteSource;
  /** The section holding the bytes, for messages. */
  readonly section: string;
  readonly extent: Extent;
}

/** ReadMemoryPlan is a memory section, its checked extents, and where each extent's bytes are. */
export interface ReadMemoryPlan {
  readonly section: MemorySection;
  readonly extents: readonly Extent[];
  /** ReadMemoryPlan.resolve finds an extent's bytes: in this image, or, following parent links, in an ancestor. */
  resolve(extent: Extent): Promise<ResolvedExtent>;
}

/** ReadMemoryOptions configure ImageReader.readMemoryInto. */
export interface ReadMemoryOptions {
  /** The target is known to be all zero (a fresh WebAssembly.Memory): skip checking the pages the image does not store. */
  readonly targetZeroed?: boolean;
  /** Reports restored bytes of stored (non-zero) content. */
  readonly onProgress?: (progress: { readonly bytes: number; readonly total: number }) => void;
}

// Extents in flight at once: enough to keep the thread pool's reads ahead of the main thread's hashing.
const READ_WINDOW = 8;

function checkExtent(source: ByteSource, location: string, extent: Extent, stored: Uint8Array | undefined, content: Uint8Array): void {
  const storedCrc = crc32(stored ?? content);
  if (storedCrc !== extent.crc32) throw new ChecksumMismatchError(source.path, location, 'crc32', crcHex(extent.crc32), crcHex(storedCrc));
  const digest = sha256(content);
  if (!equalBytes(digest, extent.sha256)) throw new ChecksumMismatchError(source.path, location, 'sha256', toHex(extent.sha256), toHex(digest));
}

/** loadExtent reads one extent's content into `destination()` (called again after each await, for memories that may be replaced) and checks it. */
export async function loadExtent(resolved: ResolvedExtent, contentLength: number, destination: () => Uint8Array): Promise<void> {
  const { source, extent } = resolved;
  const location = extentLocation(resolved.section, extent);
  if (extent.compression === 'none') {
    await source.readInto(extent.storedOffset, destination());
    checkExtent(source, location, extent, undefined, destination());
    return;
  }
  const stored = await readFresh(source, extent.storedOffset, extent.storedLength);
  if (crc32(stored) !== extent.crc32) throw new ChecksumMismatchError(source.path, location, 'crc32', crcHex(extent.crc32), crcHex(crc32(stored)));
  const content = await decompress(extent.compression, stored, contentLength, { path: source.path, location });
  checkExtent(source, location, extent, stored, content);
  destination().set(content);
}

/** forEachExtent runs `load` on every extent, READ_WINDOW at a time, and settles only when none is in flight any more. */
export async function forEachExtent(extents: readonly Extent[], load: (extent: Extent) => Promise<void>): Promise<void> {
  const inFlight: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  for (const extent of extents) {
    const job = load(extent);
    job.catch(() => {});
    inFlight.push(job);
    if (inFlight.length >= READ_WINDOW) {
      try {
        await inFlight.shift();
      } catch (error) {
        failure = { error };
        break;
      }
    }
  }
  const settled = await Promise.allSettled(inFlight);
  if (failure !== undefined) throw failure.error;
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
}

/** readMemoryPlan restores a memory section into `target`, which must be at least the section's byte length. */
export async function readMemoryPlan(plan: ReadMemoryPlan, target: MemorySource, options: ReadMemoryOptions = {}): Promise<void> {
  const { section, extents } = plan;
  const { byteLength, pageSize } = section;
  const available = memoryView(target, 'target').byteLength;
  if (available < byteLength) {
    throw new InvalidArgumentError('target', `memory section "${section.name}" needs ${byteLength} bytes but the target has ${available} (grow it first)`);
  }
  if (options.targetZeroed !== true) {
    // Pages the image does not store are zero: zero those of the target that are not, without
    // writing (and so touching) the ones that already are.
    const pages = Math.ceil(byteLength / pageSize);
    let extentIndex = 0;
    for (let page = 0; page < pages; ) {
      const next = extents[extentIndex];
      if (next !== undefined && next.firstPage === page) {
        page += next.pageCount;
        extentIndex++;
        continue;
      }
      const gapEnd = Math.min(next?.firstPage ?? pages, page + MAX_EXTENT_PAGES);
      const start = page * pageSize;
      const end = Math.min(gapEnd * pageSize, byteLength);
      const view = memoryView(target, 'target');
      if (!isZeroRange(view, start, end)) view.fill(0, start, end);
      page = gapEnd;
    }
  }
  const total = extents.reduce((sum, extent) => sum + extentContentLength(extent, byteLength, pageSize), 0);
  let done = 0;
  await forEachExtent(extents, async (extent) => {
    const start = extent.firstPage * pageSize;
    const length = extentContentLength(extent, byteLength, pageSize);
    const destination = () => memoryView(target, 'target').subarray(start, start + length);
    await loadExtent(await plan.resolve(extent), length, destination);
    done += length;
    options.onProgress?.({ bytes: done, total });
  });
}
