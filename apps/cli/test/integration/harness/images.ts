// The probe image: fixtures/probe.wasm at the root of an OCI image built offline by
// tooling/integration/mkimage.sh, loaded into the lab's containerd and dockerd.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from './command.js';
import type { Lab } from './lab.js';
import { INTEGRATION_TOOLING } from './prerequisites.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** PROBE_IMAGE is the image's reference; Docker shows it as `stasis-probe:it`. */
export const PROBE_IMAGE = 'docker.io/library/stasis-probe:it';

/** Probe is the probe program as the image holds it. */
export interface Probe {
  /** The image reference for `ctr run` and `docker run`. */
  readonly image: string;
  /** The program's absolute path inside the image. */
  readonly path: string;
  /** The tar file of the image (OCI layout plus Docker's manifest.json). */
  readonly tarball: string;
}

/** probeCommand is the container command line running the probe in mode with args. */
export function probeCommand(probe: Probe, mode: string, ...args: string[]): string[] {
  return [probe.path, mode, ...args];
}

/**
 * buildProbeImage writes the probe image into the lab. For stasis it holds the committed
 * fixtures/probe.wasm; to check the harness against runc it holds the same source built
 * natively (needs clang).
 */
export async function buildProbeImage(lab: Lab): Promise<Probe> {
  let program = join(FIXTURES, 'probe.wasm');
  if (lab.runtime.kind === 'runc') {
    program = lab.path('probe');
    await runChecked(['clang', '-static', '-O2', join(FIXTURES, 'probe.c'), '-o', program]);
  }
  const tarball = lab.path('probe-image.tar');
  await runChecked([join(INTEGRATION_TOOLING, 'mkimage.sh'), tarball, PROBE_IMAGE, program, 'hello']);
  const name = program.slice(program.lastIndexOf('/') + 1);
  return { image: PROBE_IMAGE, path: `/${name}`, tarball };
}
