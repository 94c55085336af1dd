// ImageWriter: the streaming writer. Sections are appended one at a time to a temporary file in the
// image directory; memory is written straight from the caller's buffer, in bounded pipelined
// chunks, so the whole image is never held in memory. commit() appends the section table and the
// trailer that seals the index, fsyncs, publishes the file under its final name and fsyncs the
// directory. Any I/O failure removes the temporary file and throws ImageWriteError.

import { type FileHandle, open, unlink } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { crc32, sha256, toHex } from './checksum.js';
import { COMPRESSIONS, type Compression, checkCompression, compress } from './compression.js';
import { ImageExistsError, ImageWriteError, InvalidArgumentError, InvalidStateError, isStatefileError } from './errors.js';
import { encodeGraph } from './graph/encode.js';
import type { RecordRegistry } from './graph/records.js';
import { FORMAT_VERSION } from './header.js';
import { checkKey } from './key.js';
import { imageFilePath, prepareImageDirectory, publishImage, temporaryImagePath } from './image-directory.js';
import type { BlobSection, GraphSection, MemorySection, ParentLink, Section } from './image-index.js';
import { checkLimit, type Limits, resolveLimits } from './limits.js';
import { memoryView, type MemorySource } from './memory/memory-view.js';
import { type ParentExtents, writeMemoryExtents } from './memory/write-memory.js';
import { type ImageMetadata, ImageMetadataSchema, type MetadataInput } from './metadata.js';
import { ImageReader } from './reader.js';
import { encodeHeaderV1, encodeTrailerV1 } from './v1/index-codec.js';
import { HeaderFlag, MAX_SECTION_NAME_LENGTH, PAGE_SIZE, TRAILER } from './v1/layout.js';
import { serializeSectionTableV1 } from './v1/section-table.js';
import { WriteQueue } from './write-queue.js';

/** WriteProgress reports how far the current section is. */
export interface WriteProgress {
  readonly section: string;
  /** Bytes of the section's content handled so far (for memory: scanned, zero pages included). */
  readonly bytes: number;
  readonly total: number;
}

/** WriterOptions configure ImageWriter.create. */
export interface WriterOptions {
  readonly metadata: MetadataInput;
  /** An HMAC-SHA256 key (at least 16 bytes): the image is then refused without it or with another. */
  readonly key?: Uint8Array;
  /** The default compression of every section; `none` by default. */
  readonly compression?: Compression;
  /** The default compression level (see COMPRESSIONS for each algorithm's range and default). */
  readonly compressionLevel?: number;
  readonly onProgress?: (progress: WriteProgress) => void;
  /** Limits the image must keep to, so that readers with them accept it (DEFAULT_LIMITS by default); also used to read parent images. */
  readonly limits?: Partial<Limits>;
}

/** SectionOptions override the writer's compression for one section. */
export interface SectionOptions {
  readonly compression?: Compression;
  readonly compressionLevel?: number;
}

/** GraphSectionOptions configure ImageWriter.addGraph. */
export interface GraphSectionOptions extends SectionOptions {
  /** The record types the graph may contain. */
  readonly registry?: RecordRegistry;
}

/** ParentRef names the parent image of an incremental memory section. */
export interface ParentRef {
  /** The parent image directory. */
  readonly directory: string;
  /** The parent's memory section; the same name as the new section by default. */
  readonly section?: string;
  /** The parent's key, if it differs from the writer's. */
  readonly key?: Uint8Array;
}

/** MemorySectionOptions configure ImageWriter.addMemory. */
export interface MemorySectionOptions extends SectionOptions {
  /** A parent image (or its directory): extents unchanged since it are stored as references to it. */
  readonly parent?: ParentRef | string;
}

/** CommitResult describes a published image. */
export interface CommitResult {
  /** The image file. */
  readonly path: string;
  /** The file's byte length. */
  readonly bytes: number;
  /** The image digest (SHA-256 of its index, hex), which incremental children record. */
  readonly digest: string;
}

type WriterState = 'open' | 'busy' | 'committed' | 'aborted' | 'failed';

/** ImageWriter writes one image into an image directory. */
export class ImageWriter {
  /** The image directory. */
  readonly directory: string;
  readonly #temporaryPath: string;
  readonly #handle: FileHandle;
  readonly #queue: WriteQueue;
  readonly #header: Uint8Array;
  readonly #metadata: Uint8Array;
  readonly #options: WriterOptions;
  readonly #limits: Limits;
  readonly #sections: Section[] = [];
  #state: WriterState = 'open';

  private constructor(directory: string, temporaryPath: string, handle: FileHandle, header: Uint8Array, metadata: Uint8Array, options: WriterOptions, limits: Limits) {
    this.directory = directory;
    this.#temporaryPath = temporaryPath;
    this.#handle = handle;
    this.#header = header;
    this.#metadata = metadata;
    this.#options = options;
    this.#limits = limits;
    this.#queue = new WriteQueue(handle, 0);
  }

