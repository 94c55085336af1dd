// Opening an image: the stable prefix says which format version wrote it, and the reader of that
// version parses the index into the current model. A new major version adds a reader to
// INDEX_READERS (and its own directory, as v1/ is for format 1) and keeps every older one.

import type { FormatVersion } from './errors.js';
import { readStablePrefix } from './header.js';
import type { ImageIndex } from './image-index.js';
import { type ByteSource, readFresh } from './source.js';
import { type ReadIndexOptions, readIndexV1 } from './v1/index-codec.js';
import { HEADER } from './v1/layout.js';

type IndexReader = (source: ByteSource, prefix: Uint8Array, format: FormatVersion, options: ReadIndexOptions) => Promise<ImageIndex>;

/** INDEX_READERS holds the index reader of each major format version ever shipped. */
const INDEX_READERS: Readonly<Record<number, IndexReader>> = { 1: readIndexV1 };

/** readIndex reads, checks and authenticates the index of an image of any format version this package knows. */
export async function readIndex(source: ByteSource, options: ReadIndexOptions): Promise<ImageIndex> {
  const prefix = await readFresh(source, 0, Math.min(source.size, HEADER.BYTES));
  const format = readStablePrefix(source.path, prefix, source.size);
  return INDEX_READERS[format.major]!(source, prefix, format, options);
}
