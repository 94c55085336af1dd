// Writing a captured sandbox into an image directory, in this order:
//
//   1. the graph and the module blobs;
//   2. each task's memory, read straight from the guest's buffer (no copy) unless the caller
//      captured copies;
//   3. commit: section table, trailer, fsync, publish under the final name, fsync the directory.
//
// Only a complete, fsynced image is ever published (statefile's writer links it into place);
// a failure at any step removes the partial file and leaves the directory without an image.
import type { Compression, MemorySource, ParentRef } from '@stasis/statefile';
import { ImageReader, ImageWriter } from '@stasis/statefile';
import { IMAGE_PRODUCER, SENTRY_VERSION } from './image-labels.js';
import { SECTIONS } from './image-layout.js';
import type { SandboxStateV1 } from './sandbox-state.js';

/** CapturedSandbox is everything an image holds, taken while every task was at a safe point. */
export interface CapturedSandbox {
  readonly state: SandboxStateV1;
  /** Instrumented module bytes by sha256. */
  readonly modules: ReadonlyMap<string, Uint8Array>;
  /** Each task's linear memory by tid: the live memory (only while the guest stays paused) or a copy. */
  readonly memories: ReadonlyMap<number, MemorySource>;
}

/** WriteImageOptions configure writeImage. */
export interface WriteImageOptions {
  readonly imagePath: string;
  /** Labels for the metadata header (image-labels.ts). */
  readonly labels: Readonly<Record<string, string>>;
  readonly compression?: Compression;
  /** A parent image directory: memory pages unchanged since it are stored as references. */
  readonly parent?: string;
  readonly key?: Uint8Array;
  readonly onProgress?: (progress: { bytes: number; total: number }) => void;
  /** The creation time recorded in the metadata (now by default). */
  readonly createdAt?: Date;
}

/** WrittenImage describes a published image. */
export interface WrittenImage {
  /** The image file's size. */
  readonly bytes: number;
  /** The image digest, which an incremental child records. */
  readonly digest: string;
}

// The memory sections the parent image holds, so that only tasks it knew name it as parent.
async function parentSections(parent: string, key: Uint8Array | undefined): Promise<Set<string>> {
  const reader = await ImageReader.open(parent, { key });
  try {
    return new Set(reader.sections.filter((section) => section.kind === 'memory').map((section) => section.name));
  } finally {
    await reader.close();
  }
}

/** writeImage writes `captured` as a new image in `options.imagePath` (created if missing; refused if it holds an image). */
export async function writeImage(captured: CapturedSandbox, options: WriteImageOptions): Promise<WrittenImage> {
  const inParent = options.parent === undefined ? new Set<string>() : await parentSections(options.parent, options.key);
  const total = [...captured.memories.values()].reduce((sum, memory) => sum + byteLengthOf(memory), 0);
  const memoryOffsets = new Map<string, number>();
  let before = 0;
  for (const [tid, memory] of captured.memories) {
    memoryOffsets.set(SECTIONS.memory(tid), before);
    before += byteLengthOf(memory);
  }
  const writer = await ImageWriter.create(options.imagePath, {
    metadata: { producer: IMAGE_PRODUCER, producerVersion: SENTRY_VERSION, labels: options.labels, ...(options.createdAt ? { createdAt: options.createdAt } : {}) },
    ...(options.key === undefined ? {} : { key: options.key }),
    compression: options.compression ?? 'none',
    // Progress is the guest memory written so far, across tasks.
    onProgress: ({ section, bytes }) => {
      const offset = memoryOffsets.get(section);
      if (offset !== undefined) options.onProgress?.({ bytes: offset + bytes, total });
    },
  });
  try {
    await writer.addGraph(SECTIONS.sandbox, captured.state);
    for (const [hash, bytes] of captured.modules) await writer.addBlob(SECTIONS.module(hash), bytes);
    for (const [tid, memory] of captured.memories) {
      const name = SECTIONS.memory(tid);
      const parent: ParentRef | undefined = options.parent !== undefined && inParent.has(name) ? { directory: options.parent, section: name } : undefined;
      await writer.addMemory(name, memory, parent === undefined ? {} : { parent });
    }
    const committed = await writer.commit();
    return { bytes: committed.bytes, digest: committed.digest };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

function byteLengthOf(memory: MemorySource): number {
  if (memory instanceof Uint8Array) return memory.byteLength;
  if (memory instanceof ArrayBuffer) return memory.byteLength;
  if (typeof SharedArrayBuffer === 'function' && memory instanceof SharedArrayBuffer) return memory.byteLength;
  return (memory as { buffer: ArrayBufferLike }).buffer.byteLength;
}
