// fast-check arbitraries for object graphs: a list of node shapes whose slots are scalars or
// references (by index) to other nodes, built into real objects, so shared objects and cycles of
// every shape appear, through arrays, plain objects, Maps, Sets and records alike.

import fc from 'fast-check';
import { INT64_MIN, UINT64_MAX } from '../graph/node-kinds.js';
import { RecordRegistry, setOwnField } from '../graph/records.js';

/** TestRecord is a record class registered in testRegistry as "Test" version 1. */
export class TestRecord {}

/** testRegistry holds TestRecord. */
export const testRegistry = new RecordRegistry().register({ type: 'Test', version: 1, Class: TestRecord });

type SlotSpec = { readonly scalar: unknown } | { readonly reference: number };
type NodeSpec =
  | { readonly kind: 'object' | 'record'; readonly entries: readonly [string, SlotSpec][] }
  | { readonly kind: 'array' | 'set'; readonly items: readonly SlotSpec[] }
  | { readonly kind: 'map'; readonly entries: readonly [SlotSpec, SlotSpec][] }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

/** scalarArbitrary generates every scalar a graph holds: null, undefined, booleans, numbers (with -0, NaN, infinities), 64-bit bigints, strings. */
export const scalarArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, false, -0, 0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 32)),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: INT64_MIN, max: UINT64_MAX }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

const keyArbitrary = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', '0', '17', 'toString'));
const slotArbitrary: fc.Arbitrary<SlotSpec> = fc.oneof(
  { weight: 3, arbitrary: scalarArbitrary.map((scalar) => ({ scalar })) },
  { weight: 2, arbitrary: fc.nat().map((reference) => ({ reference })) },
);
const nodeArbitrary: fc.Arbitrary<NodeSpec> = fc.oneof(
  fc.record({ kind: fc.constantFrom('object' as const, 'record' as const), entries: fc.array(fc.tuple(keyArbitrary, slotArbitrary), { maxLength: 5 }) }),
  fc.record({ kind: fc.constantFrom('array' as const, 'set' as const), items: fc.array(slotArbitrary, { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('map' as const), entries: fc.array(fc.tuple(slotArbitrary, slotArbitrary), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 24 }) }),
);

function build(nodes: readonly NodeSpec[], root: SlotSpec): unknown {
  const objects = nodes.map((node): object => {
    switch (node.kind) {
      case 'object':
        return {};
      case 'record':
        return new TestRecord();
      case 'array':
        return [];
      case 'set':
        return new Set();
      case 'map':
        return new Map();
      default:
        return Uint8Array.from(node.bytes);
    }
  });
  const value = (slot: SlotSpec): unknown => ('scalar' in slot ? slot.scalar : objects.length === 0 ? null : objects[slot.reference % objects.length]);
  nodes.forEach((node, index) => {
    const object = objects[index]!;
    if (node.kind === 'object' || node.kind === 'record') for (const [key, slot] of node.entries) setOwnField(object, key, value(slot));
    else if (node.kind === 'array') for (const slot of node.items) (object as unknown[]).push(value(slot));
    else if (node.kind === 'set') for (const slot of node.items) (object as Set<unknown>).add(value(slot));
    else if (node.kind === 'map') for (const [key, slot] of node.entries) (object as Map<unknown, unknown>).set(value(key), value(slot));
  });
  return value(root);
}

/** graphArbitrary generates object graphs (records are TestRecord instances; decode them with testRegistry). */
export const graphArbitrary: fc.Arbitrary<unknown> = fc
  .record({ nodes: fc.array(nodeArbitrary, { maxLength: 12 }), root: slotArbitrary })
  .map(({ nodes, root }) => build(nodes, root));
