// fast-check arbitraries shared by the property tests.
import fc from 'fast-check';
import type { Arch } from '../src/arch.js';
import { FeatureSet } from '../src/feature-set.js';
import { featureTable } from '../src/feature-table.js';

/** featureSetArbitrary draws an arbitrary subset of an architecture's table. */
export function featureSetArbitrary(arch: Arch): fc.Arbitrary<FeatureSet> {
  return fc.subarray([...featureTable(arch).names]).map((names) => FeatureSet.of(arch, names));
}

/** anyFeatureSetArbitrary draws a subset of either architecture's table. */
export const anyFeatureSetArbitrary: fc.Arbitrary<FeatureSet> = fc.constantFrom<Arch>('x86_64', 'arm64').chain(featureSetArbitrary);

const printable = (maxLength: number, minLength = 0) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength, maxLength });

/** identityArbitrary draws a CPU identity that CPUID can express. */
export const identityArbitrary = fc
  .record({
    vendor: fc.oneof(fc.constantFrom('GenuineIntel', 'AuthenticAMD', 'HygonGenuine'), printable(12, 12)),
    family: fc.integer({ min: 0, max: 0xf + 0xff }),
    modelByte: fc.integer({ min: 0, max: 0xff }),
    stepping: fc.integer({ min: 0, max: 0xf }),
    brand: printable(48),
    cacheLineSize: fc.integer({ min: 0, max: 0xff }).map((units) => units * 8),
  })
  // Below family 6 the extended model bits are not read (Linux x86_model), so models are 0-15.
  .map(({ modelByte, ...rest }) => ({ ...rest, model: rest.family >= 6 ? modelByte : modelByte & 0xf }));
