// Dependencies between x86 features that CPUID itself imposes: a bit is only meaningful
// when another one is set. Leaf 0DH subleaf 1 describes XSAVE's extensions, so its bits
// need XSAVE (CPUID.01H:ECX[26]); Linux clears them otherwise (arch/x86/kernel/cpu/cpuid-deps.c:
// XSAVEOPT, XSAVEC, XSAVES and XGETBV1 depend on XSAVE). The rules are derived from the
// table, so a new bit in that leaf gets the rule too.
import { FeatureDependencyError } from './errors.js';
import type { FeatureSet } from './feature-set.js';
import { X86_FEATURES } from './features-x86.js';

/** FeatureDependency says that a feature is only meaningful with another one. */
export interface FeatureDependency {
  readonly feature: string;
  readonly requires: string;
}

/** X86_DEPENDENCIES lists the dependencies between x86 features that decode() and encode() respect. */
export const X86_DEPENDENCIES: readonly FeatureDependency[] = Object.freeze(
  X86_FEATURES.filter((feature) => feature.leaf === 0xd && feature.subleaf === 1).map((feature) => Object.freeze({ feature: feature.name, requires: 'xsave' })),
);

function dependenciesOf(set: FeatureSet): readonly FeatureDependency[] {
  return set.arch === 'x86_64' ? X86_DEPENDENCIES : [];
}

/** unmetDependency returns the first dependency that a set breaks, or undefined if it keeps them all. */
export function unmetDependency(set: FeatureSet): FeatureDependency | undefined {
  return dependenciesOf(set).find((dependency) => set.has(dependency.feature) && !set.has(dependency.requires));
}

/** assertDependencies throws a FeatureDependencyError for the first dependency that a set breaks. */
export function assertDependencies(set: FeatureSet): void {
  const unmet = unmetDependency(set);
  if (unmet) throw new FeatureDependencyError(unmet.feature, unmet.requires);
}

/** withDependencies returns the set plus every feature that its features require. */
export function withDependencies(set: FeatureSet): FeatureSet {
  let result = set;
  for (let unmet = unmetDependency(result); unmet; unmet = unmetDependency(result)) result = result.with(unmet.requires);
  return result;
}

/** withoutOrphans returns the set minus every feature whose requirement it lacks, as decode() sees it. */
export function withoutOrphans(set: FeatureSet): FeatureSet {
  let result = set;
  for (let unmet = unmetDependency(result); unmet; unmet = unmetDependency(result)) result = result.without(unmet.feature);
  return result;
}
