// Inspection, as CRIU's crit does for its images: what an image holds (header, metadata, sections
// with their sizes, compression and checksum state, memory extents) without decoding any payload,
// and, on request, a full check of every stored byte, reported section by section.

import { crcHex } from './checksum.js';
import type { Compression } from './compression.js';
import { isStatefileError } from './errors.js';
import type { ImageMetadata } from './metadata.js';
import type { ParentLink } from './image-index.js';
import { type ChecksumState, ImageReader, type ReaderOptions } from './reader.js';

/** InspectOptions configure inspectImage. */
export interface InspectOptions extends ReaderOptions {
  /** Read and check every stored byte (slow for large images); otherwise only the index and extent indexes are read. */
  readonly verify?: boolean;
}

/** MemoryInspection describes a memory section's pages. */
export interface MemoryInspection {
  readonly pageSize: number;
  readonly pages: number;
  readonly extents: number;
  /** Pages stored in this image. */
  readonly storedPages: number;
  /** Pages stored as references to the parent image. */
  readonly parentPages: number;
  /** Pages not stored because they are all zero. */
  readonly zeroPages: number;
  /** Stored pages by the compression their extent ended up with. */
  readonly storedPagesByCompression: Partial<Record<Compression, number>>;
  readonly parent?: ParentLink;
}

/** SectionInspection describes one section. */
export interface SectionInspection {
  readonly name: string;
  /** The section kind, or the stored kind of a section a newer minor version added. */
  readonly kind: string;
  readonly known: boolean;
  readonly offset: number;
  readonly storedBytes: number;
  /** The decoded byte length (for memory: the memory's size). */
  readonly byteLength?: number;
  readonly compression?: Compression;
  readonly crc32: string;
  readonly sha256: string;
  readonly checksum: ChecksumState;
  /** Why the section failed its checks, if it did. */
  readonly problem?: string;
  readonly graphNodes?: number;
  readonly memory?: MemoryInspection;
}

/** ImageInspection describes an image. */
export interface ImageInspection {
  readonly path: string;
  readonly fileBytes: number;
  readonly format: string;
  readonly authenticated: boolean;
  readonly digest: string;
  readonly metadata: ImageMetadata;
  readonly sections: SectionInspection[];
}

function problemOf(error: unknown): string {
  if (isStatefileError(error)) return error.message;
  throw error;
}

/** inspectImage describes the image in `directory` (header, metadata, sections) and, with `verify`, checks every byte. */
export async function inspectImage(directory: string, options: InspectOptions = {}): Promise<ImageInspection> {
  const reader = await ImageReader.open(directory, options);
  try {
    const sections: SectionInspection[] = [];
    for (const section of reader.sections) {
      let problem: string | undefined;
      if (options.verify === true) {
        try {
          await reader.verifySection(section.name);
        } catch (error) {
          problem = problemOf(error);
        }
      }
      const common = {
        name: section.name,
        kind: section.kind === 'unknown' ? section.storedKind : section.kind,
        known: section.kind !== 'unknown',
        offset: section.offset,
        storedBytes: section.storedLength,
        crc32: crcHex(section.crc32),
        sha256: section.sha256,
      };
      const state = () => ({ checksum: reader.checksumState(section.name), ...(problem === undefined ? {} : { problem }) });
      if (section.kind === 'graph') {
        sections.push({ ...common, byteLength: section.byteLength, compression: section.compression, graphNodes: section.nodeCount, ...state() });
      } else if (section.kind === 'blob') {
        sections.push({ ...common, byteLength: section.byteLength, compression: section.compression, ...state() });
      } else if (section.kind === 'memory') {
        let memory: MemoryInspection | undefined;
        try {
          const extents = await reader.readExtents(section.name);
          const pages = Math.ceil(section.byteLength / section.pageSize);
          const byCompression: Partial<Record<Compression, number>> = {};
          let storedPages = 0;
          let parentPages = 0;
          for (const extent of extents) {
            if (extent.storage === 'parent') {
              parentPages += extent.pageCount;
              continue;
            }
            storedPages += extent.pageCount;
            byCompression[extent.compression] = (byCompression[extent.compression] ?? 0) + extent.pageCount;
          }
          memory = {
            pageSize: section.pageSize,
            pages,
            extents: extents.length,
            storedPages,
            parentPages,
            zeroPages: pages - storedPages - parentPages,
            storedPagesByCompression: byCompression,
            ...(section.parent === undefined ? {} : { parent: section.parent }),
          };
        } catch (error) {
          problem ??= problemOf(error);
        }
        sections.push({ ...common, byteLength: section.byteLength, compression: section.compression, ...(memory === undefined ? {} : { memory }), ...state() });
      } else {
        sections.push({ ...common, ...state() });
      }
    }
    return {
      path: reader.path,
      fileBytes: reader.fileBytes,
      format: `${reader.format.major}.${reader.format.minor}`,
      authenticated: reader.authenticated,
      digest: reader.digest,
      metadata: reader.metadata,
      sections,
    };
  } finally {
    await reader.close();
  }
}
