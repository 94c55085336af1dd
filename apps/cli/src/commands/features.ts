// `stasis features`: what this runtime supports, in the JSON of `runc features` (containerd
// 2.x asks for it). Honest about a sandbox of WebAssembly programs: no namespaces, cgroups,
// seccomp or hooks; bind and tmpfs mounts; checkpoint/restore.
import { CPU_FEATURES_ANNOTATION } from '@stasis/cpuid';
import type { GlobalOptions } from '../cli.js';
import { OCI_VERSION } from '../container/container.js';
import { VERSION } from '../version.js';

/** FeaturesOptions are the options of `stasis features`. */
export interface FeaturesOptions {
  readonly globals: GlobalOptions;
}

/** runtimeFeatures is the features document. */
export function runtimeFeatures(): object {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: [],
    mountOptions: ['bind', 'rbind', 'ro', 'rw'],
    linux: {
      namespaces: [],
      capabilities: [],
      cgroup: { v1: false, v2: false, systemd: false, systemdUser: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: {
      'org.opencontainers.runc.checkpoint.enabled': 'true',
      'dev.stasis.version': VERSION,
      'dev.stasis.annotations': CPU_FEATURES_ANNOTATION,
    },
  };
}

/** run prints the features document. */
export async function run(_options: FeaturesOptions): Promise<number> {
  process.stdout.write(`${JSON.stringify(runtimeFeatures(), null, 2)}\n`);
  return 0;
}
