// Whether this machine can run the engines, and which runtime they drive. The suites run where
// the daemons can start, print why they skip where they cannot, and fail instead of skipping
// when STASIS_INTEGRATION=require (as .ci/run sets once it has installed the daemons).
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** REPOSITORY_ROOT is the monorepo checkout holding these tests. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

/** INTEGRATION_TOOLING is the directory of the lab scripts (daemons.sh, mkimage.sh). */
export const INTEGRATION_TOOLING = join(REPOSITORY_ROOT, 'tooling', 'integration');

/** IntegrationMode is what STASIS_INTEGRATION asks for: run when possible, never, or always. */
export type IntegrationMode = 'auto' | 'off' | 'require';

const MODES: Readonly<Record<string, IntegrationMode>> = {
  '': 'auto',
  auto: 'auto',
  '0': 'off',
  off: 'off',
  '1': 'require',
  require: 'require',
};

/** integrationMode reads STASIS_INTEGRATION: unset or `auto`, `0` or `off`, `1` or `require`. */
export function integrationMode(env: NodeJS.ProcessEnv = process.env): IntegrationMode {
  const value = env.STASIS_INTEGRATION ?? '';
  const mode = MODES[value];
  if (mode === undefined) throw new Error(`STASIS_INTEGRATION=${value}: expected auto, off (0) or require (1)`);
  return mode;
}

/** Engine is one of the two container engines the suites drive. */
export type Engine = 'containerd' | 'docker';

/** Availability says whether an engine can run here and, when it cannot, why. */
export type Availability = { readonly available: true } | { readonly available: false; readonly reason: string };

/** Executables each engine's suite needs: the daemons, their clients, and the lab's tools. */
const EXECUTABLES: Readonly<Record<Engine, readonly string[]>> = {
  containerd: ['containerd', 'ctr', 'containerd-shim-runc-v2', 'jq', 'setsid', 'script', 'tar', 'gzip', 'sha256sum'],
  docker: ['containerd', 'ctr', 'containerd-shim-runc-v2', 'dockerd', 'docker', 'jq', 'setsid', 'script', 'tar', 'gzip', 'sha256sum'],
};

/** INSTALL_HINT is how to get the daemons on Debian. */
export const INSTALL_HINT = 'apt-get install -y containerd runc docker.io jq';

/** checkAvailability tells whether engine's suite can run on this machine. */
export function checkAvailability(engine: Engine): Availability {
  if (process.platform !== 'linux') return unavailable(`containerd and Docker need Linux, this is ${process.platform}`);
  if (process.getuid?.() !== 0) return unavailable('the daemons need root (mounts, namespaces); run as root');
  const missing = EXECUTABLES[engine].filter((name) => findExecutable(name) === undefined);
  if (missing.length > 0) return unavailable(`not installed: ${missing.join(', ')} (${INSTALL_HINT})`);
  if (!readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n')) {
    return unavailable('the kernel has no overlay filesystem, which the snapshotters need');
  }
  return { available: true };
}

/** findExecutable returns the absolute path of name on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  // The Debian docker client matches the Debian dockerd; another one earlier on PATH may not.
  if (name === 'docker' && isExecutable('/usr/bin/docker')) return '/usr/bin/docker';
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** RuntimeUnderTest is the runc-compatible executable the engines are told to call. */
export interface RuntimeUnderTest {
  readonly path: string;
  /** `stasis` runs the wasm probe; `runc` (a check of the harness itself) runs a native build of it. */
  readonly kind: 'stasis' | 'runc';
}

/** runtimeUnderTest is bin/stasis, or STASIS_INTEGRATION_RUNTIME (an absolute path) to check the harness against runc. */
export function runtimeUnderTest(env: NodeJS.ProcessEnv = process.env): RuntimeUnderTest {
  const path = env.STASIS_INTEGRATION_RUNTIME || join(REPOSITORY_ROOT, 'bin', 'stasis');
  return { path, kind: path.endsWith('/runc') ? 'runc' : 'stasis' };
}

/** runtimeProblem says why the runtime cannot be called (for stasis: the CLI is not built), or undefined. */
export function runtimeProblem(runtime: RuntimeUnderTest): string | undefined {
  if (!isExecutable(runtime.path)) return `${runtime.path} is not an executable`;
  if (runtime.kind === 'stasis') {
    const built = join(REPOSITORY_ROOT, 'apps', 'cli', 'dist', 'bin.js');
    if (!existsSync(built)) return `${built} is missing: run \`pnpm build\` first`;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function unavailable(reason: string): Availability {
  return { available: false, reason };
}
