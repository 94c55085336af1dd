// The compression algorithms a section or a memory extent may use, as one table: the code stored
// in the image, the default level, and how Node.js runs it. Compression runs on libuv's thread pool
// (the asynchronous zlib API) so that several extents compress in parallel with hashing and I/O.

import * as zlib from 'node:zlib';
import { CompressionUnavailableError, CorruptImageError, InvalidArgumentError } from './errors.js';

/** Compression is the name of a compression algorithm; `zstd` needs Node.js 22.15 or newer. */
export type Compression = 'none' | 'deflate' | 'gzip' | 'brotli' | 'zstd';

/** COMPRESSIONS is the table of algorithms: the code stored in images and the default level (fast, since a checkpoint pauses the guest). */
export const COMPRESSIONS = {
  none: { code: 0, defaultLevel: 0, minimumLevel: 0, maximumLevel: 0 },
  /** Raw deflate (RFC 1951): the image carries its own checksums, so no zlib or gzip wrapper. */
  deflate: { code: 1, defaultLevel: 1, minimumLevel: 0, maximumLevel: 9 },
  /** gzip (RFC 1952), for images whose payloads other tools should unpack. */
  gzip: { code: 2, defaultLevel: 1, minimumLevel: 0, maximumLevel: 9 },
  brotli: { code: 3, defaultLevel: 4, minimumLevel: 0, maximumLevel: 11 },
  zstd: { code: 4, defaultLevel: 3, minimumLevel: -7, maximumLevel: 22 },
} as const satisfies Record<Compression, { code: number; defaultLevel: number; minimumLevel: number; maximumLevel: number }>;

const BY_CODE: readonly Compression[] = (Object.keys(COMPRESSIONS) as Compression[]).sort((left, right) => COMPRESSIONS[left].code - COMPRESSIONS[right].code);

/** compressionFromCode is the algorithm stored as `code`, or undefined for an unknown code. */
export function compressionFromCode(code: number): Compression | undefined {
  const compression = BY_CODE[code];
  return compression !== undefined && COMPRESSIONS[compression].code === code ? compression : undefined;
}

/** isCompression tells whether `name` names a compression algorithm. */
export function isCompression(name: unknown): name is Compression {
  return typeof name === 'string' && Object.hasOwn(COMPRESSIONS, name);
}

type Callback = (error: Error | null, result: Buffer) => void;
type ZlibCall = (input: Uint8Array, options: object, callback: Callback) => void;
type ZlibSyncCall = (input: Uint8Array, options: object) => Buffer;

interface ZstdZlib {
  zstdCompress?: ZlibCall;
  zstdCompressSync?: ZlibSyncCall;
  zstdDecompress?: ZlibCall;
  zstdDecompressSync?: ZlibSyncCall;
  constants: { ZSTD_c_compressionLevel?: number };
}

const zstd = zlib as unknown as ZstdZlib;

/** isCompressionAvailable tells whether this Node.js can compress and decompress with `compression`. */
export function isCompressionAvailable(compression: Compression): boolean {
  return compression !== 'zstd' || (typeof zstd.zstdCompress === 'function' && typeof zstd.zstdDecompress === 'function');
}

/** checkCompression throws unless `compression` names an algorithm this Node.js provides and `level` fits it. */
export function checkCompression(compression: unknown, level?: number): asserts compression is Compression {
  if (!isCompression(compression)) throw new InvalidArgumentError('compression', `"${String(compression)}" is not one of ${Object.keys(COMPRESSIONS).join(', ')}`);
  if (!isCompressionAvailable(compression)) throw new CompressionUnavailableError(compression);
  const { minimumLevel, maximumLevel } = COMPRESSIONS[compression];
  if (level !== undefined && (!Number.isInteger(level) || level < minimumLevel || level > maximumLevel)) {
    throw new InvalidArgumentError('compressionLevel', `${compression} takes levels ${minimumLevel} to ${maximumLevel}, got ${level}`);
  }
}

// One output chunk as large as the input (plus room for headers): zlib's default 16 KiB chunk
// costs a thread-pool round trip per chunk, which made a 1 MiB extent eight times slower.
function chunkSizeFor(length: number): number {
  return Math.max(64 * 1024, length + 4096);
}

function compressCall(compression: Exclude<Compression, 'none'>, level: number, inputLength: number): [ZlibCall, ZlibSyncCall, object] {
  const chunkSize = chunkSizeFor(inputLength);
  switch (compression) {
    case 'deflate':
      return [zlib.deflateRaw as ZlibCall, zlib.deflateRawSync as ZlibSyncCall, { level, chunkSize }];
    case 'gzip':
      return [zlib.gzip as ZlibCall, zlib.gzipSync as ZlibSyncCall, { level, chunkSize }];
    case 'brotli':
      return [
        zlib.brotliCompress as ZlibCall,
        zlib.brotliCompressSync as ZlibSyncCall,
        { chunkSize, params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: inputLength } },
      ];
    case 'zstd':
      return [zstd.zstdCompress!, zstd.zstdCompressSync!, { chunkSize, params: { [zstd.constants.ZSTD_c_compressionLevel!]: level } }];
  }
}

