// /proc/cpuinfo for a sandbox: N virtual CPUs that all have the sandbox's feature set, in
// the format Linux prints (arch/x86/kernel/cpu/proc.c show_cpuinfo; arch/arm64/kernel/
// cpuinfo.c c_show), with gVisor's choices for the topology (pkg/cpuid WriteCPUInfoTo):
// one socket, one core per CPU.
import type { FeatureSet } from './feature-set.js';
import { featureTable } from './feature-table.js';
import type { HostIdentity } from './host.js';

/** RenderCpuinfoOptions are the virtual CPUs' count and identity; identity fields default as documented on each. */
export interface RenderCpuinfoOptions extends HostIdentity {
  /** How many processors to list (a positive integer). */
  readonly cpus: number;
}

/**
 * renderCpuinfo renders /proc/cpuinfo for `cpus` processors with the set's features. Only
 * features Linux shows are listed (the table's shown=no ones are hidden, as in Linux).
 * Identity fields missing from options are printed as gVisor does when it does not know
 * them: `unknown` for vendor_id, model name and stepping, 0 for family and model, 0.000
 * MHz, a 64-byte cache line; `cache size` is left out, as Linux does when it is unknown.
 */
export function renderCpuinfo(set: FeatureSet, options: RenderCpuinfoOptions): string {
  if (!Number.isInteger(options.cpus) || options.cpus < 1) throw new RangeError(`renderCpuinfo: cpus must be a positive integer, not ${options.cpus}`);
  const table = featureTable(set.arch);
  const flags = set
    .names()
    .filter((name) => table.shown[table.indexOf(name)])
    .map((name) => ` ${name}`)
    .join('');
  let text = '';
  for (let cpu = 0; cpu < options.cpus; cpu++) {
    text += set.arch === 'x86_64' ? x86Block(cpu, flags, set.has('fpu'), options) : arm64Block(cpu, flags, options);
  }
  return text;
}

function x86Block(cpu: number, flags: string, fpu: boolean, options: RenderCpuinfoOptions): string {
  const mhz = options.mhz ?? 0;
  const cacheLine = options.cacheLineSize ?? 64;
  return [
    `processor\t: ${cpu}`,
    `vendor_id\t: ${options.vendor ?? 'unknown'}`,
    `cpu family\t: ${options.family ?? 0}`,
    `model\t\t: ${options.model ?? 0}`,
    `model name\t: ${options.brand || 'unknown'}`,
    `stepping\t: ${options.stepping ?? 'unknown'}`,
    `cpu MHz\t\t: ${mhz.toFixed(3)}`,
    ...(options.cacheSizeKb === undefined ? [] : [`cache size\t: ${options.cacheSizeKb} KB`]),
    'physical id\t: 0',
    `siblings\t: ${options.cpus}`,
    `core id\t\t: ${cpu}`,
    `cpu cores\t: ${options.cpus}`,
    `apicid\t\t: ${cpu}`,
    `initial apicid\t: ${cpu}`,
    `fpu\t\t: ${fpu ? 'yes' : 'no'}`,
    `fpu_exception\t: ${fpu ? 'yes' : 'no'}`,
    // encode() reports at most leaf 0DH, the highest leaf the feature table reads.
    'cpuid level\t: 13',
    'wp\t\t: yes',
    `flags\t\t:${flags}`,
    `bogomips\t: ${(mhz * 2).toFixed(2)}`,
    `clflush size\t: ${cacheLine}`,
    `cache_alignment\t: ${cacheLine}`,
    'address sizes\t: 46 bits physical, 48 bits virtual',
    'power management:',
    '',
    '',
  ].join('\n');
}

function arm64Block(cpu: number, flags: string, options: RenderCpuinfoOptions): string {
  return [
    `processor\t: ${cpu}`,
    `BogoMIPS\t: ${(options.bogomips ?? 0).toFixed(2)}`,
    `Features\t:${flags}`,
    `CPU implementer\t: 0x${(options.implementer ?? 0).toString(16).padStart(2, '0')}`,
    'CPU architecture: 8',
    `CPU variant\t: 0x${(options.variant ?? 0).toString(16)}`,
    `CPU part\t: 0x${(options.part ?? 0).toString(16).padStart(3, '0')}`,
    `CPU revision\t: ${options.revision ?? 0}`,
    '',
    '',
  ].join('\n');
}
