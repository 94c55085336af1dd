import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GraphDecodeError, isStatefileError, LimitExceededError } from '../errors.js';
import { graphArbitrary, testRegistry } from '../testing/arbitrary-graph.js';
import { instanceOf } from '../testing/assertions.js';
import { scanGraphCbor } from './cbor-scan.js';
import { decodeGraph } from './decode.js';
import { encodeGraph } from './encode.js';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));

const Scan = suite('scanGraphCbor');

Scan('accepts the encoder output and counts its nodes', () => {
  const { bytes, nodeCount } = encodeGraph({ a: [1, 2], b: new Map([[1, 2]]) });
  assert.is(scanGraphCbor(bytes, 100), nodeCount);
});

Scan('refuses what the graph encoding never writes', () => {
  const cases: [string, string][] = [
    ['82 01 a0', 'a CBOR map'],
    ['82 01 d8 1c 80', 'tag 28 (shared value)'],
    ['82 01 d8 1b 82 64 65 76 61 6c 60', 'tag 27 (constructor by name)'],
    ['82 01 d9 69 00 80', 'a record-structure tag'],
    ['82 01 9f ff', 'an indefinite-length array'],
    ['82 01 81 81 81 00', 'arrays four deep'],
    ['82 01 f8 20', 'a one-byte simple value'],
    ['82 01 e0', 'simple value 0'],
    ['82 01 1c', 'reserved additional information'],
    ['82 01 5a ff ff ff ff', 'a byte string longer than the input'],
    ['9b 00 00 00 10 00 00 00 00', 'an array longer than the input'],
    ['82 01 00 00', 'trailing bytes'],
    ['81 01', 'a table without a root'],
    ['01', 'a scalar instead of the table'],
    ['', 'nothing'],
  ];
  for (const [bytes, what] of cases) {
    assert.throws(() => scanGraphCbor(hex(bytes), 100), instanceOf(GraphDecodeError), `scanGraphCbor(${what}): got success, want GraphDecodeError`);
  }
});

Scan('refuses more nodes than the limit before decoding them', () => {
  const { bytes } = encodeGraph([[], [], []]);
  assert.throws(() => scanGraphCbor(bytes, 2), (error: unknown) => error instanceof LimitExceededError && error.limit === 'maxGraphNodes');
});

Scan('does not let cbor-x shared references or constructors through decodeGraph', () => {
  const structured = new Encoder({ structuredClone: true });
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.throws(() => decodeGraph(structured.encode([1, cyclic])), instanceOf(GraphDecodeError));
  assert.throws(() => decodeGraph(structured.encode([1, new Error('x')])), instanceOf(GraphDecodeError));
});

Scan.run();

const ScanProperties = suite('scanGraphCbor properties');

const expectTypedOrValue = (bytes: Uint8Array): void => {
  try {
    decodeGraph(bytes, { registry: testRegistry, maxNodes: 10_000 });
  } catch (error) {
    if (!isStatefileError(error)) throw new Error(`decodeGraph(${Buffer.from(bytes).toString('hex')}): got ${String(error)}, want a StatefileError`);
  }
};

ScanProperties('arbitrary bytes decode to a value or a typed error', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), expectTypedOrValue), { numRuns: 3000 });
});

ScanProperties('mutated and truncated graphs decode to a value or a typed error', () => {
  fc.assert(
    fc.property(graphArbitrary, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (graph, flips, cut) => {
      const bytes = Uint8Array.from(encodeGraph(graph, { registry: testRegistry }).bytes);
      for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
      expectTypedOrValue(bytes);
      expectTypedOrValue(bytes.subarray(0, cut % (bytes.length + 1)));
    }),
    { numRuns: 3000 },
  );
});

ScanProperties.run();
