// Reading a memory section: the extents are resolved (parent extents to the ancestor image that
// stores them), then read in groups: extents that follow each other in one file are read with one
// readv, the uncompressed ones straight into the target's pages, the compressed ones into scratch
// buffers, which are checked (CRC-32), decompressed and checked again (SHA-256) before they are
// copied into the target. Reading and checking are two stages of a pipeline: the reads (the
// kernel's copying and the first touch of the target's pages, on the thread pool) run ahead of the
// hashing (on this thread, and on hash workers where cores are left) by a byte budget, and are
// topped up as soon as a group lands, so that neither stage waits for the other. The SHA-256 of
// each extent chains to the authenticated index, and the restore settles only once every extent
// is checked, so no unchecked byte is ever reported as restored; on failure no read is left
// running into the target, whose content is then unspecified: discard it.

import { crc32, crcHex, equalBytes, toHex } from '../checksum.js';
import { decompress } from '../compression.js';
import { ChecksumMismatchError, InvalidArgumentError } from '../errors.js';
import type { MemorySection } from '../image-index.js';
import { idleCoresBeside, sharedSha256Pool } from '../sha256-pool.js';
import { type ByteSource, readFresh, readIntoMany } from '../source.js';
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

// Content bytes in flight at once for inFlight (two groups), and the most content and extents read
// with one readv.
const READ_BUDGET_BYTES = 8 << 20;
const GROUP_BYTES = 2 << 20;
const GROUP_EXTENTS = 256;
// How far a memory restore's reads may run ahead of its checking: read or being read, not yet
// checked. Enough that the thread pool never runs dry while this thread hashes a group (see
// docs/decisions/2026-11-28-statefile-throughput.md, session 2b).
const READ_AHEAD_BYTES = 16 << 20;

// Restoring keeps this thread busy and, for a fresh target, about one more core with the kernel's
// page faults and copying on the thread pool (as much CPU as the hashing): hash workers may use
// only the cores left beside both. Measured on 2 cores, a worker there made restores 10-15 % slower.
const HASHING = { workers: idleCoresBeside(2) } as const;

function checkDigest(resolved: ResolvedExtent, digest: Uint8Array): void {
  if (!equalBytes(digest, resolved.extent.sha256)) {
    throw new ChecksumMismatchError(resolved.source.path, extentLocation(resolved.section, resolved.extent), 'sha256', toHex(resolved.extent.sha256), toHex(digest));
  }
}

/** loadExtent reads one extent's content into `destination()` (called again after each await, for memories that may be replaced) and checks it. */
export async function loadExtent(resolved: ResolvedExtent, contentLength: number, destination: () => Uint8Array): Promise<void> {
  const { source, extent } = resolved;
  if (extent.compression === 'none') {
    await source.readInto(extent.storedOffset, destination());
    checkDigest(resolved, await sharedSha256Pool().digest(destination(), HASHING));
    return;
  }
  const location = extentLocation(resolved.section, extent);
  const stored = await readFresh(source, extent.storedOffset, extent.storedLength);
  const checksum = crc32(stored);
  if (checksum !== extent.crc32) throw new ChecksumMismatchError(source.path, location, 'crc32', crcHex(extent.crc32), crcHex(checksum));
  const content = await decompress(extent.compression, stored, contentLength, { path: source.path, location });
  checkDigest(resolved, await sharedSha256Pool().digest(content, HASHING));
  destination().set(content);
}

/** inFlight runs `jobs` while their `weight`s in flight stay within READ_BUDGET_BYTES, and settles only when none is running any more, with the first failure. */
export async function inFlight<Job>(jobs: readonly Job[], weight: (job: Job) => number, run: (job: Job) => Promise<void>): Promise<void> {
  const running: { promise: Promise<void>; weight: number }[] = [];
  let budget = READ_BUDGET_BYTES;
  let failure: { error: unknown } | undefined;
  for (const job of jobs) {
    const jobWeight = Math.min(weight(job), READ_BUDGET_BYTES);
    while (running.length > 0 && budget < jobWeight && failure === undefined) {
      const oldest = running.shift()!;
      budget += oldest.weight;
      try {
        await oldest.promise;
      } catch (error) {
        failure = { error };
      }
    }
    if (failure !== undefined) break;
    const promise = run(job);
    promise.catch(() => {});
    running.push({ promise, weight: jobWeight });
    budget -= jobWeight;
  }
  const settled = await Promise.allSettled(running.map((entry) => entry.promise));
  if (failure !== undefined) throw failure.error;
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
}

interface Placement {
  readonly resolved: ResolvedExtent;
  /** Where the content goes in the target, and its length. */
  readonly start: number;
  readonly length: number;
}

