import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TestRecord, testRegistry } from '../testing/arbitrary-graph.js';
import { dumpGraphBytes } from './dump.js';
import { encodeGraph } from './encode.js';

const Dump = suite('dumpGraphBytes');

Dump('shows a graph flat, with references, tagged scalars and records, as JSON', () => {
  const shared = { offset: 5n };
  const root = { fds: [shared, shared], weird: [undefined, Number.NaN, -0], data: Uint8Array.of(1, 2, 3), record: Object.assign(new TestRecord(), { x: 1 }) };
  const dump = dumpGraphBytes(encodeGraph(root, { registry: testRegistry }).bytes, { maxBytesShown: 2 });
  assert.equal(JSON.parse(JSON.stringify(dump)), {
    root: { $ref: 0 },
    nodes: [
      { kind: 'object', fields: { fds: { $ref: 1 }, weird: { $ref: 2 }, data: { $ref: 3 }, record: { $ref: 4 } } },
      { kind: 'array', items: [{ $ref: 5 }, { $ref: 5 }] },
      { kind: 'array', items: [{ $undefined: true }, { $number: 'NaN' }, { $ref: 6 }] },
      { kind: 'bytes', length: 3, base64: 'AQI=', truncated: true },
      { kind: 'record', type: 'Test', version: 1, fields: { x: 1 } },
      { kind: 'object', fields: { offset: { $bigint: '5' } } },
      { kind: 'number', value: '-0' },
    ],
  });
});

Dump('prints a cycle without recursing', () => {
  const node: Record<string, unknown> = {};
  node['self'] = node;
  const dump = dumpGraphBytes(encodeGraph(new Map([['loop', node]])).bytes);
  assert.equal(dump.nodes[1], { kind: 'object', fields: { self: { $ref: 1 } } });
});

Dump.run();
