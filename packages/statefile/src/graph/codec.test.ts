import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GraphEncodeError } from '../errors.js';
import { graphArbitrary, TestRecord, testRegistry } from '../testing/arbitrary-graph.js';
import { findGraphDifference } from '../testing/graph-difference.js';
import { decodeGraph } from './decode.js';
import { encodeGraph } from './encode.js';

const roundTrip = (value: unknown): unknown => decodeGraph(encodeGraph(value, { registry: testRegistry }).bytes, { registry: testRegistry });

const GraphCodec = suite('GraphCodec');

GraphCodec('keeps two references to one object as one object', () => {
  const description = { offset: 7n, flags: 2 };
  const decoded = roundTrip({ fds: [description, description] }) as { fds: object[] };
  assert.ok(decoded.fds[0] === decoded.fds[1], 'decode(encode(two fds on one description)): got two objects, want one');
  assert.equal(decoded.fds[0], { offset: 7n, flags: 2 });
});

GraphCodec('keeps cycles through objects, arrays, Maps and Sets', () => {
  const parent: Record<string, unknown> = { name: 'init' };
  const children = new Map<string, unknown>([['child', { parent }]]);
  parent['children'] = children;
  parent['self'] = new Set([parent]);
  parent['list'] = [parent];
  const decoded = roundTrip(parent) as Record<string, unknown>;
  assert.is(findGraphDifference(decoded, parent), undefined);
  assert.ok(((decoded['children'] as Map<string, { parent: unknown }>).get('child')!.parent as unknown) === decoded);
  assert.ok([...(decoded['self'] as Set<unknown>)][0] === decoded);
});

GraphCodec('keeps scalars exactly: -0, NaN, 64-bit bigints, undefined, astral strings', () => {
  const value = [-0, 0, Number.NaN, 2 ** 64, 2n ** 64n - 1n, -(2n ** 63n), 5n, 5, undefined, null, 'héllo 😀', '', 1.5];
  assert.is(findGraphDifference(roundTrip(value), value), undefined);
});

GraphCodec('keeps a Uint8Array as a copy independent of the encoded bytes', () => {
  const bytes = Uint8Array.of(1, 2, 3);
  const decoded = roundTrip({ bytes, again: bytes }) as { bytes: Uint8Array; again: Uint8Array };
  assert.ok(decoded.bytes === decoded.again);
  assert.equal([...decoded.bytes], [1, 2, 3]);
});

GraphCodec('keeps a __proto__ key as an own field without touching the prototype', () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as object;
  const decoded = roundTrip(value) as Record<string, unknown>;
  assert.is(Object.getPrototypeOf(decoded), Object.prototype);
  assert.equal(Object.keys(decoded), ['__proto__', 'x']);
  assert.is(({} as Record<string, unknown>)['polluted'], undefined);
});

GraphCodec('encodes a million-deep linked list without recursion', () => {
  let list: { next: unknown } | null = null;
  for (let index = 0; index < 1_000_000; index++) list = { next: list };
  let decoded = roundTrip(list) as { next: unknown } | null;
  let length = 0;
  while (decoded !== null) {
    decoded = decoded.next as { next: unknown } | null;
    length++;
  }
  assert.is(length, 1_000_000);
});

GraphCodec('refuses what it cannot store, naming where it is', () => {
  const cases: [unknown, string][] = [
    [{ tasks: [{ run: () => 0 }] }, 'root.tasks[0].run'],
    [{ when: new Date(0) }, 'root.when'],
    [{ words: new Uint32Array(2) }, 'root.words'],
    [{ big: 2n ** 64n }, 'root.big'],
    [{ text: 'a\ud800' }, 'root.text'],
    [{ sym: Symbol('s') }, 'root.sym'],
    [new (class Unregistered {})(), 'root'],
  ];
  for (const [value, valuePath] of cases) {
    try {
      encodeGraph(value, { registry: testRegistry });
      assert.unreachable(`encodeGraph(${valuePath}): got success, want GraphEncodeError`);
    } catch (error) {
      assert.instance(error, GraphEncodeError);
      assert.is((error as GraphEncodeError).valuePath, valuePath);
    }
  }
});

GraphCodec('encodes a record as its registered class', () => {
  const record = Object.assign(new TestRecord(), { fd: 3 });
  const decoded = roundTrip([record, record]) as TestRecord[];
  assert.instance(decoded[0], TestRecord);
  assert.ok(decoded[0] === decoded[1]);
  assert.equal({ ...decoded[0] }, { fd: 3 });
});

GraphCodec.run();

const GraphCodecProperties = suite('GraphCodec properties');

GraphCodecProperties('decode(encode(graph)) is the same graph, sharing and cycles included', () => {
  fc.assert(
    fc.property(graphArbitrary, (graph) => {
      const difference = findGraphDifference(roundTrip(graph), graph);
      if (difference !== undefined) throw new Error(`decode(encode(graph)): ${difference}`);
    }),
    { numRuns: 2000 },
  );
});

GraphCodecProperties.run();
