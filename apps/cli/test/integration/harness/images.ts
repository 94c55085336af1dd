// The test images, built offline by tooling/integration/mkimage.sh from the project's own wasm
// fixtures and loaded into the lab's containerd or dockerd: the probe (fixtures/c/probe.c, a
// mode per scenario) and the shared corpus' exitcode program (tooling/fixtures).
import { join } from 'node:path';
import { runChecked } from './command.js';
import type { Lab } from './lab.js';
import { INTEGRATION_TOOLING, REPOSITORY_ROOT } from './prerequisites.js';

const PROBE_FIXTURES = join(REPOSITORY_ROOT, 'apps', 'cli', 'test', 'integration', 'fixtures');
const SHARED_FIXTURES = join(REPOSITORY_ROOT, 'tooling', 'fixtures');

/** ImageProgram is a program as an image holds it. */
export interface ImageProgram {
  /** The image reference for `ctr run` and `docker run`. */
  readonly image: string;
  /** The program's absolute path inside the image. */
  readonly path: string;
  /** The tar file of the image (OCI layout plus Docker's manifest.json). */
  readonly tarball: string;
}

/** TestImages are the images every suite loads. */
export interface TestImages {
  /** The probe; its image's default command is `probe hello`. */
  readonly probe: ImageProgram;
  /** tooling/fixtures' exitcode: prints `exiting with status N` and exits N. */
  readonly exitCode: ImageProgram;
}

/** probeCommand is the container command line running the probe in mode with args. */
export function probeCommand(probe: ImageProgram, mode: string, ...args: string[]): string[] {
  return [probe.path, mode, ...args];
}

/**
 * buildImages writes the test images into the lab. For stasis they hold the committed .wasm
 * fixtures; to check the harness against runc they hold the same C sources built natively
 * (needs clang).
 */
export async function buildImages(lab: Lab): Promise<TestImages> {
  return {
    probe: await buildImage(lab, 'docker.io/library/stasis-probe:it', PROBE_FIXTURES, 'probe', ['hello']),
    exitCode: await buildImage(lab, 'docker.io/library/stasis-exitcode:it', SHARED_FIXTURES, 'exitcode', []),
  };
}

async function buildImage(
  lab: Lab,
  image: string,
  fixtures: string,
  name: string,
  defaultArgs: readonly string[],
): Promise<ImageProgram> {
  let program = join(fixtures, 'wasm', `${name}.wasm`);
  if (lab.runtime.kind === 'runc') {
    program = lab.path(name);
    await runChecked(['clang', '-static', '-O2', join(fixtures, 'c', `${name}.c`), '-o', program]);
  }
  const tarball = lab.path(`${name}-image.tar`);
  await runChecked([join(INTEGRATION_TOOLING, 'mkimage.sh'), tarball, image, program, ...defaultArgs]);
  return { image, path: `/${program.slice(program.lastIndexOf('/') + 1)}`, tarball };
}
