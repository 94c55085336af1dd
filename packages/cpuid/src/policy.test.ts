import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { expectError } from '../test/expect-error.js';
import { AnnotationRefusedError, IncompatibleFeaturesError, UnknownFeatureError, UnsupportedArchitectureError } from './errors.js';
import { FeatureSet } from './feature-set.js';
import { applyCpuFeaturesAnnotation, assertCompatible, CPU_FEATURES_ANNOTATION, checkCompatible, parseCpuFeaturesAnnotation } from './policy.js';

const host = FeatureSet.of('x86_64', ['fpu', 'sse', 'sse2', 'avx', 'avx2', 'xsave']);

const Annotation = suite('parseCpuFeaturesAnnotation');

Annotation('is gVisor annotation name', () => {
  assert.is(CPU_FEATURES_ANNOTATION, 'dev.gvisor.internal.cpufeatures');
});

Annotation('reads comma-separated names, skipping empty items and trimming spaces', () => {
  assert.equal(parseCpuFeaturesAnnotation('sse2,fpu').names(), ['fpu', 'sse2']);
  assert.equal(parseCpuFeaturesAnnotation(',sse2,,fpu,').names(), ['fpu', 'sse2']);
  assert.equal(parseCpuFeaturesAnnotation(' sse2 , fpu ').names(), ['fpu', 'sse2']);
  assert.ok(parseCpuFeaturesAnnotation('').isEmpty());
  assert.ok(parseCpuFeaturesAnnotation(',,').isEmpty());
});

Annotation('accepts the features Linux hides from flags', () => {
  assert.equal(parseCpuFeaturesAnnotation('osxsave,spec_ctrl,clfushopt').names(), ['osxsave', 'clfushopt', 'spec_ctrl']);
});

Annotation('an unknown name is an UnknownFeatureError naming it', () => {
  const error = expectError(() => parseCpuFeaturesAnnotation('fpu,avx9000,sse'), UnknownFeatureError);
  assert.is(error.feature, 'avx9000');
  assert.match(error.message, 'avx9000');
  expectError(() => parseCpuFeaturesAnnotation('FPU'), UnknownFeatureError, 'names are case-sensitive, as in Linux');
  expectError(() => parseCpuFeaturesAnnotation('constant_tsc'), UnknownFeatureError, 'Linux synthetic flags are not CPUID features');
});

Annotation('is refused on arm64, as in gVisor, whatever its value', () => {
  for (const arch of ['arm64', 'aarch64']) {
    for (const value of ['fp', '', 'fpu']) {
      const error = expectError(() => parseCpuFeaturesAnnotation(value, arch), AnnotationRefusedError, `${arch} ${value}`);
      assert.is(error.annotation, CPU_FEATURES_ANNOTATION);
      assert.is(error.arch, 'arm64');
    }
  }
  expectError(() => applyCpuFeaturesAnnotation(FeatureSet.of('arm64', ['fp']), 'fp'), AnnotationRefusedError);
});

Annotation('an unsupported architecture is an UnsupportedArchitectureError', () => {
  assert.is(expectError(() => parseCpuFeaturesAnnotation('fpu', 'riscv64'), UnsupportedArchitectureError).arch, 'riscv64');
});

const Apply = suite('applyCpuFeaturesAnnotation');

Apply('without the annotation the sandbox sees the host set', () => {
  assert.ok(applyCpuFeaturesAnnotation(host, undefined).equals(host));
  const arm = FeatureSet.of('arm64', ['fp', 'asimd']);
  assert.ok(applyCpuFeaturesAnnotation(arm, undefined).equals(arm), 'no annotation is fine on arm64');
});

Apply('narrows to the listed features the host has, never adding one it lacks', () => {
  assert.equal(applyCpuFeaturesAnnotation(host, 'fpu,sse2,avx512f').names(), ['fpu', 'sse2']);
  assert.ok(applyCpuFeaturesAnnotation(host, '').isEmpty(), 'an empty annotation leaves nothing: the portable set');
});

Apply('still refuses unknown names, even ones the host could never have', () => {
  expectError(() => applyCpuFeaturesAnnotation(host, 'fpu,bogus'), UnknownFeatureError);
});

const Gate = suite('checkCompatible (the restore gate)');

Gate('returns nothing when the host has every saved feature', () => {
  assert.equal(checkCompatible(FeatureSet.of('x86_64', ['fpu', 'avx2']), host), []);
  assert.equal(checkCompatible(host, host), []);
  assertCompatible(FeatureSet.of('x86_64', ['fpu']), host);
});

Gate('names the missing features in Linux order', () => {
  const saved = FeatureSet.of('x86_64', ['avx512f', 'fpu', 'sse4a', 'avx2']);
  assert.equal(checkCompatible(saved, host), ['sse4a', 'avx512f']);
  const error = expectError(() => assertCompatible(saved, host), IncompatibleFeaturesError);
  assert.equal(error.missing, ['sse4a', 'avx512f']);
  assert.match(error.message, 'sse4a, avx512f');
});

Gate('across architectures every saved feature is missing, so only the empty set moves', () => {
  const arm = FeatureSet.of('arm64', ['fp', 'asimd']);
  assert.equal(checkCompatible(arm, host), ['fp', 'asimd']);
  assert.equal(checkCompatible(FeatureSet.empty('arm64'), host), []);
  assert.equal(checkCompatible(FeatureSet.empty('x86_64'), arm), []);
});

Gate('an annotated sandbox restores on a smaller host that the raw host set would not', () => {
  const bigHost = FeatureSet.of('x86_64', ['fpu', 'sse', 'sse2', 'avx', 'avx2', 'avx512f']);
  const smallHost = FeatureSet.of('x86_64', ['fpu', 'sse', 'sse2', 'avx']);
  assert.equal(checkCompatible(bigHost, smallHost), ['avx2', 'avx512f']);
  const sandbox = applyCpuFeaturesAnnotation(bigHost, 'fpu,sse,sse2,avx');
  assert.equal(checkCompatible(sandbox, smallHost), []);
});

Annotation.run();
Apply.run();
Gate.run();
