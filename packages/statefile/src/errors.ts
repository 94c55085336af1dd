// The typed errors of @stasis/statefile. Callers tell them apart with instanceof (or the `code`
// field, which survives a second copy of the package) and read their structured fields; the
// messages are for people and may change. Every failure of the reader is one of these: a hostile
// or damaged file never surfaces as a TypeError, a RangeError or a zlib error.

/** StatefileErrorCode lists the `code` of every error class, one per class. */
export const StatefileErrorCode = {
  BAD_MAGIC: 'BAD_MAGIC',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  TRUNCATED: 'TRUNCATED',
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
  AUTHENTICATION_FAILED: 'AUTHENTICATION_FAILED',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  CORRUPT_IMAGE: 'CORRUPT_IMAGE',
  IMAGE_EXISTS: 'IMAGE_EXISTS',
  IMAGE_NOT_FOUND: 'IMAGE_NOT_FOUND',
  SECTION_NOT_FOUND: 'SECTION_NOT_FOUND',
  WRITE_FAILED: 'WRITE_FAILED',
  GRAPH_ENCODE: 'GRAPH_ENCODE',
  GRAPH_DECODE: 'GRAPH_DECODE',
  UNKNOWN_RECORD_TYPE: 'UNKNOWN_RECORD_TYPE',
  RECORD_VERSION: 'RECORD_VERSION',
  RECORD_UPGRADE: 'RECORD_UPGRADE',
  COMPRESSION_UNAVAILABLE: 'COMPRESSION_UNAVAILABLE',
  PARENT_MISMATCH: 'PARENT_MISMATCH',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INVALID_STATE: 'INVALID_STATE',
} as const;
/** StatefileErrorCode is the `code` of a StatefileError. */
export type StatefileErrorCode = (typeof StatefileErrorCode)[keyof typeof StatefileErrorCode];

const MARKER = Symbol.for('@stasis/statefile.error');

/** StatefileError is the base class of every error this package throws on purpose. */
export abstract class StatefileError extends Error {
  abstract readonly code: StatefileErrorCode;
  readonly [MARKER] = true;
}

/** isStatefileError tells whether `error` is a StatefileError, also across two copies of the package. */
export function isStatefileError(error: unknown): error is StatefileError {
  return typeof error === 'object' && error !== null && (error as { [MARKER]?: unknown })[MARKER] === true;
}

/** FormatVersion is an image format version: a reader reads every major it knows and refuses newer ones. */
export interface FormatVersion {
  readonly major: number;
  readonly minor: number;
}

