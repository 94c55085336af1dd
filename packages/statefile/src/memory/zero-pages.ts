// Zero-page detection with memcmp (Buffer.equals) against a zeroed block: a 64 KiB page that is
// all zero compares at memory bandwidth, and a non-zero one stops at its first non-zero byte.

import { MAX_EXTENT_PAGES, PAGE_SIZE } from '../v1/layout.js';

const ZERO_BLOCK = Buffer.alloc(PAGE_SIZE * MAX_EXTENT_PAGES);

/** isZeroRange tells whether bytes [start, end) of `view` are all zero; the range is at most one block of MAX_EXTENT_PAGES pages. */
export function isZeroRange(view: Uint8Array, start: number, end: number): boolean {
  return Buffer.from(view.buffer, view.byteOffset + start, end - start).equals(ZERO_BLOCK.subarray(0, end - start));
}
