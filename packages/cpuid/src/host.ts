// Host detection: the CPU features of the machine we run on, read from Linux's
// /proc/cpuinfo (Node cannot execute CPUID). On x86_64 the `flags` line names features;
// on arm64 the `Features` line names hwcaps. A name in the table is in the host's set
// exactly when every processor lists it; other names (Linux's synthetic flags such as
// constant_tsc, or hwcaps newer than the table) go to ignoredFlags. Features the table
// marks shown=no never appear in a Linux flags line, so a detected host set never holds
// them: they reach a set only through decode() or an explicit FeatureSet.of.
import { readFileSync } from 'node:fs';
import { type Arch, normalizeArch } from './arch.js';
import { commonWords, firstField, numberField, parseCpuinfoText } from './cpuinfo-parse.js';
import { UnsupportedArchitectureError } from './errors.js';
import { FeatureSet } from './feature-set.js';
import { featureTable } from './feature-table.js';
import type { CpuIdentity } from './leaves.js';

/** HostIdentity is what /proc/cpuinfo says about the processor besides its features; fields it lacks are absent. */
export interface HostIdentity extends Partial<CpuIdentity> {
  /** x86 `cpu MHz`. */
  readonly mhz?: number;
  /** x86 `cache size`, in KB. */
  readonly cacheSizeKb?: number;
  /** arm64 `CPU implementer` (MIDR_EL1 implementer, 0x41 for Arm). */
  readonly implementer?: number;
  /** arm64 `CPU variant`. */
  readonly variant?: number;
  /** arm64 `CPU part` (0xd0c for Neoverse N1). */
  readonly part?: number;
  /** arm64 `CPU revision`. */
  readonly revision?: number;
  /** arm64 `BogoMIPS`. */
  readonly bogomips?: number;
}

/** SupportedHost is a host whose features were read. */
export interface SupportedHost {
  readonly supported: true;
  readonly arch: Arch;
  readonly features: FeatureSet;
  /** How many processors /proc/cpuinfo lists. */
  readonly cpus: number;
  readonly identity: HostIdentity;
  /** Flags every processor lists that the table does not name, in the order Linux printed them. */
  readonly ignoredFlags: readonly string[];
}

/** UnsupportedHost is a host that is not Linux on x86_64 or arm64: no features, and the error to report. */
export interface UnsupportedHost {
  readonly supported: false;
  readonly arch: string;
  readonly platform: string;
  readonly error: UnsupportedArchitectureError;
}

/** HostDetection is the result of detectHost. */
export type HostDetection = SupportedHost | UnsupportedHost;

/** DetectHostOptions replaces what detectHost reads from the machine, for tests and tools. */
export interface DetectHostOptions {
  /** The text of /proc/cpuinfo (default: read from the machine). */
  readonly cpuinfo?: string;
  /** The architecture, in Node (`x64`), uname (`x86_64`, `aarch64`) or Go (`amd64`) spelling (default: process.arch). */
  readonly arch?: string;
  /** The platform (default: `linux` when cpuinfo is given, else process.platform). */
  readonly platform?: string;
}

/**
 * detectHost reads the host's CPU features from /proc/cpuinfo. A host other than Linux on
 * x86_64 or arm64 gives an UnsupportedHost result (not an exception); a /proc/cpuinfo that
 * is not in Linux's format throws MalformedCpuinfoError.
 */
export function detectHost(options: DetectHostOptions = {}): HostDetection {
  const rawArch = options.arch ?? process.arch;
  const platform = options.platform ?? (options.cpuinfo === undefined ? process.platform : 'linux');
  const arch = normalizeArch(rawArch);
  if (arch === undefined || platform !== 'linux') {
    return { supported: false, arch: rawArch, platform, error: new UnsupportedArchitectureError(rawArch, platform) };
  }
  const cpuinfo = parseCpuinfoText(options.cpuinfo ?? readFileSync('/proc/cpuinfo', 'utf8'));
  const table = featureTable(arch);
  const flags = commonWords(cpuinfo, arch === 'x86_64' ? 'flags' : 'Features');
  const known = flags.filter((flag) => table.lookup(flag) !== undefined);
  const identity: HostIdentity =
    arch === 'x86_64'
      ? dropUndefined({
          vendor: firstField(cpuinfo, 'vendor_id'),
          family: numberField(cpuinfo, 'cpu family', 'integer'),
          model: numberField(cpuinfo, 'model', 'integer'),
          stepping: numberField(cpuinfo, 'stepping', 'integer'),
          brand: firstField(cpuinfo, 'model name'),
          cacheLineSize: numberField(cpuinfo, 'clflush size', 'integer'),
          mhz: numberField(cpuinfo, 'cpu MHz', 'decimal'),
          cacheSizeKb: numberField(cpuinfo, 'cache size', 'kilobytes'),
        })
      : dropUndefined({
          implementer: numberField(cpuinfo, 'CPU implementer', 'hex'),
          variant: numberField(cpuinfo, 'CPU variant', 'hex'),
          part: numberField(cpuinfo, 'CPU part', 'hex'),
          revision: numberField(cpuinfo, 'CPU revision', 'integer'),
          bogomips: numberField(cpuinfo, 'BogoMIPS', 'decimal'),
        });
  return {
    supported: true,
    arch,
    features: FeatureSet.of(arch, known),
    cpus: cpuinfo.processors.length,
    identity,
    ignoredFlags: flags.filter((flag) => table.lookup(flag) === undefined),
  };
}

function dropUndefined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}
