// The typed errors of @stasis/cpuid. Callers tell them apart with instanceof and read their
// structured fields; the messages are for people and may change.

/** UnknownFeatureError is a feature name (or serialized bit) that the architecture's table does not know. */
export class UnknownFeatureError extends Error {
  override name = 'UnknownFeatureError';
  readonly feature: string;
  readonly arch: string;
  constructor(feature: string, arch: string, options?: { cause?: unknown }) {
    super(`unknown ${arch} CPU feature "${feature}"`, options);
    this.feature = feature;
    this.arch = arch;
  }
}

/** UnsupportedArchitectureError is a host (or serialized set) of an architecture other than x86_64 and arm64. */
export class UnsupportedArchitectureError extends Error {
  override name = 'UnsupportedArchitectureError';
  readonly arch: string;
  readonly platform: string | undefined;
  constructor(arch: string, platform?: string) {
    const where = platform === undefined ? arch : `${platform}/${arch}`;
    super(`unsupported host: ${where} (CPU features are known for Linux on x86_64 and arm64 only)`);
    this.arch = arch;
    this.platform = platform;
  }
}

/** MalformedCpuinfoError is a /proc/cpuinfo text that does not have the shape Linux gives it. */
export class MalformedCpuinfoError extends Error {
  override name = 'MalformedCpuinfoError';
  /** The 1-based line at fault, when one line is. */
  readonly line: number | undefined;
  constructor(reason: string, line?: number) {
    super(`malformed /proc/cpuinfo${line === undefined ? '' : ` at line ${line}`}: ${reason}`);
    this.line = line;
  }
}

/** UnsupportedSerializationVersionError is a serialized FeatureSet of a version this package cannot read. */
export class UnsupportedSerializationVersionError extends Error {
  override name = 'UnsupportedSerializationVersionError';
  readonly found: number;
  readonly supported: readonly number[];
  constructor(found: number, supported: readonly number[]) {
    super(`unsupported CPU feature set serialization version ${found} (supported: ${supported.join(', ')})`);
    this.found = found;
    this.supported = supported;
  }
}

/** MalformedFeatureSetError is a serialized FeatureSet that is not in the canonical form of its version. */
export class MalformedFeatureSetError extends Error {
  override name = 'MalformedFeatureSetError';
  readonly text: string;
  constructor(text: string, reason: string) {
    super(`malformed serialized CPU feature set ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)}: ${reason}`);
    this.text = text;
  }
}

/** AnnotationRefusedError is the x86 CPU feature annotation given for an arm64 sandbox, which gVisor refuses too. */
export class AnnotationRefusedError extends Error {
  override name = 'AnnotationRefusedError';
  readonly annotation: string;
  readonly arch: string;
  constructor(annotation: string, arch: string) {
    super(`the annotation ${annotation} is not supported on ${arch}: CPU features can only be narrowed on x86_64`);
    this.annotation = annotation;
    this.arch = arch;
  }
}

/** ArchitectureMismatchError is an operation on two FeatureSets of different architectures. */
export class ArchitectureMismatchError extends Error {
  override name = 'ArchitectureMismatchError';
  readonly left: string;
  readonly right: string;
  constructor(left: string, right: string) {
    super(`cannot combine an ${left} CPU feature set with an ${right} one`);
    this.left = left;
    this.right = right;
  }
}

/** FeatureDependencyError is a set given to encode() that has a feature without the feature CPUID needs for it. */
export class FeatureDependencyError extends Error {
  override name = 'FeatureDependencyError';
  readonly feature: string;
  readonly requires: string;
  constructor(feature: string, requires: string) {
    super(`CPU feature "${feature}" requires "${requires}", which the set lacks (see withDependencies)`);
    this.feature = feature;
    this.requires = requires;
  }
}

/** IncompatibleFeaturesError is the restore gate closing: the host lacks features the saved sandbox had. */
export class IncompatibleFeaturesError extends Error {
  override name = 'IncompatibleFeaturesError';
  readonly missing: readonly string[];
  constructor(missing: readonly string[]) {
    super(`this host lacks CPU features the checkpointed sandbox used: ${missing.join(', ')}`);
    this.missing = missing;
  }
}
