// Graph decoding: the strict scan (cbor-scan.ts), then cbor-x, then a shape check of every node and
// slot, then two passes over the node table: the first creates every object empty, so that any
// reference (a cycle included) has its target, and the second fills them, last node first, so that a
// record's upgrade function sees its children filled unless they are on a cycle back to it.

import { Decoder } from 'cbor-x';
import { GraphDecodeError, RecordUpgradeError, RecordVersionError, UnknownRecordTypeError } from '../errors.js';
import { scanGraphCbor } from './cbor-scan.js';
import { GRAPH_ENCODING_VERSION, MAX_RECORD_TYPE_LENGTH, MAX_RECORD_VERSION, NodeKind } from './node-kinds.js';
import { type RecordDefinition, type RecordFields, type RecordRegistry, setOwnField, UnknownRecord } from './records.js';

/** GraphTable is a checked node table: every node has a known kind and shape, every reference is in range. */
export interface GraphTable {
  readonly root: unknown;
  readonly nodes: readonly (readonly unknown[])[];
}

const cbor = new Decoder({ useRecords: false });

function fail(detail: string): never {
  throw new GraphDecodeError(detail);
}

function checkSlot(value: unknown, nodeCount: number, where: string): void {
  if (Array.isArray(value)) {
    const index = value[0];
    if (value.length !== 1 || typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= nodeCount) {
      fail(`${where} holds an array that is not a reference to one of the ${nodeCount} nodes`);
    }
  } else if (typeof value === 'object' && value !== null) {
    fail(`${where} holds a byte string outside a bytes node`);
  }
}

function checkKeyedSlots(node: readonly unknown[], first: number, nodeCount: number, where: string, textKeys: boolean): void {
  if ((node.length - first) % 2 !== 0) fail(`${where} has a key without a value`);
  for (let index = first; index < node.length; index += 2) {
    if (textKeys && typeof node[index] !== 'string') fail(`${where} has a key that is not a text string`);
    checkSlot(node[index], nodeCount, where);
    checkSlot(node[index + 1], nodeCount, where);
  }
}

