import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { anyFeatureSetArbitrary } from '../test/arbitraries.js';
import { expectError } from '../test/expect-error.js';
import { MalformedFeatureSetError, UnknownFeatureError, UnsupportedArchitectureError, UnsupportedSerializationVersionError } from './errors.js';
import { FeatureSet } from './feature-set.js';
import { deserializeFeatureSet, FEATURE_SET_SERIALIZATION_VERSION, serializeFeatureSet } from './serialization.js';

const Serialize = suite('serializeFeatureSet');

Serialize('writes version 1 with one hex word per CPUID register block (known values)', () => {
  assert.is(FEATURE_SET_SERIALIZATION_VERSION, 1);
  assert.is(serializeFeatureSet(FeatureSet.empty('x86_64')), '1:x86_64:0.0.0.0.0.0.0.0');
  // fpu = 01H:EDX[0], lm = 80000001H:EDX[29], avx = 01H:ECX[28], xsaveopt = (0DH,1):EAX[0], spec_ctrl_ssbd = (07H,0):EDX[31]
  assert.is(serializeFeatureSet(FeatureSet.of('x86_64', ['fpu', 'lm', 'avx', 'xsave', 'xsaveopt', 'spec_ctrl_ssbd'])), '1:x86_64:1.20000000.14000000.0.0.1.0.80000000');
  assert.is(serializeFeatureSet(FeatureSet.of('arm64', ['fp', 'asimd', 'gcs', 'dcpodp', 'poe'])), '1:arm64:3.1.1.80000000');
});

Serialize('is short: the full x86 table fits in well under 100 characters', () => {
  assert.ok(serializeFeatureSet(FeatureSet.all('x86_64')).length < 100);
});

const Deserialize = suite('deserializeFeatureSet');

Deserialize('reads what serializeFeatureSet wrote (known value)', () => {
  assert.equal(deserializeFeatureSet('1:x86_64:1.20000000.14000000.0.0.1.0.80000000').names(), ['fpu', 'lm', 'xsave', 'avx', 'xsaveopt', 'spec_ctrl_ssbd']);
});

Deserialize('refuses versions it does not know, naming the version found and those supported', () => {
  for (const [text, found] of [
    ['2:x86_64:0.0.0.0.0.0.0.0', 2],
    ['0:x86_64:0.0.0.0.0.0.0.0', 0],
    ['99:whatever', 99],
  ] as const) {
    const error = expectError(() => deserializeFeatureSet(text), UnsupportedSerializationVersionError, text);
    assert.is(error.found, found);
    assert.equal(error.supported, [1]);
  }
});

Deserialize('refuses an unknown architecture', () => {
  assert.is(expectError(() => deserializeFeatureSet('1:riscv64:0'), UnsupportedArchitectureError).arch, 'riscv64');
  expectError(() => deserializeFeatureSet('1:x64:0.0.0.0.0.0.0.0'), UnsupportedArchitectureError, 'only the canonical arch name');
});

Deserialize('refuses a set bit that the table does not name', () => {
  // 01H:EDX[10] is reserved; AT_HWCAP bit 33 is not in the table.
  assert.match(expectError(() => deserializeFeatureSet('1:x86_64:400.0.0.0.0.0.0.0'), UnknownFeatureError).feature, 'CPUID(0x1,0).edx[10]');
  assert.match(expectError(() => deserializeFeatureSet('1:arm64:0.2.0.0'), UnknownFeatureError).feature, 'AT_HWCAP bit 33');
});

Deserialize('refuses every text that is not canonical', () => {
  for (const text of [
    '',
    'x86_64',
    '1',
    '1:',
    '1:x86_64',
    '1:x86_64:',
    '1:x86_64:0.0.0.0.0.0.0',
    '1:x86_64:0.0.0.0.0.0.0.0.0',
    '1:x86_64:00.0.0.0.0.0.0.0',
    '1:x86_64:1F.0.0.0.0.0.0.0',
    '1:x86_64:100000000.0.0.0.0.0.0.0',
    '1:x86_64:0.0.0.0.0.0.0.0:',
    '1:x86_64: 0.0.0.0.0.0.0.0',
    'v1:x86_64:0.0.0.0.0.0.0.0',
    '1:x86_64:-1.0.0.0.0.0.0.0',
  ]) {
    expectError(() => deserializeFeatureSet(text), MalformedFeatureSetError, JSON.stringify(text));
  }
});

const Properties = suite('serialization properties');

Properties('deserialize(serialize(set)) equals set, for both architectures', () => {
  fc.assert(
    fc.property(anyFeatureSetArbitrary, (set) => {
      const back = deserializeFeatureSet(serializeFeatureSet(set));
      assert.ok(back.equals(set), `got ${back}, want ${set}`);
    }),
  );
});

Properties('equal texts exactly for equal sets', () => {
  fc.assert(
    fc.property(anyFeatureSetArbitrary, anyFeatureSetArbitrary, (left, right) => {
      assert.is(serializeFeatureSet(left) === serializeFeatureSet(right), left.equals(right));
    }),
  );
});

Properties('any text either reads back to itself or throws a typed error', () => {
  const typed = [MalformedFeatureSetError, UnknownFeatureError, UnsupportedArchitectureError, UnsupportedSerializationVersionError];
  const texts = fc.oneof(
    fc.string(),
    fc.tuple(fc.constantFrom('1', '2', '01'), fc.constantFrom('x86_64', 'arm64', 'mips'), fc.array(fc.nat(0xffffffff), { maxLength: 9 })).map(
      ([version, arch, words]) => `${version}:${arch}:${words.map((word) => word.toString(16)).join('.')}`,
    ),
  );
  fc.assert(
    fc.property(texts, (text) => {
      try {
        assert.is(serializeFeatureSet(deserializeFeatureSet(text)), text);
      } catch (error) {
        assert.ok(
          typed.some((ErrorClass) => error instanceof ErrorClass),
          `deserializeFeatureSet(${JSON.stringify(text)}) threw ${String(error)}`,
        );
      }
    }),
  );
});

Serialize.run();
Deserialize.run();
Properties.run();