  /** ImageWriter.create starts an image in `directory` (created if missing); it throws ImageExistsError if the directory already holds one. */
  static async create(directory: string, options: WriterOptions): Promise<ImageWriter> {
    checkKey(options.key);
    checkCompression(options.compression ?? 'none', options.compressionLevel);
    const { producer, producerVersion, labels, createdAt } = options.metadata;
    const parsed = ImageMetadataSchema.safeParse({ producer, producerVersion, labels: { ...labels }, createdAt: (createdAt ?? new Date()).toISOString() });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidArgumentError('metadata', `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    const metadata: ImageMetadata = parsed.data;
    const metadataBytes = new TextEncoder().encode(JSON.stringify(metadata));
    const limits = resolveLimits(options.limits);
    checkLimit(limits, 'maxMetadataBytes', 'the metadata length', metadataBytes.byteLength);
    const header = encodeHeaderV1(FORMAT_VERSION, options.key === undefined ? 0 : HeaderFlag.AUTHENTICATED, metadataBytes.byteLength);
    const absolute = resolve(directory);
    try {
      await prepareImageDirectory(absolute);
    } catch (error) {
      if (isStatefileError(error)) throw error;
      throw new ImageWriteError(absolute, 'create the image directory', error);
    }
    const temporaryPath = temporaryImagePath(absolute);
    let handle: FileHandle;
    try {
      // 0600: an image holds the guest's memory, which may hold secrets.
      handle = await open(temporaryPath, 'wx', 0o600);
    } catch (error) {
      throw new ImageWriteError(temporaryPath, 'create', error);
    }
    const writer = new ImageWriter(absolute, temporaryPath, handle, header, metadataBytes, { ...options, key: options.key?.slice() }, limits);
    await writer.#write('write the header of', async () => {
      await writer.#queue.push([header, metadataBytes]);
    });
    return writer;
  }

  /** ImageWriter.sections lists the sections written so far. */
  get sections(): readonly Section[] {
    return this.#sections;
  }

  /** ImageWriter.addGraph encodes `value` (an object graph, see encodeGraph) as a graph section. */
  async addGraph(name: string, value: unknown, options: GraphSectionOptions = {}): Promise<GraphSection> {
    return this.#section(name, options, async (compression, level) => {
      const { bytes, nodeCount } = encodeGraph(value, { registry: options.registry });
      checkLimit(this.#limits, 'maxGraphBytes', `the encoded length of graph "${name}"`, bytes.byteLength);
      checkLimit(this.#limits, 'maxGraphNodes', `the object count of graph "${name}"`, nodeCount);
      return async () => {
        const payload = await this.#writePayload(name, bytes, compression, level);
        return { kind: 'graph', name, ...payload, byteLength: bytes.byteLength, nodeCount };
      };
    });
  }

  /** ImageWriter.addBlob stores `bytes` (e.g. a module's instrumented bytes) as a blob section. */
  async addBlob(name: string, bytes: Uint8Array, options: SectionOptions = {}): Promise<BlobSection> {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', 'a blob is a Uint8Array');
    checkLimit(this.#limits, 'maxBlobBytes', `the length of blob "${name}"`, bytes.byteLength);
    return this.#section(name, options, async (compression, level) => async () => {
      const payload = await this.#writePayload(name, bytes, compression, level);
      return { kind: 'blob', name, ...payload, byteLength: bytes.byteLength };
    });
  }

  /** ImageWriter.addMemory stores a linear memory as extents of non-zero pages, read straight from `source`, which must not change until the promise settles. */
  async addMemory(name: string, source: MemorySource, options: MemorySectionOptions = {}): Promise<MemorySection> {
    return this.#section(name, options, async (compression, level) => {
      const view = memoryView(source, 'source');
      checkLimit(this.#limits, 'maxMemoryBytes', `the byte length of memory "${name}"`, view.byteLength);
      const parent = options.parent === undefined ? undefined : await this.#loadParent(name, typeof options.parent === 'string' ? { directory: options.parent } : options.parent);
      return async () => {
        const offset = await this.#queue.drain();
        const { extents, index } = await writeMemoryExtents(this.#queue, view, {
          compression,
          compressionLevel: level,
          parent,
          onProgress: (bytes, total) => this.#options.onProgress?.({ section: name, bytes, total }),
        });
        const end = await this.#queue.drain();
        const section: MemorySection = {
          kind: 'memory',
          name,
          offset,
          storedLength: end - offset,
          crc32: crc32(index),
          sha256: toHex(sha256(index)),
          byteLength: view.byteLength,
          pageSize: PAGE_SIZE,
          extentCount: extents.length,
          compression,
        };
        return parent === undefined ? section : { ...section, parent: parent.link };
      };
    });
  }

  /** ImageWriter.commit seals and publishes the image; afterwards the writer takes no more calls. */
  async commit(): Promise<CommitResult> {
    this.#enter('commit');
    let result: CommitResult | undefined;
    await this.#write('write', async () => {
      const tableOffset = await this.#queue.drain();
      const table = new TextEncoder().encode(serializeSectionTableV1(this.#sections));
      checkLimit(this.#limits, 'maxTableBytes', 'the section table length', table.byteLength);
      const trailer = encodeTrailerV1({ header: this.#header, metadata: this.#metadata, table }, tableOffset, this.#options.key);
      await this.#queue.push([table, trailer]);
      const bytes = await this.#queue.drain();
      await this.#handle.sync();
      await this.#handle.close();
      result = { path: imageFilePath(this.directory), bytes, digest: toHex(trailer.subarray(TRAILER.INDEX_DIGEST_OFFSET, TRAILER.INDEX_MAC_OFFSET)) };
    });
    try {
      await publishImage(this.#temporaryPath, this.directory);
    } catch (error) {
      this.#state = 'failed';
      await this.#removeTemporary();
      if (error instanceof ImageExistsError) throw error;
      throw new ImageWriteError(imageFilePath(this.directory), 'publish', error);
    }
    this.#state = 'committed';
    return result!;
  }

  /** ImageWriter.abort drops the image being written; it does nothing after commit or a failure. */
  async abort(): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'aborted' || this.#state === 'failed') return;
    this.#state = 'aborted';
    await this.#handle.close().catch(() => {});
    await this.#removeTemporary();
  }

  #enter(call: string): void {
    if (this.#state === 'busy') throw new InvalidStateError(`ImageWriter.${call}: the previous section is still being written (await each call)`);
    if (this.#state !== 'open') throw new InvalidStateError(`ImageWriter.${call}: the writer is ${this.#state}`);
    this.#state = 'busy';
  }

  async #removeTemporary(): Promise<void> {
    await unlink(this.#temporaryPath).catch(() => {});
  }

  // Runs `work`, which writes to the file; on failure the file is removed and the writer is dead.
  async #write(operation: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#state = 'failed';
      await this.#handle.close().catch(() => {});
      await this.#removeTemporary();
      throw new ImageWriteError(this.#temporaryPath, operation, error);
    }
  }

  // Adds a section in two steps: `prepare` checks and encodes without touching the file (a failure
  // there leaves the writer usable), then the function it returns writes the section.
  async #section<Entry extends Section>(
    name: string,
    options: SectionOptions,
    prepare: (compression: Compression, level: number | undefined) => Promise<() => Promise<Entry>>,
  ): Promise<Entry> {
    this.#enter(`add "${name}"`);
    let write: () => Promise<Entry>;
    try {
      if (typeof name !== 'string' || name.length === 0 || name.length > MAX_SECTION_NAME_LENGTH) {
        throw new InvalidArgumentError('section name', `a section name has 1 to ${MAX_SECTION_NAME_LENGTH} characters`);
      }
      if (this.#sections.some((section) => section.name === name)) throw new InvalidArgumentError('section name', `the image already has a section "${name}"`);
      checkLimit(this.#limits, 'maxSections', 'the section count', this.#sections.length + 1);
      const compression = options.compression ?? this.#options.compression ?? 'none';
      const level = options.compression === undefined ? (options.compressionLevel ?? this.#options.compressionLevel) : options.compressionLevel;
      checkCompression(compression, level);
      write = await prepare(compression, level);
    } catch (error) {
      this.#state = 'open';
      throw error;
    }
    let entry: Entry | undefined;
    await this.#write(`write section "${name}" of`, async () => {
      entry = await write();
    });
    this.#sections.push(entry!);
    this.#state = 'open';
    return entry!;
  }

  async #writePayload(name: string, content: Uint8Array, compression: Compression, level: number | undefined) {
    let stored = content;
    let used: Compression = 'none';
    if (compression !== 'none') {
      const compressed = await compress(compression, content, level ?? COMPRESSIONS[compression].defaultLevel);
      if (compressed.byteLength < content.byteLength) {
        stored = compressed;
        used = compression;
      }
    }
    const offset = await this.#queue.drain();
    const checksum = crc32(stored);
    const digest = toHex(sha256(stored));
    await this.#queue.push([stored]);
    await this.#queue.drain();
    this.#options.onProgress?.({ section: name, bytes: content.byteLength, total: content.byteLength });
    return { offset, storedLength: stored.byteLength, crc32: checksum, sha256: digest, compression: used };
  }

  async #loadParent(name: string, parent: ParentRef): Promise<ParentExtents> {
    const reader = await ImageReader.open(parent.directory, { key: parent.key ?? this.#options.key, limits: this.#limits });
    try {
      const section = parent.section ?? name;
      const extents = await reader.readExtents(section);
      const link: ParentLink = { digest: reader.digest, path: relative(this.directory, resolve(parent.directory)) || '.', section };
      return { link, byFirstPage: new Map(extents.map((extent) => [extent.firstPage, extent])) };
    } finally {
      await reader.close();
    }
  }
}
