import { FeatureSet, serializeFeatureSet } from '@stasis/cpuid';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkImageCpuFeatures } from './cpu-gate.js';
import { ImageContentError, ImageCpuMismatchError } from './errors.js';

const Gate = suite('CPU gate');

Gate('an image whose set the host lacks features of is refused naming every missing one', () => {
  const image = serializeFeatureSet(FeatureSet.of('x86_64', ['fpu', 'sse', 'sse2', 'avx', 'avx2', 'avx512f']));
  const host = FeatureSet.of('x86_64', ['fpu', 'sse', 'sse2', 'avx']);
  try {
    checkImageCpuFeatures('/images/web', image, host);
    assert.unreachable('the gate let avx2 and avx512f through');
  } catch (error) {
    assert.instance(error, ImageCpuMismatchError);
    assert.equal((error as ImageCpuMismatchError).missing, ['avx2', 'avx512f']);
    assert.match((error as Error).message, 'avx2, avx512f');
  }
});

Gate('an image narrowed to a subset of the host restores, and its own set comes back', () => {
  const narrowed = FeatureSet.of('x86_64', ['fpu', 'sse']);
  const host = FeatureSet.of('x86_64', ['fpu', 'sse', 'sse2', 'avx']);
  assert.ok(checkImageCpuFeatures('/images/web', serializeFeatureSet(narrowed), host).equals(narrowed));
});

Gate('an empty set crosses architectures; a non-empty one does not', () => {
  const arm = FeatureSet.of('arm64', []);
  assert.ok(checkImageCpuFeatures('/i', serializeFeatureSet(FeatureSet.empty('x86_64')), arm).isEmpty());
  assert.throws(() => checkImageCpuFeatures('/i', serializeFeatureSet(FeatureSet.of('x86_64', ['fpu'])), arm), (error: unknown) => error instanceof ImageCpuMismatchError);
});

Gate('an unreadable feature set is an image content error, not a crash', () => {
  assert.throws(() => checkImageCpuFeatures('/i', 'garbage', FeatureSet.empty('x86_64')), (error: unknown) => error instanceof ImageContentError);
});

Gate.run();

const GateProperties = suite('CPU gate properties');

GateProperties('the gate passes exactly when the image set is a subset of the host set', () => {
  const names = FeatureSet.all('x86_64').names().slice(0, 40);
  const subset = fc.subarray(names);
  fc.assert(
    fc.property(subset, subset, (imageNames, hostNames) => {
      const image = FeatureSet.of('x86_64', imageNames);
      const host = FeatureSet.of('x86_64', hostNames);
      const missing = imageNames.filter((name) => !hostNames.includes(name));
      try {
        checkImageCpuFeatures('/i', serializeFeatureSet(image), host);
        assert.equal(missing, [], `the gate passed with ${missing.join(',')} missing`);
      } catch (error) {
        assert.instance(error, ImageCpuMismatchError);
        assert.equal([...(error as ImageCpuMismatchError).missing].sort(), [...missing].sort());
      }
    }),
  );
});

GateProperties.run();