/** parseGraphTable checks and decodes graph bytes into their node table, refusing anything outside the graph encoding. */
export function parseGraphTable(bytes: Uint8Array, maxNodes: number): GraphTable {
  const nodeCount = scanGraphCbor(bytes, maxNodes);
  let table: unknown;
  try {
    table = cbor.decode(bytes);
  } catch (error) {
    fail(`CBOR decoding failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(table) || table.length !== nodeCount + 2) fail('the graph is not one array');
  if (table[0] !== GRAPH_ENCODING_VERSION) fail(`graph encoding version ${String(table[0])} is unknown (this reader knows ${GRAPH_ENCODING_VERSION})`);
  checkSlot(table[1], nodeCount, 'the root');
  const nodes = table.slice(2) as unknown[];
  for (let index = 0; index < nodes.length; index++) {
    const node = nodes[index];
    const where = `node ${index}`;
    if (!Array.isArray(node) || node.length === 0) fail(`${where} is not a node array`);
    switch (node[0]) {
      case NodeKind.OBJECT:
        checkKeyedSlots(node, 1, nodeCount, where, true);
        break;
      case NodeKind.MAP:
        checkKeyedSlots(node, 1, nodeCount, where, false);
        break;
      case NodeKind.ARRAY:
      case NodeKind.SET:
        for (let slot = 1; slot < node.length; slot++) checkSlot(node[slot], nodeCount, where);
        break;
      case NodeKind.BYTES:
        if (node.length !== 2 || !(node[1] instanceof Uint8Array)) fail(`${where} is a bytes node without one byte string`);
        break;
      case NodeKind.RECORD: {
        const [, type, version] = node;
        if (typeof type !== 'string' || type.length === 0 || type.length > MAX_RECORD_TYPE_LENGTH) fail(`${where} is a record without a valid type name`);
        if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > MAX_RECORD_VERSION) fail(`${where} is a record without a valid version`);
        checkKeyedSlots(node, 3, nodeCount, where, true);
        break;
      }
      case NodeKind.NEGATIVE_ZERO:
        if (node.length !== 1) fail(`${where} is a negative zero with content`);
        break;
      default:
        fail(`${where} has unknown kind ${String(node[0])}`);
    }
  }
  return { root: table[1], nodes: nodes as unknown[][] };
}

/** DecodeGraphOptions configure decodeGraph. */
export interface DecodeGraphOptions {
  /** The record types the graph may contain. */
  readonly registry?: RecordRegistry;
  /** What to do with a record type the registry lacks: throw UnknownRecordTypeError (the default) or keep it as an UnknownRecord. */
  readonly unknownRecords?: 'error' | 'keep';
  /** The most nodes (objects) to accept; see Limits.maxGraphNodes. */
  readonly maxNodes?: number;
  /** The node count the section table records: a graph with another count is refused. */
  readonly expectedNodes?: number;
}

function upgradeFields(definition: RecordDefinition, version: number, fields: RecordFields): RecordFields {
  let current = fields;
  for (let from = version; from < definition.version; from++) {
    try {
      current = definition.upgrade![from]!(current);
    } catch (error) {
      throw new RecordUpgradeError(definition.type, from, error);
    }
    if (typeof current !== 'object' || current === null) {
      throw new RecordUpgradeError(definition.type, from, new TypeError('the upgrade function did not return an object of fields'));
    }
  }
  return current;
}

/** decodeGraph decodes graph bytes into the graph encodeGraph was given, with its shared references and cycles. */
export function decodeGraph(bytes: Uint8Array, options: DecodeGraphOptions = {}): unknown {
  const { nodes, root } = parseGraphTable(bytes, options.maxNodes ?? Number.MAX_SAFE_INTEGER);
  if (options.expectedNodes !== undefined && nodes.length !== options.expectedNodes) {
    fail(`the graph holds ${nodes.length} objects but its section records ${options.expectedNodes}`);
  }
  const values: unknown[] = new Array(nodes.length);
  const definitions: (RecordDefinition | undefined)[] = new Array(nodes.length);
  for (let index = 0; index < nodes.length; index++) {
    const node = nodes[index]!;
    switch (node[0]) {
      case NodeKind.OBJECT:
        values[index] = {};
        break;
      case NodeKind.ARRAY:
        values[index] = [];
        break;
      case NodeKind.MAP:
        values[index] = new Map();
        break;
      case NodeKind.SET:
        values[index] = new Set();
        break;
      case NodeKind.BYTES: {
        // A copy, so that the graph does not pin the (possibly large) decoded section buffer.
        const source = node[1] as Uint8Array;
        const copy = new Uint8Array(source.byteLength);
        copy.set(source);
        values[index] = copy;
        break;
      }
      case NodeKind.RECORD: {
        const type = node[1] as string;
        const version = node[2] as number;
        const definition = options.registry?.get(type);
        if (definition === undefined) {
          if (options.unknownRecords !== 'keep') throw new UnknownRecordTypeError(type);
          values[index] = new UnknownRecord(type, version, {});
          break;
        }
        if (version > definition.version) throw new RecordVersionError(type, version, definition.version);
        for (let from = version; from < definition.version; from++) {
          if (typeof definition.upgrade?.[from] !== 'function') throw new RecordVersionError(type, version, definition.version);
        }
        definitions[index] = definition;
        values[index] = Object.create(definition.Class.prototype as object);
        break;
      }
      case NodeKind.NEGATIVE_ZERO:
        values[index] = -0;
        break;
    }
  }
  const resolve = (slot: unknown): unknown => (Array.isArray(slot) ? values[slot[0] as number] : slot);
  const fillFields = (target: object, node: readonly unknown[], first: number, where: number): void => {
    for (let slot = first; slot < node.length; slot += 2) {
      const key = node[slot] as string;
      if (Object.hasOwn(target, key)) fail(`node ${where} repeats the key ${JSON.stringify(key)}`);
      setOwnField(target, key, resolve(node[slot + 1]));
    }
  };
  for (let index = nodes.length - 1; index >= 0; index--) {
    const node = nodes[index]!;
    const value = values[index];
    switch (node[0]) {
      case NodeKind.OBJECT:
        fillFields(value as object, node, 1, index);
        break;
      case NodeKind.ARRAY:
        for (let slot = 1; slot < node.length; slot++) (value as unknown[]).push(resolve(node[slot]));
        break;
      case NodeKind.MAP: {
        const map = value as Map<unknown, unknown>;
        for (let slot = 1; slot < node.length; slot += 2) {
          const key = resolve(node[slot]);
          if (map.has(key)) fail(`node ${index} repeats a map key`);
          map.set(key, resolve(node[slot + 1]));
        }
        break;
      }
      case NodeKind.SET: {
        const set = value as Set<unknown>;
        for (let slot = 1; slot < node.length; slot++) {
          const item = resolve(node[slot]);
          if (set.has(item)) fail(`node ${index} repeats a set item`);
          set.add(item);
        }
        break;
      }
      case NodeKind.RECORD: {
        const definition = definitions[index];
        if (definition === undefined) {
          fillFields((value as UnknownRecord).fields, node, 3, index);
          break;
        }
        const fields: RecordFields = {};
        fillFields(fields, node, 3, index);
        const upgraded = upgradeFields(definition, node[2] as number, fields);
        for (const key of Object.keys(upgraded)) setOwnField(value as object, key, upgraded[key]);
        break;
      }
    }
  }
  return resolve(root);
}
