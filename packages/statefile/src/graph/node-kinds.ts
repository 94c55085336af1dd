// The graph encoding, version 1. A graph is stored as one flat CBOR array (RFC 8949):
//
//   [ 1 (encoding version), root, node 0, node 1, ... ]
//
// Every object of the graph (plain object, array, Map, Set, Uint8Array, record) is one node, in the
// breadth-first order the encoder met them; the value in a node slot (and the root) is either a
// CBOR scalar (null, undefined, true, false, an integer, a float64, a text string) or a reference
// to a node, written as a one-element array [index]. Since no container is ever nested inside
// another, the CBOR is at most three levels deep whatever the graph's depth, shared objects and
// cycles are plain indices, and the decoder never recurses.

/** NodeKind is the first element of each node array: which kind of object the node holds. */
export const NodeKind = {
  /** [0, key, value, key, value...]: a plain object; keys are text strings. */
  OBJECT: 0,
  /** [1, item, item...]: an array (holes are stored as undefined). */
  ARRAY: 1,
  /** [2, key, value, key, value...]: a Map; keys are any values. */
  MAP: 2,
  /** [3, item, item...]: a Set. */
  SET: 3,
  /** [4, bytes]: a Uint8Array (a Buffer decodes as a Uint8Array). */
  BYTES: 4,
  /** [5, type, version, key, value...]: a registered record: its type name, schema version and fields. */
  RECORD: 5,
  /** [6]: the float -0, which CBOR encoders write as the integer 0. */
  NEGATIVE_ZERO: 6,
} as const;
/** NodeKind is a node kind code. */
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

/** GRAPH_ENCODING_VERSION is the version of the graph encoding written first in every graph. */
export const GRAPH_ENCODING_VERSION = 1;

/** MAX_RECORD_TYPE_LENGTH bounds a record type name. */
export const MAX_RECORD_TYPE_LENGTH = 256;

/** MAX_RECORD_VERSION bounds a record schema version. */
export const MAX_RECORD_VERSION = 0x7fff_ffff;

/** INT64_MIN and UINT64_MAX bound the bigints a graph can hold: CBOR's 64-bit integers. */
export const INT64_MIN = -(2n ** 63n);
/** UINT64_MAX is the largest bigint a graph can hold. */
export const UINT64_MAX = 2n ** 64n - 1n;
