// `stasis cpu-features`: the host's CPU features, one per line in Linux order, like
// `runsc cpu-features`; `--format json` prints `{"arch":...,"features":[...]}`. The names
// are those of @stasis/cpuid's table that /proc/cpuinfo lists (see detectHost). An
// unsupported host (not Linux on x86_64 or arm64) is an error with exit status 1.
import { detectHost, type HostDetection } from '@stasis/cpuid';

export interface CpuFeaturesOptions {
  readonly format: 'text' | 'json';
}

/** CpuFeaturesIo replaces the host and stdout, for tests. */
export interface CpuFeaturesIo {
  readonly detect: () => HostDetection;
  readonly write: (text: string) => void;
}

const defaultIo: CpuFeaturesIo = { detect: () => detectHost(), write: (text) => process.stdout.write(text) };

/** run prints the host's CPU features and resolves to exit status 0. */
export async function run(options: CpuFeaturesOptions, io: CpuFeaturesIo = defaultIo): Promise<number> {
  const host = io.detect();
  if (!host.supported) throw host.error;
  const names = host.features.names();
  io.write(options.format === 'json' ? `${JSON.stringify(host.features)}\n` : names.map((name) => `${name}\n`).join(''));
  return 0;
}
