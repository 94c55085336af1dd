// A strict, non-recursive pass over graph bytes before cbor-x builds any value. It admits only the
// CBOR subset the graph encoding uses (definite-length integers, floats, simple values, byte and
// text strings, and arrays at most three deep) and refuses maps, tags and indefinite lengths. That
// closes cbor-x's decoder extensions to hostile input (its tag 27 calls constructors by name, its
// record tags compile reader functions, its shared-reference tag rereads input), keeps the decoder's
// recursion three frames deep, and checks every declared length against the bytes left.

import { GraphDecodeError, LimitExceededError } from '../errors.js';

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;
const MAJOR_SIMPLE = 7;

/** MAX_GRAPH_CBOR_DEPTH is how deep arrays nest in the graph encoding: the table, a node, a reference. */
export const MAX_GRAPH_CBOR_DEPTH = 3;

/** scanGraphCbor checks that `bytes` are one CBOR array in the graph subset and returns its node count (length minus 2). */
export function scanGraphCbor(bytes: Uint8Array, maxNodes: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength;
  let position = 0;
  const fail = (detail: string): never => {
    throw new GraphDecodeError(`${detail} at byte ${position}`);
  };
  // Reads an item head and returns [major type, argument]; for major type 7 the argument is unused.
  const head = (): [number, number] => {
    if (position >= end) fail('the encoding ends inside an item');
    const initial = bytes[position]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    position++;
    if (info < 24) return [major, info];
    const width = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (width === 0) fail(info === 31 ? 'indefinite-length items are not part of the graph encoding' : `reserved additional information ${info}`);
    if (position + width > end) fail('the encoding ends inside an item head');
    let argument: number;
    if (width === 1) argument = view.getUint8(position);
    else if (width === 2) argument = view.getUint16(position);
    else if (width === 4) argument = view.getUint32(position);
    else argument = view.getUint32(position) * 2 ** 32 + view.getUint32(position + 4);
    position += width;
    return [major, argument];
  };

  const [rootMajor, tableLength] = head();
  if (rootMajor !== MAJOR_ARRAY) fail('a graph is a CBOR array');
  if (tableLength < 2) fail('a graph array holds at least the encoding version and the root');
  if (tableLength > end - position) fail(`the graph array declares ${tableLength} items`);
  const nodeCount = tableLength - 2;
  if (nodeCount > maxNodes) throw new LimitExceededError('maxGraphNodes', 'the object count of a graph', nodeCount, maxNodes);

  const remaining: number[] = [tableLength];
  while (remaining.length > 0) {
    const top = remaining.length - 1;
    if (remaining[top] === 0) {
      remaining.pop();
      continue;
    }
    remaining[top]!--;
    const itemStart = position;
    const [major, argument] = head();
    switch (major) {
      case MAJOR_UNSIGNED:
      case MAJOR_NEGATIVE:
        break;
      case MAJOR_BYTES:
      case MAJOR_TEXT:
        if (argument > end - position) fail(`a string declares ${argument} bytes`);
        position += argument;
        break;
      case MAJOR_ARRAY:
        if (remaining.length >= MAX_GRAPH_CBOR_DEPTH) fail('arrays nest deeper than the graph encoding allows');
        if (argument > end - position) fail(`an array declares ${argument} items`);
        remaining.push(argument);
        break;
      case MAJOR_MAP:
        fail('CBOR maps are not part of the graph encoding');
        break;
      case MAJOR_TAG:
        fail(`CBOR tag ${argument} is not part of the graph encoding`);
        break;
      case MAJOR_SIMPLE: {
        // Immediate simple values: 20 false, 21 true, 22 null, 23 undefined; or a float of 2, 4 or 8 bytes.
        const info = bytes[itemStart]! & 0x1f;
        if (!(info >= 20 && info <= 23) && !(info >= 25 && info <= 27)) fail(`simple value ${info} is not part of the graph encoding`);
        break;
      }
    }
  }
  if (position !== end) fail(`${end - position} bytes follow the graph`);
  return nodeCount;
}
