// A JSON view of a graph for people and tools (`stasis inspect`), made from the node table without
// the record registry: the dump is flat, one entry per node with references as {"$ref": n}, so that a
// cycle or a million-deep list prints like any other graph and JSON.stringify never recurses deeply.

import { NodeKind } from './node-kinds.js';
import { parseGraphTable } from './decode.js';
import { setOwnField } from './records.js';

/** GraphDumpValue is a slot in a dump: a JSON scalar, a reference, or a tagged value JSON cannot hold. */
export type GraphDumpValue =
  | null
  | boolean
  | number
  | string
  | { readonly $ref: number }
  | { readonly $bigint: string }
  | { readonly $undefined: true }
  | { readonly $number: 'NaN' | 'Infinity' | '-Infinity' | '-0' };

/** GraphDumpNode is one object of a dumped graph. */
export type GraphDumpNode =
  | { readonly kind: 'object'; readonly fields: Record<string, GraphDumpValue> }
  | { readonly kind: 'record'; readonly type: string; readonly version: number; readonly fields: Record<string, GraphDumpValue> }
  | { readonly kind: 'array'; readonly items: GraphDumpValue[] }
  | { readonly kind: 'set'; readonly items: GraphDumpValue[] }
  | { readonly kind: 'map'; readonly entries: [GraphDumpValue, GraphDumpValue][] }
  | { readonly kind: 'bytes'; readonly length: number; readonly base64: string; readonly truncated: boolean }
  | { readonly kind: 'number'; readonly value: '-0' };

/** GraphDump is the JSON view of a graph: the root slot and the node table. */
export interface GraphDump {
  readonly root: GraphDumpValue;
  readonly nodes: GraphDumpNode[];
}

/** DumpGraphOptions configure dumpGraphBytes. */
export interface DumpGraphOptions {
  /** Bytes of each Uint8Array to show (base64); the rest is cut and `truncated` set. Default 64. */
  readonly maxBytesShown?: number;
  /** The most nodes to accept; see Limits.maxGraphNodes. */
  readonly maxNodes?: number;
}

function dumpValue(slot: unknown): GraphDumpValue {
  if (Array.isArray(slot)) return { $ref: slot[0] as number };
  switch (typeof slot) {
    case 'undefined':
      return { $undefined: true };
    case 'bigint':
      return { $bigint: slot.toString() };
    case 'number':
      if (Number.isNaN(slot)) return { $number: 'NaN' };
      if (slot === Number.POSITIVE_INFINITY) return { $number: 'Infinity' };
      if (slot === Number.NEGATIVE_INFINITY) return { $number: '-Infinity' };
      return slot;
    default:
      return slot as GraphDumpValue;
  }
}

function dumpFields(node: readonly unknown[], first: number): Record<string, GraphDumpValue> {
  const fields: Record<string, GraphDumpValue> = {};
  for (let slot = first; slot < node.length; slot += 2) setOwnField(fields, node[slot] as string, dumpValue(node[slot + 1]));
  return fields;
}

/** dumpGraphBytes turns encoded graph bytes into their JSON view, checking them as decodeGraph does. */
export function dumpGraphBytes(bytes: Uint8Array, options: DumpGraphOptions = {}): GraphDump {
  const maxBytesShown = options.maxBytesShown ?? 64;
  const table = parseGraphTable(bytes, options.maxNodes ?? Number.MAX_SAFE_INTEGER);
  const nodes = table.nodes.map((node): GraphDumpNode => {
    switch (node[0]) {
      case NodeKind.OBJECT:
        return { kind: 'object', fields: dumpFields(node, 1) };
      case NodeKind.RECORD:
        return { kind: 'record', type: node[1] as string, version: node[2] as number, fields: dumpFields(node, 3) };
      case NodeKind.ARRAY:
        return { kind: 'array', items: node.slice(1).map(dumpValue) };
      case NodeKind.SET:
        return { kind: 'set', items: node.slice(1).map(dumpValue) };
      case NodeKind.MAP: {
        const entries: [GraphDumpValue, GraphDumpValue][] = [];
        for (let slot = 1; slot < node.length; slot += 2) entries.push([dumpValue(node[slot]), dumpValue(node[slot + 1])]);
        return { kind: 'map', entries };
      }
      case NodeKind.BYTES: {
        const bytesNode = node[1] as Uint8Array;
        const shown = bytesNode.subarray(0, maxBytesShown);
        return {
          kind: 'bytes',
          length: bytesNode.byteLength,
          base64: Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('base64'),
          truncated: shown.byteLength < bytesNode.byteLength,
        };
      }
      default:
        return { kind: 'number', value: '-0' };
    }
  });
  return { root: dumpValue(table.root), nodes };
}
