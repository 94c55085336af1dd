// ImageReader: the random-access reader. Opening reads only the index (header, metadata, section
// table, trailer), checks its CRC-32 and SHA-256 and, with a key, its HMAC: everything a restore
// decides on before reading anything large (versions, CPU feature labels) is authenticated first.
// Each section read then checks that section's bytes against the digests the index holds, as it
// reads them, before handing anything back.

import { type FileHandle, open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { crc32, crcHex, equalBytes, sha256, toHex } from './checksum.js';
import { decompress } from './compression.js';
import {
  ChecksumMismatchError,
  CorruptImageError,
  ImageNotFoundError,
  LimitExceededError,
  ParentMismatchError,
  SectionNotFoundError,
} from './errors.js';
import { type DecodeGraphOptions, decodeGraph } from './graph/decode.js';
import { type DumpGraphOptions, type GraphDump, dumpGraphBytes } from './graph/dump.js';
import { imageFilePath } from './image-directory.js';
import { checkKey } from './key.js';
import type { BlobSection, GraphSection, ImageIndex, MemorySection, ParentLink, Section, UnknownSection } from './image-index.js';
import { checkLimit, type Limits, resolveLimits } from './limits.js';
import type { MemorySource } from './memory/memory-view.js';
import { inFlight, loadExtent, type ReadMemoryOptions, type ResolvedExtent, readMemoryPlan } from './memory/read-memory.js';
import type { ImageMetadata } from './metadata.js';
import { readIndex } from './read-index.js';
import { type ByteSource, BytesSource, FileSource, readFresh } from './source.js';
import { type Extent, extentContentLength, parseExtentIndex } from './v1/extent-index.js';
import { EXTENT } from './v1/layout.js';

/** ReaderOptions configure ImageReader.open. */
export interface ReaderOptions {
  /** The HMAC key the image was written with; required for an authenticated image, refused for another. */
  readonly key?: Uint8Array;
  readonly limits?: Partial<Limits>;
  /** Where a parent image is; by default its recorded path, relative to this image's directory. */
  readonly resolveParent?: (link: ParentLink, directory: string | undefined) => string;
}

/** ChecksumState is what the reader knows of a section's bytes: not read yet, checked good, or found bad. */
export type ChecksumState = 'unchecked' | 'ok' | 'mismatch';

/** MemoryInfo describes a memory section without reading it: what to grow the target memory to. */
export interface MemoryInfo {
  readonly byteLength: number;
  readonly pageSize: number;
  /** The memory's size in pages of pageSize (WebAssembly's 64 KiB). */
  readonly pages: number;
  readonly parent: ParentLink | undefined;
}

/** VerifyResult sums up a successful ImageReader.verify. */
export interface VerifyResult {
  readonly sections: number;
  /** Stored bytes read and checked, parent images' included. */
  readonly storedBytes: number;
}

// A memory section whose parent links have been resolved once: the parent reader and its extents by first page.
interface ParentExtentMap {
  readonly reader: ImageReader;
  readonly byFirstPage: ReadonlyMap<number, Extent>;
}

/** ImageReader reads one image. */
export class ImageReader {
  /** The image directory, when the image was opened from one. */
  readonly directory: string | undefined;
  /** The image file (or the name given to bytes in memory). */
  readonly path: string;
  readonly #source: ByteSource;
  readonly #index: ImageIndex;
  readonly #key: Uint8Array | undefined;
  readonly #limits: Limits;
  readonly #resolveParent: ReaderOptions['resolveParent'];
  readonly #depth: number;
  readonly #checksums = new Map<string, ChecksumState>();
  readonly #extents = new Map<string, Promise<Extent[]>>();
  readonly #parents = new Map<string, Promise<ParentExtentMap>>();

  private constructor(directory: string | undefined, source: ByteSource, index: ImageIndex, options: ReaderOptions, limits: Limits, depth: number) {
    this.directory = directory;
    this.path = source.path;
    this.#source = source;
    this.#index = index;
    this.#key = options.key?.slice();
    this.#limits = limits;
    this.#resolveParent = options.resolveParent;
    this.#depth = depth;
  }

  /** ImageReader.open reads and authenticates the index of the image in `directory` (or of the image file `directory` names). */
  static async open(directory: string, options: ReaderOptions = {}): Promise<ImageReader> {
    return ImageReader.#open(directory, options, 0);
  }

  static async #open(location: string, options: ReaderOptions, depth: number): Promise<ImageReader> {
    checkKey(options.key);
    const limits = resolveLimits(options.limits);
    let directory = resolve(location);
    let path = imageFilePath(directory);
    try {
      if ((await stat(directory)).isFile()) {
        path = directory;
        directory = resolve(directory, '..');
      }
    } catch (error) {
      throw new ImageNotFoundError(directory, { cause: error });
    }
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw new ImageNotFoundError(directory, { cause: error });
    }
    try {
      const source = new FileSource(path, handle, (await handle.stat()).size);
      const index = await readIndex(source, { key: options.key, limits });
      return new ImageReader(directory, source, index, options, limits, depth);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** ImageReader.fromBytes reads an image held in memory; parent images are found through `resolveParent`. */
  static async fromBytes(bytes: Uint8Array, options: ReaderOptions & { readonly name?: string } = {}): Promise<ImageReader> {
    return ImageReader.fromSource(new BytesSource(bytes, options.name), options);
  }

  /** ImageReader.fromSource reads an image from any random-access source, which the reader closes (on close, or at once if the image is refused); parent images are found through `resolveParent`. */
  static async fromSource(source: ByteSource, options: ReaderOptions = {}): Promise<ImageReader> {
    checkKey(options.key);
    const limits = resolveLimits(options.limits);
    try {
      return new ImageReader(undefined, source, await readIndex(source, { key: options.key, limits }), options, limits, 0);
    } catch (error) {
      await source.close();
      throw error;
    }
  }

  /** ImageReader.format is the image's format version. */
  get format(): ImageIndex['format'] {
    return this.#index.format;
  }

  /** ImageReader.metadata is the image's metadata header (producer, creation time, labels). */
  get metadata(): ImageMetadata {
    return this.#index.metadata;
  }

  /** ImageReader.sections lists the section table. */
  get sections(): readonly Section[] {
    return this.#index.sections;
  }

  /** ImageReader.digest is the image's identity: the SHA-256 of its index, hex. */
  get digest(): string {
    return this.#index.digest;
  }

  /** ImageReader.authenticated tells whether the image carries an HMAC, verified with the reader's key. */
  get authenticated(): boolean {
    return this.#index.authenticated;
  }

  /** ImageReader.fileBytes is the image file's byte length. */
  get fileBytes(): number {
    return this.#index.fileBytes;
  }

  /** ImageReader.checksumState is what the reader knows of section `name`'s bytes so far. */
  checksumState(name: string): ChecksumState {
    return this.#checksums.get(name) ?? 'unchecked';
  }

  /** ImageReader.section is the section named `name`, if any. */
  section(name: string): Section | undefined {
    return this.#index.sections.find((section) => section.name === name);
  }

  #sectionOf<Kind extends Section['kind']>(name: string, kind: Kind): Extract<Section, { kind: Kind }> {
    const section = this.section(name);
    if (section === undefined || section.kind !== kind) {
      const available = this.#index.sections.filter((entry) => entry.kind === kind).map((entry) => entry.name);
      throw new SectionNotFoundError(this.path, name, kind, available);
    }
    return section as Extract<Section, { kind: Kind }>;
  }

  /** ImageReader.memoryInfo is the size of memory section `name`, read from the index. */
  memoryInfo(name: string): MemoryInfo {
    const section = this.#sectionOf(name, 'memory');
    return { byteLength: section.byteLength, pageSize: section.pageSize, pages: Math.ceil(section.byteLength / section.pageSize), parent: section.parent };
  }

  // Reads a graph, blob or unknown section's stored bytes and checks them against the index.
  async #readStored(section: GraphSection | BlobSection | UnknownSection, limit: keyof Limits): Promise<Uint8Array> {
    const byteLength = section.kind === 'unknown' ? section.storedLength : Math.max(section.byteLength, section.storedLength);
    checkLimit(this.#limits, limit, `the byte length of section "${section.name}"`, byteLength);
    const stored = await readFresh(this.#source, section.offset, section.storedLength);
    const location = `${section.kind} section "${section.name}"`;
    const checksum = crc32(stored);
    if (checksum !== section.crc32) {
      this.#checksums.set(section.name, 'mismatch');
      throw new ChecksumMismatchError(this.path, location, 'crc32', crcHex(section.crc32), crcHex(checksum));
    }
    const digest = toHex(sha256(stored));
    if (digest !== section.sha256) {
      this.#checksums.set(section.name, 'mismatch');
      throw new ChecksumMismatchError(this.path, location, 'sha256', section.sha256, digest);
    }
    this.#checksums.set(section.name, 'ok');
    return stored;
  }

  async #readContent(section: GraphSection | BlobSection, limit: keyof Limits): Promise<Uint8Array> {
    const stored = await this.#readStored(section, limit);
    return decompress(section.compression, stored, section.byteLength, { path: this.path, location: `${section.kind} section "${section.name}"` });
  }

  async #readGraphBytes(name: string): Promise<{ section: GraphSection; bytes: Uint8Array }> {
    const section = this.#sectionOf(name, 'graph');
    checkLimit(this.#limits, 'maxGraphNodes', `the object count of graph "${name}"`, section.nodeCount);
    return { section, bytes: await this.#readContent(section, 'maxGraphBytes') };
  }

  /** ImageReader.readGraph decodes graph section `name` (registered records are upgraded to their current version). */
  async readGraph(name: string, options: Pick<DecodeGraphOptions, 'registry' | 'unknownRecords'> = {}): Promise<unknown> {
    const { section, bytes } = await this.#readGraphBytes(name);
    return decodeGraph(bytes, { ...options, maxNodes: this.#limits.maxGraphNodes, expectedNodes: section.nodeCount });
  }

  /** ImageReader.readGraphDump is the JSON view of graph section `name`, without a record registry. */
  async readGraphDump(name: string, options: Pick<DumpGraphOptions, 'maxBytesShown'> = {}): Promise<GraphDump> {
    const { bytes } = await this.#readGraphBytes(name);
    return dumpGraphBytes(bytes, { ...options, maxNodes: this.#limits.maxGraphNodes });
  }

  /** ImageReader.readBlob is the content of blob section `name`. */
  async readBlob(name: string): Promise<Uint8Array> {
    return this.#readContent(this.#sectionOf(name, 'blob'), 'maxBlobBytes');
  }

  /** ImageReader.readExtents is the checked extent index of memory section `name`. */
  readExtents(name: string): Promise<readonly Extent[]> {
    return this.#extentsOf(this.#sectionOf(name, 'memory'));
  }

  #extentsOf(section: MemorySection): Promise<Extent[]> {
    let extents = this.#extents.get(section.name);
    if (extents === undefined) {
      extents = this.#loadExtents(section);
      extents.catch(() => this.#extents.delete(section.name));
      this.#extents.set(section.name, extents);
    }
    return extents;
  }

  async #loadExtents(section: MemorySection): Promise<Extent[]> {
    checkLimit(this.#limits, 'maxMemoryBytes', `the byte length of memory section "${section.name}"`, section.byteLength);
    const indexLength = section.extentCount * EXTENT.BYTES;
    const index = await readFresh(this.#source, section.offset + section.storedLength - indexLength, indexLength);
    const location = `memory section "${section.name}" extent index`;
    const checksum = crc32(index);
    if (checksum !== section.crc32) {
      this.#checksums.set(section.name, 'mismatch');
      throw new ChecksumMismatchError(this.path, location, 'crc32', crcHex(section.crc32), crcHex(checksum));
    }
    const digest = toHex(sha256(index));
    if (digest !== section.sha256) {
      this.#checksums.set(section.name, 'mismatch');
      throw new ChecksumMismatchError(this.path, location, 'sha256', section.sha256, digest);
    }
    return parseExtentIndex(index, section, this.path);
  }

  #parentOf(section: MemorySection, link: ParentLink): Promise<ParentExtentMap> {
    let parent = this.#parents.get(section.name);
    if (parent === undefined) {
      parent = this.#openParent(link);
      parent.catch(() => this.#parents.delete(section.name));
      this.#parents.set(section.name, parent);
    }
    return parent;
  }

  async #openParent(link: ParentLink): Promise<ParentExtentMap> {
    if (this.#depth + 1 > this.#limits.maxParentDepth) {
      throw new LimitExceededError('maxParentDepth', 'the chain of parent images', this.#depth + 1, this.#limits.maxParentDepth);
    }
    const location =
      this.#resolveParent?.(link, this.directory) ?? (this.directory === undefined ? undefined : resolve(this.directory, link.path));
    if (location === undefined) throw new ParentMismatchError(link.path, link.digest, undefined);
    let reader: ImageReader;
    try {
      reader = await ImageReader.#open(location, { key: this.#key, limits: this.#limits, resolveParent: this.#resolveParent }, this.#depth + 1);
    } catch (error) {
      if (error instanceof ImageNotFoundError) throw new ParentMismatchError(location, link.digest, undefined, { cause: error });
      throw error;
    }
    if (reader.digest !== link.digest) {
      await reader.close();
      throw new ParentMismatchError(location, link.digest, reader.digest);
    }
    try {
      const extents = await reader.#extentsOf(reader.#sectionOf(link.section, 'memory'));
      return { reader, byFirstPage: new Map(extents.map((extent) => [extent.firstPage, extent])) };
    } catch (error) {
      await reader.close();
      throw error;
    }
  }

  // Finds the bytes of `extent` of `section`: here, or in the ancestor that stores them.
  async #resolveExtent(section: MemorySection, extent: Extent): Promise<ResolvedExtent> {
    if (extent.storage === 'inline') return { source: this.#source, section: section.name, extent };
    const link = section.parent!;
    const parent = await this.#parentOf(section, link);
    const inParent = parent.byFirstPage.get(extent.firstPage);
    const parentSection = parent.reader.#sectionOf(link.section, 'memory');
    if (
      inParent === undefined ||
      inParent.pageCount !== extent.pageCount ||
      !equalBytes(inParent.sha256, extent.sha256) ||
      extentContentLength(inParent, parentSection.byteLength, parentSection.pageSize) !== extentContentLength(extent, section.byteLength, section.pageSize)
    ) {
      throw new CorruptImageError(this.path, `memory section "${section.name}" refers to page ${extent.firstPage} of its parent ${parent.reader.path}, which holds no such extent`);
    }
    return parent.reader.#resolveExtent(parentSection, inParent);
  }

  /** ImageReader.readMemoryInto restores memory section `name` into `target` (grown to memoryInfo(name).byteLength first), checking every extent as it lands; on failure the target's content is unspecified. */
  async readMemoryInto(name: string, target: MemorySource, options: ReadMemoryOptions = {}): Promise<void> {
    const section = this.#sectionOf(name, 'memory');
    const extents = await this.#extentsOf(section);
    try {
      await readMemoryPlan({ section, extents, resolve: (extent) => this.#resolveExtent(section, extent) }, target, options);
    } catch (error) {
      if (error instanceof ChecksumMismatchError && error.path === this.path) this.#checksums.set(name, 'mismatch');
      throw error;
    }
    this.#checksums.set(name, 'ok');
  }

  /** ImageReader.verifySection reads and checks every stored byte of section `name` (for memory, with the parent extents it refers to) and returns the stored bytes checked. */
  async verifySection(name: string): Promise<number> {
    const section = this.section(name);
    if (section === undefined) throw new SectionNotFoundError(this.path, name, 'any', this.#index.sections.map((entry) => entry.name));
    if (section.kind === 'graph' || section.kind === 'blob') {
      await this.#readContent(section, section.kind === 'graph' ? 'maxGraphBytes' : 'maxBlobBytes');
      return section.storedLength;
    }
    if (section.kind === 'unknown') {
      await this.#readStored(section, 'maxBlobBytes');
      return section.storedLength;
    }
    const extents = await this.#extentsOf(section);
    let storedBytes = section.extentCount * EXTENT.BYTES;
    try {
      const contentLength = (extent: Extent) => extentContentLength(extent, section.byteLength, section.pageSize);
      await inFlight(extents, contentLength, async (extent) => {
        const resolved = await this.#resolveExtent(section, extent);
        const scratch = new Uint8Array(contentLength(extent));
        await loadExtent(resolved, scratch.byteLength, () => scratch);
        storedBytes += resolved.extent.storedLength;
      });
    } catch (error) {
      if (error instanceof ChecksumMismatchError && error.path === this.path) this.#checksums.set(section.name, 'mismatch');
      throw error;
    }
    this.#checksums.set(section.name, 'ok');
    return storedBytes;
  }

  /** ImageReader.verify reads and checks every stored byte of the image (and the parent extents it refers to); it throws the first failure. */
  async verify(): Promise<VerifyResult> {
    let storedBytes = 0;
    for (const section of this.#index.sections) storedBytes += await this.verifySection(section.name);
    return { sections: this.#index.sections.length, storedBytes };
  }

  /** ImageReader.close releases the file and any parent images opened. */
  async close(): Promise<void> {
    const parents = [...this.#parents.values()];
    this.#parents.clear();
    for (const parent of await Promise.allSettled(parents)) {
      if (parent.status === 'fulfilled') await parent.value.reader.close();
    }
    await this.#source.close();
  }
}
