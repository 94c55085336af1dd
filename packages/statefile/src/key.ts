// The HMAC key that writers and readers take: bytes the caller keeps secret, long enough that the
// HMAC is not the weak point.

import { InvalidArgumentError } from './errors.js';

/** MIN_KEY_BYTES is the shortest HMAC key a writer or reader accepts. */
export const MIN_KEY_BYTES = 16;

/** checkKey throws unless `key` is undefined or a Uint8Array of at least MIN_KEY_BYTES bytes. */
export function checkKey(key: Uint8Array | undefined): void {
  if (key === undefined) return;
  if (!(key instanceof Uint8Array) || key.byteLength < MIN_KEY_BYTES) {
    throw new InvalidArgumentError('key', `an authentication key is a Uint8Array of at least ${MIN_KEY_BYTES} bytes`);
  }
}