// Below this size a thread-pool round trip (a zlib stream object, callbacks) costs more than it
// saves: measured, 1000 asynchronous deflates of 64 KiB took 2.6 times as long as synchronous ones.
const POOL_MINIMUM_BYTES = 256 * 1024;

function decompressCall(compression: Exclude<Compression, 'none'>): [ZlibCall, ZlibSyncCall | undefined] {
  switch (compression) {
    case 'deflate':
      return [zlib.inflateRaw as ZlibCall, zlib.inflateRawSync as ZlibSyncCall];
    case 'gzip':
      return [zlib.gunzip as ZlibCall, zlib.gunzipSync as ZlibSyncCall];
    case 'brotli':
      return [zlib.brotliDecompress as ZlibCall, zlib.brotliDecompressSync as ZlibSyncCall];
    case 'zstd':
      return [zstd.zstdDecompress!, zstd.zstdDecompressSync];
  }
}

/** compress compresses `input`, on the thread pool when it is large enough to gain from it; `input` must not change until the promise settles. */
export function compress(compression: Exclude<Compression, 'none'>, input: Uint8Array, level: number = COMPRESSIONS[compression].defaultLevel): Promise<Uint8Array> {
  if (!isCompressionAvailable(compression)) return Promise.reject(new CompressionUnavailableError(compression));
  const [call, callSync, options] = compressCall(compression, level, input.byteLength);
  if (input.byteLength < POOL_MINIMUM_BYTES) {
    try {
      return Promise.resolve(callSync(input, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => call(input, options, (error, result) => (error ? reject(error) : resolve(result))));
}

/** DecompressContext names what is being decompressed, for the error a bad stream raises. */
export interface DecompressContext {
  readonly path: string;
  readonly location: string;
}

function decompressFailure(context: DecompressContext, compression: Compression, expectedLength: number, cause: unknown): CorruptImageError {
  return new CorruptImageError(
    context.path,
    `the ${context.location} does not decompress with ${compression} to its recorded ${expectedLength} bytes`,
    { cause },
  );
}

// maxOutputLength makes zlib stop (with an error) as soon as the output passes the recorded
// length, so a decompression bomb costs at most the recorded length, which was checked against
// the limits before this call.
function outputOptions(expectedLength: number): object {
  return { maxOutputLength: Math.max(1, expectedLength), chunkSize: chunkSizeFor(expectedLength) };
}

// Bytes sampled by looksIncompressible, and the byte entropy (bits per byte) above which a sample
// is taken for random or already compressed data. A uniform sample of 4096 bytes measures about
// 7.95 bits; text is near 5, code near 6.
const ENTROPY_SAMPLE_BYTES = 4096;
const INCOMPRESSIBLE_ENTROPY = 7.8;

/** looksIncompressible estimates from a strided sample whether `bytes` are random or already compressed, so that compressing them would waste time (the heuristic btrfs uses for the same purpose). */
export function looksIncompressible(bytes: Uint8Array): boolean {
  if (bytes.byteLength < ENTROPY_SAMPLE_BYTES * 4) return false;
  const counts = new Uint32Array(256);
  const stride = Math.floor(bytes.byteLength / ENTROPY_SAMPLE_BYTES);
  for (let index = 0; index < ENTROPY_SAMPLE_BYTES; index++) counts[bytes[index * stride]!]!++;
  let entropy = 0;
  for (const count of counts) {
    if (count === 0) continue;
    const probability = count / ENTROPY_SAMPLE_BYTES;
    entropy -= probability * Math.log2(probability);
  }
  return entropy > INCOMPRESSIBLE_ENTROPY;
}

/** decompress decompresses `input`, which must decode to exactly `expectedLength` bytes, on the thread pool when it is large enough to gain from it. */
export function decompress(compression: Compression, input: Uint8Array, expectedLength: number, context: DecompressContext): Promise<Uint8Array> {
  if (compression === 'none') return Promise.resolve(input);
  if (expectedLength < POOL_MINIMUM_BYTES) {
    try {
      return Promise.resolve(decompressSync(compression, input, expectedLength, context));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  if (!isCompressionAvailable(compression)) return Promise.reject(new CompressionUnavailableError(compression));
  const [call] = decompressCall(compression);
  return new Promise((resolve, reject) => {
    try {
      call(input, outputOptions(expectedLength), (error, result) => {
        if (error) reject(decompressFailure(context, compression, expectedLength, error));
        else if (result.byteLength !== expectedLength) reject(decompressFailure(context, compression, expectedLength, undefined));
        else resolve(result);
      });
    } catch (error) {
      reject(decompressFailure(context, compression, expectedLength, error));
    }
  });
}

/** decompressSync is decompress on the calling thread, for the small payloads where a thread-pool round trip costs more than it saves. */
export function decompressSync(compression: Compression, input: Uint8Array, expectedLength: number, context: DecompressContext): Uint8Array {
  if (compression === 'none') return input;
  const [, call] = decompressCall(compression);
  if (call === undefined || !isCompressionAvailable(compression)) throw new CompressionUnavailableError(compression);
  let result: Buffer;
  try {
    result = call(input, outputOptions(expectedLength));
  } catch (error) {
    throw decompressFailure(context, compression, expectedLength, error);
  }
  if (result.byteLength !== expectedLength) throw decompressFailure(context, compression, expectedLength, undefined);
  return result;
}