function hexPreview(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

/** BadMagicError is a file that does not start with the Stasis image magic: not an image at all. */
export class BadMagicError extends StatefileError {
  override name = 'BadMagicError';
  readonly code = StatefileErrorCode.BAD_MAGIC;
  readonly path: string;
  /** The first bytes of the file (at most 16). */
  readonly found: Uint8Array;
  constructor(path: string, found: Uint8Array) {
    super(`${path} is not a Stasis checkpoint image (it starts with ${hexPreview(found) || 'nothing'})`);
    this.path = path;
    this.found = found.slice(0, 16);
  }
}

/** UnsupportedVersionError is an image whose format version this reader cannot read. */
export class UnsupportedVersionError extends StatefileError {
  override name = 'UnsupportedVersionError';
  readonly code = StatefileErrorCode.UNSUPPORTED_VERSION;
  readonly path: string;
  readonly found: FormatVersion;
  readonly supported: FormatVersion;
  constructor(path: string, found: FormatVersion, supported: FormatVersion) {
    const foundText = `${found.major}.${found.minor}`;
    const supportedText = `${supported.major}.${supported.minor}`;
    super(
      found.major > supported.major
        ? `${path} has image format ${foundText}, newer than this Stasis reads (format ${supportedText} and older): restore it with a newer Stasis`
        : `${path} has image format ${foundText}, which no Stasis release ever wrote (this reader knows formats up to ${supportedText})`,
    );
    this.path = path;
    this.found = found;
    this.supported = supported;
  }
}

/** TruncatedError is an image shorter than its own structure says: an interrupted copy or write. */
export class TruncatedError extends StatefileError {
  override name = 'TruncatedError';
  readonly code = StatefileErrorCode.TRUNCATED;
  readonly path: string;
  /** The byte count the structure needs, when the damaged file still tells it. */
  readonly expectedBytes: number | undefined;
  /** The byte count that is there. */
  readonly actualBytes: number;
  constructor(path: string, what: string, expectedBytes: number | undefined, actualBytes: number) {
    const needs = expectedBytes === undefined ? 'is missing' : `needs ${expectedBytes} bytes but ${actualBytes} are there`;
    super(`${path} is truncated: ${what} ${needs} (copy the image again or take a new checkpoint)`);
    this.path = path;
    this.expectedBytes = expectedBytes;
    this.actualBytes = actualBytes;
  }
}

/** ChecksumAlgorithm names the checksum that failed. */
export type ChecksumAlgorithm = 'crc32' | 'sha256';

/** ChecksumMismatchError is stored bytes that do not match their checksum: the image is damaged or was altered. */
export class ChecksumMismatchError extends StatefileError {
  override name = 'ChecksumMismatchError';
  readonly code = StatefileErrorCode.CHECKSUM_MISMATCH;
  readonly path: string;
  /** What was checked, e.g. `index` or `memory section "main" extent at page 12`. */
  readonly location: string;
  readonly algorithm: ChecksumAlgorithm;
  readonly expected: string;
  readonly actual: string;
  constructor(path: string, location: string, algorithm: ChecksumAlgorithm, expected: string, actual: string) {
    super(`${path}: the ${location} fails its ${algorithm} check (stored ${expected}, computed ${actual}); the image is damaged or was altered`);
    this.path = path;
    this.location = location;
    this.algorithm = algorithm;
    this.expected = expected;
    this.actual = actual;
  }
}

/** AuthenticationFailure says why an image failed authentication. */
export type AuthenticationFailure = 'key-required' | 'wrong-key-or-altered' | 'image-not-authenticated';

/** AuthenticationError is an image whose HMAC-SHA256 could not be verified with the reader's key. */
export class AuthenticationError extends StatefileError {
  override name = 'AuthenticationError';
  readonly code = StatefileErrorCode.AUTHENTICATION_FAILED;
  readonly path: string;
  readonly reason: AuthenticationFailure;
  constructor(path: string, reason: AuthenticationFailure) {
    const messages = {
      'key-required': `${path} was written with an authentication key: pass the same key to read it`,
      'wrong-key-or-altered': `${path} fails authentication: the key differs from the writer's or the image was altered`,
      'image-not-authenticated': `${path} carries no authentication code but a key was given: refusing an image that anyone could have written`,
    } as const;
    super(messages[reason]);
    this.path = path;
    this.reason = reason;
  }
}

/** LimitExceededError is a length or count above a configured limit, refused before anything is allocated. */
export class LimitExceededError extends StatefileError {
  override name = 'LimitExceededError';
  readonly code = StatefileErrorCode.LIMIT_EXCEEDED;
  /** The name of the limit in Limits. */
  readonly limit: string;
  readonly value: number;
  readonly maximum: number;
  constructor(limit: string, what: string, value: number, maximum: number) {
    super(`${what} is ${value}, above the limit ${limit} = ${maximum} (raise the limit only for images you trust)`);
    this.limit = limit;
    this.value = value;
    this.maximum = maximum;
  }
}

/** CorruptImageError is an image whose structure is inconsistent (offsets, lengths, schema) though no checksum caught it first. */
export class CorruptImageError extends StatefileError {
  override name = 'CorruptImageError';
  readonly code = StatefileErrorCode.CORRUPT_IMAGE;
  readonly path: string;
  readonly detail: string;
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(`${path} is corrupt: ${detail}`, options);
    this.path = path;
    this.detail = detail;
  }
}

/** ImageExistsError is a directory that already holds an image: two checkpoints cannot be saved to the same directory. */
export class ImageExistsError extends StatefileError {
  override name = 'ImageExistsError';
  readonly code = StatefileErrorCode.IMAGE_EXISTS;
  readonly directory: string;
  constructor(directory: string) {
    super(`${directory} already holds a checkpoint image: two checkpoints cannot be saved to the same directory (choose another --image-path)`);
    this.directory = directory;
  }
}

/** ImageNotFoundError is a directory that holds no image. */
export class ImageNotFoundError extends StatefileError {
  override name = 'ImageNotFoundError';
  readonly code = StatefileErrorCode.IMAGE_NOT_FOUND;
  readonly directory: string;
  constructor(directory: string, options?: { cause?: unknown }) {
    super(`${directory} holds no checkpoint image`, options);
    this.directory = directory;
  }
}

/** SectionNotFoundError is a read of a section name (and kind) that the image does not hold. */
export class SectionNotFoundError extends StatefileError {
  override name = 'SectionNotFoundError';
  readonly code = StatefileErrorCode.SECTION_NOT_FOUND;
  readonly path: string;
  readonly section: string;
  readonly kind: string;
  constructor(path: string, section: string, kind: string, available: readonly string[]) {
    super(`${path} has no ${kind} section "${section}" (it has: ${available.length === 0 ? 'none' : available.join(', ')})`);
    this.path = path;
    this.section = section;
    this.kind = kind;
  }
}

/** ImageWriteError is a failed write (a full disk, a permission, an I/O error); the partial file has been removed. */
export class ImageWriteError extends StatefileError {
  override name = 'ImageWriteError';
  readonly code = StatefileErrorCode.WRITE_FAILED;
  readonly path: string;
  /** The system error code of the cause (ENOSPC, EACCES...), when there is one. */
  readonly systemCode: string | undefined;
  constructor(path: string, operation: string, cause: unknown) {
    const systemCode = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`could not ${operation} ${path}: ${reason}; no image was written`, { cause });
    this.path = path;
    this.systemCode = typeof systemCode === 'string' ? systemCode : undefined;
  }
}

