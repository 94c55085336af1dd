import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { featureSetArbitrary, identityArbitrary } from '../test/arbitraries.js';
import { expectError } from '../test/expect-error.js';
import { unmetDependency, withDependencies, X86_DEPENDENCIES } from './dependencies.js';
import { FeatureDependencyError } from './errors.js';
import { FeatureSet } from './feature-set.js';
import { X86_FEATURES } from './features-x86.js';
import { type CpuidEntry, type CpuidInfo, type CpuidLeaves, cpuidKey, cpuidLeaves, decode, encode } from './leaves.js';

/** ascii packs up to 4 characters little-endian into a register, as CPUID does. */
const ascii = (text: string) => [...text].reduce((register, char, index) => register | (char.charCodeAt(0) << (8 * index)), 0) >>> 0;
const vendorLeaf = (vendor: string, maxBasic: number): CpuidEntry => ({ leaf: 0, eax: maxBasic, ebx: ascii(vendor.slice(0, 4)), edx: ascii(vendor.slice(4, 8)), ecx: ascii(vendor.slice(8, 12)) });
const zero = { eax: 0, ebx: 0, ecx: 0, edx: 0 };
const intel: CpuidInfo = { features: FeatureSet.empty('x86_64'), vendor: 'GenuineIntel', family: 6, model: 106, stepping: 6, brand: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz', cacheLineSize: 64 };
const comparable = (info: CpuidInfo) => ({ ...info, features: info.features.names() });

const Decode = suite('decode');

Decode('reads vendor, family/model/stepping by the Linux formula, brand and cache line size', () => {
  const cases: [number, number, number, number][] = [
    // signature, family, model, stepping
    [0x000906ea, 6, 0x9e, 10], // Intel Coffee Lake: extended model counts from family 6
    [0x000606a6, 6, 0x6a, 6], // Intel Ice Lake-SP
    [0x00a00f11, 25, 1, 1], // AMD Zen 3: family 0xF plus extended family 0xA
    [0x00000f29, 15, 2, 9], // Intel NetBurst: base 0xF, extended family 0
    [0x0001052c, 5, 2, 12], // below family 6 the extended model bits are ignored
  ];
  for (const [signature, family, model, stepping] of cases) {
    const info = decode(cpuidLeaves([vendorLeaf('GenuineIntel', 1), { leaf: 1, eax: signature, ebx: 8 << 8, ecx: 0, edx: 0 }]));
    assert.equal([info.family, info.model, info.stepping], [family, model, stepping], `decode(signature 0x${signature.toString(16)})`);
    assert.is(info.vendor, 'GenuineIntel');
    assert.is(info.cacheLineSize, 64);
    assert.is(info.brand, '', 'no extended leaves, no brand');
  }
  const brand = 'AMD EPYC 7R13 Processor';
  const padded = brand.padEnd(48, '\0');
  const brandLeaves = [0x80000002, 0x80000003, 0x80000004].map((leaf, index) => {
    const part = padded.slice(index * 16, index * 16 + 16);
    return { leaf, eax: ascii(part.slice(0, 4)), ebx: ascii(part.slice(4, 8)), ecx: ascii(part.slice(8, 12)), edx: ascii(part.slice(12, 16)) };
  });
  const info = decode(cpuidLeaves([vendorLeaf('AuthenticAMD', 0xd), { leaf: 0x80000000, ...zero, eax: 0x80000004 }, ...brandLeaves]));
  assert.is(info.brand, brand);
  assert.is(info.vendor, 'AuthenticAMD');
});

Decode('names the features of each register, in Linux order', () => {
  const leaves = cpuidLeaves([
    vendorLeaf('GenuineIntel', 7),
    { leaf: 1, eax: 0, ebx: 0, ecx: (1 << 0) | (1 << 28), edx: (1 << 0) | (1 << 25) | (1 << 26) },
    { leaf: 7, subleaf: 0, eax: 0, ebx: 1 << 5, ecx: 1 << 1, edx: 1 << 31 },
    { leaf: 0x80000000, ...zero, eax: 0x80000001 },
    { leaf: 0x80000001, eax: 0, ebx: 0, ecx: 1 << 0, edx: 1 << 29 },
  ]);
  assert.equal(decode(leaves).features.names(), ['fpu', 'sse', 'sse2', 'lm', 'pni', 'avx', 'lahf_lm', 'avx2', 'avx512vbmi', 'spec_ctrl_ssbd']);
});

Decode('ignores leaves above the maximum basic leaf', () => {
  const leaf7 = { leaf: 7, subleaf: 0, eax: 0, ebx: 1 << 5, ecx: 0, edx: 0 };
  assert.ok(decode(cpuidLeaves([vendorLeaf('GenuineIntel', 7), leaf7])).features.has('avx2'));
  assert.not.ok(decode(cpuidLeaves([vendorLeaf('GenuineIntel', 6), leaf7])).features.has('avx2'), 'leaf 7 above max basic leaf 6');
});

Decode('reads leaf 0x80000001 only when the maximum extended leaf reaches it', () => {
  const extended = { leaf: 0x80000001, eax: 0, ebx: 0, ecx: 0, edx: 1 << 29 };
  const withMax = (max: number) => decode(cpuidLeaves([vendorLeaf('AuthenticAMD', 1), { leaf: 0x80000000, ...zero, eax: max }, extended])).features.has('lm');
  assert.ok(withMax(0x80000001));
  assert.ok(withMax(0x80000008));
  assert.not.ok(withMax(0x80000000), 'max extended leaf 0x80000000');
  assert.not.ok(withMax(0), 'no extended leaves');
  assert.not.ok(withMax(0x7), 'a max extended leaf below 0x80000000 means none');
});

Decode('reads leaf 0xD subleaf 1 only with XSAVE and a maximum basic leaf of 0xD', () => {
  const leafD1 = { leaf: 0xd, subleaf: 1, eax: 0b1111, ebx: 0, ecx: 0, edx: 0 };
  const xsave = { leaf: 1, eax: 0, ebx: 0, ecx: 1 << 26, edx: 0 };
  assert.equal(decode(cpuidLeaves([vendorLeaf('GenuineIntel', 0xd), xsave, leafD1])).features.names(), ['xsave', 'xsaveopt', 'xsavec', 'xgetbv1', 'xsaves']);
  assert.equal(decode(cpuidLeaves([vendorLeaf('GenuineIntel', 0xd), { ...xsave, ecx: 0 }, leafD1])).features.names(), [], 'without XSAVE');
  assert.equal(decode(cpuidLeaves([vendorLeaf('GenuineIntel', 0xc), xsave, leafD1])).features.names(), ['xsave'], 'max basic leaf 0xC');
});

Decode('reads a missing leaf as zeros', () => {
  const info = decode(new Map());
  assert.equal(comparable(info), { features: [], vendor: '', family: 0, model: 0, stepping: 0, brand: '', cacheLineSize: 0 });
});

const Encode = suite('encode');

Encode('puts every feature in its leaf, subleaf, register and bit', () => {
  for (const feature of X86_FEATURES) {
    const leaves = encode({ ...intel, features: withDependencies(FeatureSet.of('x86_64', [feature.name])) });
    const registers = leaves.get(cpuidKey(feature.leaf, feature.subleaf));
    assert.ok(registers, `encode({${feature.name}}): no leaf ${cpuidKey(feature.leaf, feature.subleaf)}`);
    assert.ok((registers[feature.register] >>> feature.bit) & 1, `encode({${feature.name}}): bit ${feature.bit} of ${feature.register} not set`);
  }
});

Encode('raises the maximum leaves only as far as needed', () => {
  const maxima = (names: string[], brand = '') => {
    const leaves = encode({ ...intel, brand, features: FeatureSet.of('x86_64', names) });
    return [leaves.get(cpuidKey(0))!.eax, leaves.get(cpuidKey(0x80000000))!.eax];
  };
  assert.equal(maxima(['fpu']), [0x1, 0x80000000]);
  assert.equal(maxima(['avx2']), [0x7, 0x80000000]);
  assert.equal(maxima(['xsave', 'xsaveopt']), [0xd, 0x80000000]);
  assert.equal(maxima(['lm']), [0x1, 0x80000001], '0x80000001 features raise the max extended leaf');
  assert.equal(maxima(['fpu'], 'Some CPU'), [0x1, 0x80000004], 'a brand raises it to 0x80000004');
});

Encode('writes the Linux identity back into leaf 0 and 1 (known values)', () => {
  const leaves = encode(intel);
  assert.equal(leaves.get(cpuidKey(0)), { eax: 1, ebx: ascii('Genu'), edx: ascii('ineI'), ecx: ascii('ntel') });
  assert.equal(leaves.get(cpuidKey(1)), { eax: 0x000606a6, ebx: 8 << 8, ecx: 0, edx: 0 });
});

Encode('refuses a set that breaks a CPUID dependency', () => {
  for (const { feature, requires } of X86_DEPENDENCIES) {
    const error = expectError(() => encode({ ...intel, features: FeatureSet.of('x86_64', [feature]) }), FeatureDependencyError, `encode({${feature}})`);
    assert.equal([error.feature, error.requires], [feature, requires]);
  }
  assert.equal(X86_DEPENDENCIES.map((dependency) => dependency.feature), ['xsaveopt', 'xsavec', 'xgetbv1', 'xsaves']);
});

Encode('refuses an identity that CPUID cannot express', () => {
  const bad: [string, Partial<CpuidInfo>][] = [
    ['a short vendor', { vendor: 'GenuineInte' }],
    ['a non-ASCII vendor', { vendor: 'GenuineIntél' }],
    ['family 271', { family: 271 }],
    ['a negative family', { family: -1 }],
    ['model 16 in family 5', { family: 5, model: 16 }],
    ['model 256', { model: 256 }],
    ['stepping 16', { stepping: 16 }],
    ['a 49-character brand', { brand: 'x'.repeat(49) }],
    ['a brand with a NUL', { brand: 'a\0b' }],
    ['a 12-byte cache line', { cacheLineSize: 12 }],
    ['a 2048-byte cache line', { cacheLineSize: 2048 }],
    ['an arm64 set', { features: FeatureSet.of('arm64', ['fp']) }],
  ];
  for (const [what, change] of bad) expectError(() => encode({ ...intel, ...change }), RangeError, `encode(${what})`);
});

const Properties = suite('decode/encode properties');

Properties('decode(encode(x)) equals x for every feature set closed under its dependencies and every identity', () => {
  fc.assert(
    fc.property(featureSetArbitrary('x86_64').map(withDependencies), identityArbitrary, (features, identity) => {
      const info: CpuidInfo = { ...identity, features };
      const back = decode(encode(info));
      assert.ok(back.features.equals(features), `features: got ${back.features}, want ${features}`);
      assert.equal(comparable(back), comparable(info));
    }),
  );
});

Properties('encode refuses exactly the sets that break a dependency', () => {
  fc.assert(
    fc.property(featureSetArbitrary('x86_64'), (features) => {
      const unmet = unmetDependency(features);
      if (unmet) expectError(() => encode({ ...intel, features }), FeatureDependencyError);
      else assert.ok(decode(encode({ ...intel, features })).features.equals(features));
    }),
  );
});

const registers = fc.record({ eax: fc.nat(0xffffffff), ebx: fc.nat(0xffffffff), ecx: fc.nat(0xffffffff), edx: fc.nat(0xffffffff) });
const rawLeaves: fc.Arbitrary<CpuidLeaves> = fc
  .array(fc.tuple(fc.constantFrom(0, 1, 7, 0xd, 0x80000000, 0x80000001, 0x80000002, 0x80000003, 0x80000004), fc.constantFrom(0, 1), registers))
  .map((entries) => cpuidLeaves(entries.map(([leaf, subleaf, values]) => ({ leaf, subleaf, ...values }))));

Properties('decode never throws on arbitrary leaves, and its sets keep the dependencies', () => {
  fc.assert(
    fc.property(rawLeaves, (leaves) => {
      const info = decode(leaves);
      assert.is(unmetDependency(info.features), undefined);
      assert.ok(info.vendor.length <= 12 && info.brand.length <= 48);
    }),
  );
});

Decode.run();
Encode.run();
Properties.run();
