// Checksums and digests: CRC-32 (zlib's, hardware-accelerated) to detect damage cheaply, SHA-256
// to identify content and to chain integrity from the index to every byte, and HMAC-SHA256 to
// authenticate the index when the caller holds a key.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as zlib from 'node:zlib';

type Crc32Function = (data: Uint8Array, value?: number) => number;

// zlib.crc32 arrived in Node.js 20.15; older 20.x releases get the table-driven fallback.
const nativeCrc32 = (zlib as unknown as { crc32?: Crc32Function }).crc32;

let crcTable: Uint32Array | undefined;

function portableCrc32(data: Uint8Array, value = 0): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let index = 0; index < 256; index++) {
      let entry = index;
      for (let bit = 0; bit < 8; bit++) entry = entry & 1 ? 0xedb88320 ^ (entry >>> 1) : entry >>> 1;
      crcTable[index] = entry >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let index = 0; index < data.length; index++) crc = crcTable[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** crc32 is the CRC-32 (IEEE, as in zlib and gzip) of `data`, continuing from `previous`. */
export const crc32: (data: Uint8Array, previous?: number) => number = nativeCrc32 ?? portableCrc32;

/** SHA256_BYTES is the length of a SHA-256 digest. */
export const SHA256_BYTES = 32;

/** sha256 is the SHA-256 digest of the concatenation of `parts`. */
export function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** hmacSha256 is the HMAC-SHA256 of the concatenation of `parts` under `key`. */
export function hmacSha256(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return new Uint8Array(hmac.digest());
}

/** equalBytes compares two byte strings in time independent of where they differ. */
export function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && timingSafeEqual(left, right);
}

/** toHex is the lowercase hexadecimal text of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** fromHex parses lowercase hexadecimal text of exactly `length` bytes, or returns undefined. */
export function fromHex(text: string, length: number): Uint8Array | undefined {
  if (text.length !== length * 2 || !/^[0-9a-f]*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** crcHex is a CRC-32 as 8 hexadecimal digits, as the errors and the inspector print it. */
export function crcHex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