// Groups extents stored back to back in one file, to be read with one readv.
function groupPlacements(placements: readonly Placement[]): Placement[][] {
  const groups: Placement[][] = [];
  let current: Placement[] = [];
  let currentBytes = 0;
  for (const placement of placements) {
    const { extent, source } = placement.resolved;
    const last = current.at(-1)?.resolved;
    const joins =
      last !== undefined &&
      last.source === source &&
      last.extent.storedOffset + last.extent.storedLength === extent.storedOffset &&
      currentBytes + placement.length <= GROUP_BYTES &&
      current.length < GROUP_EXTENTS;
    if (!joins && current.length > 0) {
      groups.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(placement);
    currentBytes += placement.length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

// Reads a group with one readv: uncompressed extents straight into the target, compressed ones
// into scratch buffers (returned, by index; undefined for the uncompressed ones).
async function readGroup(group: readonly Placement[], destination: (placement: Placement) => Uint8Array): Promise<(Uint8Array | undefined)[]> {
  const first = group[0]!.resolved;
  const scratch = group.map((placement) => (placement.resolved.extent.compression === 'none' ? undefined : new Uint8Array(placement.resolved.extent.storedLength)));
  await readIntoMany(
    first.source,
    first.extent.storedOffset,
    group.map((placement, index) => scratch[index] ?? destination(placement)),
  );
  return scratch;
}

// Checks a group that has landed: the uncompressed extents hashed from the target itself
// (re-derived, since the read awaited), so that what is checked is what landed; the compressed
// ones checked, decompressed, checked again and copied into the target.
async function checkGroup(group: readonly Placement[], scratch: readonly (Uint8Array | undefined)[], destination: (placement: Placement) => Uint8Array): Promise<void> {
  const uncompressed = group.filter((_, index) => scratch[index] === undefined);
  const hashed = sharedSha256Pool()
    .digestAll(uncompressed.map(destination), HASHING)
    .then((digests) => {
      for (const [index, placement] of uncompressed.entries()) checkDigest(placement.resolved, digests[index]!);
    });
  const settled = await Promise.allSettled([
    hashed,
    ...group.map(async (placement, index) => {
      const stored = scratch[index];
      if (stored === undefined) return;
      const { resolved } = placement;
      const { extent, source } = resolved;
      const location = extentLocation(resolved.section, extent);
      const checksum = crc32(stored);
      if (checksum !== extent.crc32) throw new ChecksumMismatchError(source.path, location, 'crc32', crcHex(extent.crc32), crcHex(checksum));
      const content = await decompress(extent.compression, stored, placement.length, { path: source.path, location });
      checkDigest(resolved, await sharedSha256Pool().digest(content, HASHING));
      destination(placement).set(content);
    }),
  ]);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
}

/**
 * readAhead reads `groups` in order, at most READ_AHEAD_BYTES of them between the start of their
 * read and the end of their check, and checks each as soon as it has landed, topping up the reads
 * first so that the thread pool reads on while this thread checks. It settles when the last check
 * has, or, on the first failure, once no read or check is running any more (nothing is left
 * writing into the target), with that failure.
 */
async function readAhead(
  groups: readonly (readonly Placement[])[],
  destination: (placement: Placement) => Uint8Array,
  checked: (group: readonly Placement[]) => void,
): Promise<void> {
  const bytesOf = (group: readonly Placement[]) => group.reduce((sum, placement) => sum + placement.length, 0);
  const reads: Promise<(Uint8Array | undefined)[]>[] = [];
  const checks: Promise<void>[] = [];
  let aheadBytes = 0;
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown): void => {
    failure ??= { error };
  };
  const topUp = (): void => {
    while (failure === undefined && reads.length < groups.length) {
      const group = groups[reads.length]!;
      const bytes = Math.min(bytesOf(group), READ_AHEAD_BYTES);
      // The first group in flight goes whatever its size, so that a large one cannot stall the pipeline.
      if (aheadBytes > 0 && aheadBytes + bytes > READ_AHEAD_BYTES) return;
      aheadBytes += bytes;
      const read = readGroup(group, destination);
      read.catch(fail);
      reads.push(read);
    }
  };
  topUp();
  let oldestCheck = 0;
  for (const [index, group] of groups.entries()) {
    // This group's read waits for budget that only checks still running hold: wait for them (a
    // check never rejects, its failure is recorded).
    while (failure === undefined && index >= reads.length && oldestCheck < checks.length) await checks[oldestCheck++];
    if (failure !== undefined || index >= reads.length) break;
    let scratch: (Uint8Array | undefined)[];
    try {
      scratch = await reads[index]!;
    } catch (error) {
      fail(error);
      break;
    }
    if (failure !== undefined) break;
    topUp();
    const check = checkGroup(group, scratch, destination).then(
      () => {
        aheadBytes -= Math.min(bytesOf(group), READ_AHEAD_BYTES);
        checked(group);
        topUp();
      },
      (error: unknown) => fail(error),
    );
    checks.push(check);
  }
  await Promise.allSettled([...reads, ...checks]);
  if (failure !== undefined) throw failure.error;
}

/** readMemoryPlan restores a memory section into `target`, which must be at least the section's byte length. */
export async function readMemoryPlan(plan: ReadMemoryPlan, target: MemorySource, options: ReadMemoryOptions = {}): Promise<void> {
  const { section, extents } = plan;
  const { byteLength, pageSize } = section;
  const available = memoryView(target, 'target').byteLength;
  if (available < byteLength) {
    throw new InvalidArgumentError('target', `memory section "${section.name}" needs ${byteLength} bytes but the target has ${available} (grow it first)`);
  }
  const placements: Placement[] = [];
  for (const extent of extents) {
    placements.push({ resolved: await plan.resolve(extent), start: extent.firstPage * pageSize, length: extentContentLength(extent, byteLength, pageSize) });
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
  const total = placements.reduce((sum, placement) => sum + placement.length, 0);
  sharedSha256Pool().prepare(total, HASHING);
  let done = 0;
  // Re-derived at each use: a WebAssembly.Memory's buffer is replaced when it grows.
  const destination = (placement: Placement) => memoryView(target, 'target').subarray(placement.start, placement.start + placement.length);
  await readAhead(groupPlacements(placements), destination, (group) => {
    for (const placement of group) done += placement.length;
    options.onProgress?.({ bytes: done, total });
  });
}