/** GraphEncodeError is a value the graph codec cannot store (a function, a symbol, an unregistered class...). */
export class GraphEncodeError extends StatefileError {
  override name = 'GraphEncodeError';
  readonly code = StatefileErrorCode.GRAPH_ENCODE;
  /** Where the value sits in the graph, e.g. `root.tasks[2].fds`. */
  readonly valuePath: string;
  constructor(valuePath: string, detail: string) {
    super(`cannot encode ${valuePath}: ${detail}`);
    this.valuePath = valuePath;
  }
}

/** GraphDecodeError is graph bytes that are not a well-formed encoded graph. */
export class GraphDecodeError extends StatefileError {
  override name = 'GraphDecodeError';
  readonly code = StatefileErrorCode.GRAPH_DECODE;
  readonly detail: string;
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`malformed object graph: ${detail}`, options);
    this.detail = detail;
  }
}

/** UnknownRecordTypeError is a record type name that the decoding registry does not hold. */
export class UnknownRecordTypeError extends StatefileError {
  override name = 'UnknownRecordTypeError';
  readonly code = StatefileErrorCode.UNKNOWN_RECORD_TYPE;
  readonly type: string;
  constructor(type: string) {
    super(`the graph holds a record of type "${type}", which is not registered: register it (with upgrades) before decoding`);
    this.type = type;
  }
}

/** RecordVersionError is a stored record version that cannot be brought to the registered version. */
export class RecordVersionError extends StatefileError {
  override name = 'RecordVersionError';
  readonly code = StatefileErrorCode.RECORD_VERSION;
  readonly type: string;
  readonly found: number;
  readonly supported: number;
  constructor(type: string, found: number, supported: number) {
    super(
      found > supported
        ? `record "${type}" has schema version ${found}, newer than the registered version ${supported}: restore with a newer Stasis`
        : `record "${type}" has schema version ${found} and no upgrade function leads from it to version ${supported}`,
    );
    this.type = type;
    this.found = found;
    this.supported = supported;
  }
}

/** RecordUpgradeError is an upgrade function that threw. */
export class RecordUpgradeError extends StatefileError {
  override name = 'RecordUpgradeError';
  readonly code = StatefileErrorCode.RECORD_UPGRADE;
  readonly type: string;
  readonly fromVersion: number;
  constructor(type: string, fromVersion: number, cause: unknown) {
    super(`upgrading record "${type}" from version ${fromVersion} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.type = type;
    this.fromVersion = fromVersion;
  }
}

/** CompressionUnavailableError is a compression algorithm this Node.js does not provide (zstd before Node 22.15). */
export class CompressionUnavailableError extends StatefileError {
  override name = 'CompressionUnavailableError';
  readonly code = StatefileErrorCode.COMPRESSION_UNAVAILABLE;
  readonly algorithm: string;
  constructor(algorithm: string) {
    super(`compression "${algorithm}" is not available in Node.js ${process.versions.node} (zstd needs Node.js 22.15 or newer)`);
    this.algorithm = algorithm;
  }
}

/** ParentMismatchError is an incremental image whose parent image is missing or is not the one it was written against. */
export class ParentMismatchError extends StatefileError {
  override name = 'ParentMismatchError';
  readonly code = StatefileErrorCode.PARENT_MISMATCH;
  readonly directory: string;
  readonly expectedDigest: string;
  readonly actualDigest: string | undefined;
  constructor(directory: string, expectedDigest: string, actualDigest: string | undefined, options?: { cause?: unknown }) {
    super(
      actualDigest === undefined
        ? `the parent image ${directory} (digest ${expectedDigest}) cannot be opened; an incremental image needs its parent`
        : `the parent image ${directory} has digest ${actualDigest}, not ${expectedDigest}: it was replaced since the incremental image was written`,
      options,
    );
    this.directory = directory;
    this.expectedDigest = expectedDigest;
    this.actualDigest = actualDigest;
  }
}

/** InvalidArgumentError is a call with an argument the API cannot accept (a short key, a too small target...). */
export class InvalidArgumentError extends StatefileError {
  override name = 'InvalidArgumentError';
  readonly code = StatefileErrorCode.INVALID_ARGUMENT;
  readonly argument: string;
  constructor(argument: string, detail: string) {
    super(`invalid ${argument}: ${detail}`);
    this.argument = argument;
  }
}

/** InvalidStateError is a call the object cannot take in its current state (adding a section after commit...). */
export class InvalidStateError extends StatefileError {
  override name = 'InvalidStateError';
  readonly code = StatefileErrorCode.INVALID_STATE;
}
