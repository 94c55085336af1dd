// The part of an image that every format version shares and never changes: the magic and the
// format version right after it. A reader checks these two before it trusts anything else, so that
// a file that is not an image, or an image of a newer major version, is refused with a message
// that says so, whatever the rest of the file holds.

import { BadMagicError, type FormatVersion, TruncatedError, UnsupportedVersionError } from './errors.js';

/** MAGIC opens every image: "\x89STASIS\r\n\x1a\n\0". Like PNG's, the high byte catches 7-bit transfers, CR LF catches newline conversion, ^Z stops DOS `type`. */
export const MAGIC = Uint8Array.of(0x89, 0x53, 0x54, 0x41, 0x53, 0x49, 0x53, 0x0d, 0x0a, 0x1a, 0x0a, 0x00);

/** VERSION_OFFSET is where the format version (u16 major, u16 minor, little-endian) sits in every version. */
export const VERSION_OFFSET = MAGIC.length;

/** STABLE_PREFIX_BYTES is the length of the magic and the version. */
export const STABLE_PREFIX_BYTES = VERSION_OFFSET + 4;

/** FORMAT_VERSION is the format version this package writes. */
export const FORMAT_VERSION: FormatVersion = { major: 1, minor: 0 };

/** FORMAT_HISTORY lists every format version a release wrote, oldest first; a reader reads them all. */
export const FORMAT_HISTORY: readonly FormatVersion[] = [{ major: 1, minor: 0 }];

/** readStablePrefix checks the magic and returns the format version, refusing a newer major or one never shipped. */
export function readStablePrefix(path: string, prefix: Uint8Array, fileBytes: number): FormatVersion {
  const compared = Math.min(prefix.byteLength, MAGIC.length);
  for (let index = 0; index < compared; index++) {
    if (prefix[index] !== MAGIC[index]) throw new BadMagicError(path, prefix);
  }
  if (prefix.byteLength < STABLE_PREFIX_BYTES) throw new TruncatedError(path, 'the image header', STABLE_PREFIX_BYTES, fileBytes);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const found = { major: view.getUint16(VERSION_OFFSET, true), minor: view.getUint16(VERSION_OFFSET + 2, true) };
  const known = FORMAT_HISTORY.some((version) => version.major === found.major);
  if (found.major > FORMAT_VERSION.major || !known) throw new UnsupportedVersionError(path, found, FORMAT_VERSION);
  return found;
}
