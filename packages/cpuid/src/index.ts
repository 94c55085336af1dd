// @stasis/cpuid: the CPU feature model of gVisor's pkg/cpuid as a standalone package.
// One table per architecture (features-x86.ts, generated from data/cpuid-amd64.tsv, and
// features-arm64.ts) is the single source for decoding, encoding, host detection, set
// algebra, policy, rendering and serialization.
export { ARCHES, type Arch, normalizeArch } from './arch.js';
export { renderCpuinfo, type RenderCpuinfoOptions } from './cpuinfo-render.js';
export { type FeatureDependency, withDependencies, X86_DEPENDENCIES } from './dependencies.js';
export {
  AnnotationRefusedError,
  ArchitectureMismatchError,
  FeatureDependencyError,
  IncompatibleFeaturesError,
  MalformedCpuinfoError,
  MalformedFeatureSetError,
  UnknownFeatureError,
  UnsupportedArchitectureError,
  UnsupportedSerializationVersionError,
} from './errors.js';
export { FeatureSet } from './feature-set.js';
export { type CpuidRegisterBlock, featureTable, type FeatureTable, X86_REGISTER_BLOCKS } from './feature-table.js';
export { ARM64_FEATURES, type Arm64Feature } from './features-arm64.js';
export { X86_FEATURES, type X86Feature } from './features-x86.js';
export { type DetectHostOptions, detectHost, type HostDetection, type HostIdentity, type SupportedHost, type UnsupportedHost } from './host.js';
export {
  type CpuIdentity,
  type CpuidEntry,
  type CpuidInfo,
  type CpuidLeaves,
  type CpuidRegisters,
  cpuidKey,
  cpuidLeaves,
  decode,
  encode,
} from './leaves.js';
export { applyCpuFeaturesAnnotation, assertCompatible, CPU_FEATURES_ANNOTATION, checkCompatible, parseCpuFeaturesAnnotation } from './policy.js';
export {
  deserializeFeatureSet,
  FEATURE_SET_SERIALIZATION_VERSION,
  SUPPORTED_SERIALIZATION_VERSIONS,
  serializeFeatureSet,
} from './serialization.js';
export { intersect, isSubset, subtract, union } from './set-algebra.js';
