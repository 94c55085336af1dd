// The feature-set policy of a sandbox, as in gVisor: the annotation that narrows the host's
// features, and the restore gate that checks a saved set against a new host.
import { type Arch, normalizeArch } from './arch.js';
import { AnnotationRefusedError, IncompatibleFeaturesError, UnsupportedArchitectureError } from './errors.js';
import { FeatureSet } from './feature-set.js';
import { intersect, subtract } from './set-algebra.js';

/** CPU_FEATURES_ANNOTATION is the OCI annotation that lists the CPU features a sandbox may see (gVisor's name). */
export const CPU_FEATURES_ANNOTATION = 'dev.gvisor.internal.cpufeatures';

/**
 * parseCpuFeaturesAnnotation reads the annotation's value: feature names separated by
 * commas, each trimmed, empty items skipped (so `""` is the empty set). An unknown name is
 * an UnknownFeatureError naming it. On arm64 the annotation is refused
 * (AnnotationRefusedError), as gVisor refuses it there.
 */
export function parseCpuFeaturesAnnotation(value: string, arch: Arch | string = 'x86_64'): FeatureSet {
  const normalized = normalizeArch(arch);
  if (normalized === undefined) throw new UnsupportedArchitectureError(arch);
  if (normalized !== 'x86_64') throw new AnnotationRefusedError(CPU_FEATURES_ANNOTATION, normalized);
  const names = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return FeatureSet.of('x86_64', names);
}

/**
 * applyCpuFeaturesAnnotation returns the features a sandbox sees: the host's, narrowed to
 * the annotation's list when the annotation is present (undefined means absent). It only
 * ever removes features: a listed feature that the host lacks is not added.
 */
export function applyCpuFeaturesAnnotation(host: FeatureSet, value: string | undefined): FeatureSet {
  if (value === undefined) return host;
  return intersect(host, parseCpuFeaturesAnnotation(value, host.arch));
}

/**
 * checkCompatible is the restore gate: it returns the names of the saved sandbox's
 * features that the host lacks, in Linux order, and so an empty list when the sandbox may
 * be restored here. Across architectures every saved feature is missing, so only an empty
 * saved set restores on a host of another architecture.
 */
export function checkCompatible(saved: FeatureSet, host: FeatureSet): string[] {
  if (saved.arch !== host.arch) return saved.names();
  return subtract(saved, host).names();
}

/** assertCompatible throws IncompatibleFeaturesError, naming the missing features, when checkCompatible finds any. */
export function assertCompatible(saved: FeatureSet, host: FeatureSet): void {
  const missing = checkCompatible(saved, host);
  if (missing.length > 0) throw new IncompatibleFeaturesError(missing);
}
