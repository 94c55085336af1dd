// Set algebra over FeatureSets of one architecture. Mixing architectures is an error:
// there is no meaningful intersection of x86 and arm64 features.
import { ArchitectureMismatchError } from './errors.js';
import { FeatureSet } from './feature-set.js';

function sameArch(left: FeatureSet, right: FeatureSet): void {
  if (left.arch !== right.arch) throw new ArchitectureMismatchError(left.arch, right.arch);
}

/** union returns the features in either set. */
export function union(left: FeatureSet, right: FeatureSet): FeatureSet {
  sameArch(left, right);
  return FeatureSet.fromBits(left.arch, left.bits | right.bits);
}

/** intersect returns the features in both sets. */
export function intersect(left: FeatureSet, right: FeatureSet): FeatureSet {
  sameArch(left, right);
  return FeatureSet.fromBits(left.arch, left.bits & right.bits);
}

/** subtract returns the features of left that right lacks. */
export function subtract(left: FeatureSet, right: FeatureSet): FeatureSet {
  sameArch(left, right);
  return FeatureSet.fromBits(left.arch, left.bits & ~right.bits);
}

/** isSubset reports whether every feature of left is in right. */
export function isSubset(left: FeatureSet, right: FeatureSet): boolean {
  sameArch(left, right);
  return (left.bits & ~right.bits) === 0n;
}
