// The CPU feature set a sandbox exposes in /proc/cpuinfo, rendered by @stasis/cpuid.
import { availableParallelism } from 'node:os';
import { type FeatureSet, type RenderCpuinfoOptions, renderCpuinfo } from '@stasis/cpuid';
import type { CpuInfoOptions } from './kernel.js';

/**
 * cpuInfoFor makes the kernel's CPU options from a @stasis/cpuid FeatureSet: /proc/cpuinfo
 * lists `cpus` processors (the host's count by default) with that set's flags, in Linux's
 * format, with the identity fields given (gVisor's placeholders otherwise).
 */
export function cpuInfoFor(set: FeatureSet, identity: Partial<RenderCpuinfoOptions> = {}): CpuInfoOptions {
  const options: RenderCpuinfoOptions = { ...identity, cpus: identity.cpus ?? availableParallelism() };
  return { features: set, renderCpuinfo: () => renderCpuinfo(set, options) };
}
