// Graph encoding: a breadth-first walk gives every object an index the first time it is met, so a
// shared object is stored once and a cycle is an index like any other; the flat node table is then
// serialised by cbor-x. The walk is a loop over a queue, never a recursion, so a million-deep linked
// list encodes like a flat one.

import { Encoder } from 'cbor-x';
import { GraphEncodeError } from '../errors.js';
import { GRAPH_ENCODING_VERSION, INT64_MIN, NodeKind, UINT64_MAX } from './node-kinds.js';
import type { RecordRegistry } from './records.js';

/** EncodeGraphOptions configure encodeGraph. */
export interface EncodeGraphOptions {
  /** The record types the graph may contain; instances of other classes are refused. */
  readonly registry?: RecordRegistry;
}

/** EncodedGraph is an encoded graph and the count of nodes (objects) in it. */
export interface EncodedGraph {
  readonly bytes: Uint8Array;
  readonly nodeCount: number;
}

// One encoder for the package: cbor-x's plain CBOR with none of its extensions (no record
// structures, no tags for typed arrays, no packing), so the output is standard CBOR any decoder reads.
const cbor = new Encoder({ useRecords: false, tagUint8Array: false, encodeUndefinedAsNil: false, largeBigIntToFloat: false, pack: false });

const NEGATIVE_ZERO = Symbol('negative zero');

// A lone surrogate would come back as U+FFFD after the UTF-8 round trip: refuse it rather than
// store a string that decodes to something else.
const LONE_SURROGATE = /\p{Surrogate}/u;
function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

type Slot = string | number | bigint | boolean | null | undefined | [number];

const ROOT_KEY = Symbol('root');
const SELF_KEY = Symbol('self');

// The position of a slot in a Map or a Set, for error paths.
class EntryKey {
  readonly role: string;
  readonly entry: number;
  constructor(role: string, entry: number) {
    this.role = role;
    this.entry = entry;
  }
}

function formatKey(key: unknown): string {
  if (key === ROOT_KEY) return 'root';
  if (key === SELF_KEY) return '';
  if (typeof key === 'number') return `[${key}]`;
  if (key instanceof EntryKey) return `<${key.role} ${key.entry}>`;
  const text = String(key);
  return /^[A-Za-z_$][\w$]*$/.test(text) ? `.${text}` : `[${JSON.stringify(text)}]`;
}

/** encodeGraph encodes `root` with its shared references and cycles into the graph encoding (see node-kinds.ts). */
export function encodeGraph(root: unknown, options: EncodeGraphOptions = {}): EncodedGraph {
  const registry = options.registry;
  const indices = new Map<unknown, number>();
  const objects: unknown[] = [];
  // For error messages only: the node that first referred to each node, and under which key.
  // Keys are kept raw and formatted only when a message needs them.
  const parents: number[] = [];
  const keys: unknown[] = [];
  let currentNode = -1;
  let currentKey: unknown = ROOT_KEY;

  const pathOf = (node: number, key: unknown): string => {
    const parts = [formatKey(key)];
    for (let at = node; at >= 0; at = parents[at]!) parts.push(formatKey(keys[at]));
    return parts.reverse().join('');
  };
  const fail = (detail: string): never => {
    throw new GraphEncodeError(currentNode < 0 ? 'root' : pathOf(currentNode, currentKey), detail);
  };
  const reference = (value: unknown): [number] => {
    let index = indices.get(value);
    if (index === undefined) {
      index = objects.length;
      indices.set(value, index);
      objects.push(value);
      parents.push(currentNode);
      keys.push(currentNode < 0 ? ROOT_KEY : currentKey);
    }
    return [index];
  };
  const slot = (value: unknown, key: unknown): Slot => {
    currentKey = key;
    switch (typeof value) {
      case 'number':
        return Object.is(value, -0) ? reference(NEGATIVE_ZERO) : value;
      case 'string':
        if (!isWellFormed(value)) fail('the string holds a lone UTF-16 surrogate, which UTF-8 cannot carry');
        return value;
      case 'boolean':
      case 'undefined':
        return value;
      case 'bigint':
        if (value < INT64_MIN || value > UINT64_MAX) fail(`the bigint ${value} does not fit in 64 bits`);
        return value;
      case 'object':
        return value === null ? null : reference(value);
      default:
        return fail(`a ${typeof value} cannot be stored in an image`);
    }
  };
  const fields = (node: Slot[], object: object): void => {
    for (const key of Object.keys(object)) node.push(key, slot((object as Record<string, unknown>)[key], key));
  };

  const rootSlot = slot(root, 'root');
  const table: unknown[] = [GRAPH_ENCODING_VERSION, rootSlot];
  for (currentNode = 0; currentNode < objects.length; currentNode++) {
    const value = objects[currentNode];
    let node: Slot[];
    if (value === NEGATIVE_ZERO) {
      node = [NodeKind.NEGATIVE_ZERO];
    } else if (Array.isArray(value)) {
      node = [NodeKind.ARRAY];
      for (let index = 0; index < value.length; index++) node.push(slot(value[index], index));
    } else if (value instanceof Uint8Array) {
      node = [NodeKind.BYTES, value as unknown as Slot];
    } else if (value instanceof Map) {
      node = [NodeKind.MAP];
      let entry = 0;
      for (const [key, item] of value) {
        node.push(slot(key, new EntryKey('map key', entry)), slot(item, new EntryKey('map value', entry)));
        entry++;
      }
    } else if (value instanceof Set) {
      node = [NodeKind.SET];
      let entry = 0;
      for (const item of value) node.push(slot(item, new EntryKey('set item', entry++)));
    } else {
      const object = value as object;
      const prototype = Object.getPrototypeOf(object) as object | null;
      if (prototype === Object.prototype || prototype === null) {
        node = [NodeKind.OBJECT];
      } else {
        const definition = registry?.definitionOf(object);
        if (definition === undefined) {
          const name = (object.constructor as { name?: unknown } | undefined)?.name;
          currentKey = SELF_KEY;
          fail(
            ArrayBuffer.isView(object) || object instanceof ArrayBuffer
              ? `${String(name)} is not supported; store binary data as a Uint8Array`
              : `${typeof name === 'string' && name !== '' ? `class ${name}` : 'this object'} is not a registered record type (register it in the RecordRegistry)`,
          );
        }
        node = [NodeKind.RECORD, definition!.type, definition!.version];
      }
      fields(node, object);
    }
    table.push(node);
  }
  const bytes = cbor.encode(table);
  return { bytes, nodeCount: table.length - 2 };
}
