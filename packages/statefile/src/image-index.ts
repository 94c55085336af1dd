// The in-memory model of an image's index (header, metadata, section table), the same for every
// format version: a reader of an older version upgrades what it parsed into this model, so that
// everything above the version-specific code knows only one shape.

import type { Compression } from './compression.js';
import type { FormatVersion } from './errors.js';
import type { ImageMetadata } from './metadata.js';

/** SectionKind is the kind of a section this package knows. */
export type SectionKind = 'graph' | 'blob' | 'memory';

/** ParentLink ties a memory section of an incremental image to the image (by digest) and section it refers to. */
export interface ParentLink {
  /** The parent image's digest (SHA-256 of its index, hex). */
  readonly digest: string;
  /** Where the parent image directory was, relative to the child's directory when the writer could express it so. */
  readonly path: string;
  /** The memory section of the parent. */
  readonly section: string;
}

interface SectionCommon {
  /** The section's unique name within the image. */
  readonly name: string;
  /** The file offset of the section's first stored byte. */
  readonly offset: number;
  /** The stored (possibly compressed) byte length. */
  readonly storedLength: number;
  /** CRC-32 of the stored bytes (for a memory section: of its extent index). */
  readonly crc32: number;
  /** SHA-256 of the stored bytes (for a memory section: of its extent index), hex. */
  readonly sha256: string;
}

/** GraphSection is an object graph (graph encoding, see graph/node-kinds.ts). */
export interface GraphSection extends SectionCommon {
  readonly kind: 'graph';
  /** The decoded (uncompressed) byte length. */
  readonly byteLength: number;
  readonly compression: Compression;
  /** The objects in the graph. */
  readonly nodeCount: number;
}

/** BlobSection is opaque bytes, e.g. a module's instrumented bytes. */
export interface BlobSection extends SectionCommon {
  readonly kind: 'blob';
  readonly byteLength: number;
  readonly compression: Compression;
}

/** MemorySection is a linear memory stored as extents of non-zero pages followed by their index. */
export interface MemorySection extends SectionCommon {
  readonly kind: 'memory';
  /** The memory's byte length. */
  readonly byteLength: number;
  readonly pageSize: number;
  /** The records in the extent index, which ends the section. */
  readonly extentCount: number;
  /** The compression the writer asked for; an extent that would not shrink is stored uncompressed. */
  readonly compression: Compression;
  readonly parent?: ParentLink;
}

/** UnknownSection is a section of a kind a newer minor version added; this reader skips it. */
export interface UnknownSection extends SectionCommon {
  readonly kind: 'unknown';
  /** The kind the image names. */
  readonly storedKind: string;
}

/** Section is one entry of the section table. */
export type Section = GraphSection | BlobSection | MemorySection | UnknownSection;

/** ImageIndex is what opening an image reads and authenticates: everything but the section payloads. */
export interface ImageIndex {
  readonly format: FormatVersion;
  /** Whether the image carries an HMAC (and the reader verified it with its key). */
  readonly authenticated: boolean;
  readonly metadata: ImageMetadata;
  readonly sections: readonly Section[];
  /** SHA-256 of the index bytes, hex: the image's identity, which chains to every byte through the section digests. */
  readonly digest: string;
  readonly fileBytes: number;
}
