// From a container's LaunchSpec to the options of Sandbox.create and Sandbox.restore.
import { fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { type FeatureSet, applyCpuFeaturesAnnotation, detectHost } from '@stasis/cpuid';
import type { LaunchSpec } from './launch-spec.js';
import { podSandboxModule } from './pod-sandbox.js';
import type { RestoreSource } from './protocol.js';
import type { SandboxOptions, SandboxRestoreOptions } from './sentry.js';

/** createOptions builds Sandbox.create's options; the workload's stdio is the sandbox process's fds 0-2. */
export function createOptions(launch: LaunchSpec): SandboxOptions {
  return {
    stdio: processStdio(),
    module: launch.podSandbox ? podSandboxModule() : launch.module,
    args: launch.args,
    env: launch.env,
    rootfs: launch.rootfs,
    mounts: launch.mounts,
    cwd: launch.cwd,
    cpuFeatures: launch.cpuFeatures === undefined ? undefined : cpuFeaturesFor(launch.cpuFeatures),
    limits: launch.limits,
    labels: launch.labels,
  };
}

/**
 * restoreOptions builds Sandbox.restore's options: the image, bound to the rootfs and mounts of
 * this container's bundle unless the request names others; `onProgress` receives the memory
 * restored so far.
 */
export function restoreOptions(launch: LaunchSpec, source: RestoreSource, onProgress?: SandboxRestoreOptions['onProgress']): SandboxRestoreOptions {
  return {
    ...(onProgress === undefined ? {} : { onProgress }),
    stdio: processStdio(),
    imagePath: source.imagePath,
    rootfs: source.rootfs ?? launch.rootfs,
    mounts: source.mounts ?? launch.mounts,
    key: readKey(source.keyFile),
    // The image's CPU features must all be in what this container may use.
    cpuFeatures: launch.cpuFeatures === undefined ? undefined : cpuFeaturesFor(launch.cpuFeatures),
  };
}

// gVisor's rule: the annotation narrows the host's feature set; it never adds to it.
function cpuFeaturesFor(annotation: string): FeatureSet {
  const host = detectHost();
  if (!host.supported) throw host.error;
  return applyCpuFeaturesAnnotation(host.features, annotation);
}

/** readKey reads an image key file (--image-key-file): its bytes are the HMAC-SHA256 key. */
export function readKey(path: string | undefined): Uint8Array | undefined {
  return path === undefined ? undefined : readFileSync(path);
}

/**
 * processStdio binds the workload's fds 0-2 to this process's. An fd that is /dev/null (or
 * closed) is replaced by /dev/null opened read-write: containerd's --null-io hands the runtime
 * /dev/null opened read-only for all three, and runc reopens it (libcontainer's
 * reOpenDevNull) so that a program may write to it. It stays a host fd, so a restore binds it
 * to the restoring caller's stdio like any other.
 */
export function processStdio(): { stdin: number; stdout: number; stderr: number } {
  const devNull = statSync('/dev/null').rdev;
  let reopened: number | undefined;
  const bind = (fd: number): number => {
    try {
      const stats = fstatSync(fd);
      if (!stats.isCharacterDevice() || stats.rdev !== devNull) return fd;
    } catch {
      // Closed: as /dev/null.
    }
    reopened ??= openSync('/dev/null', 'r+');
    return reopened;
  };
  return { stdin: bind(0), stdout: bind(1), stderr: bind(2) };
}
