// An OCI bundle (a directory with config.json and, usually, the rootfs) turned into the
// LaunchSpec the sandbox process hands to the sentry: rootfs made absolute, process.args[0]
// resolved to the .wasm file inside the rootfs, OCI mounts mapped onto the sentry's bind and
// tmpfs mounts, resources and rlimits onto sandbox limits.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { CPU_FEATURES_ANNOTATION, parseCpuFeaturesAnnotation } from '@stasis/cpuid';
import type { LaunchSpec, MountSpec } from './launch-spec.js';
import { ConfigError, type OciMount, type OciProcess, type RuntimeSpec, RuntimeSpecSchema, parseJsonText, parseWithSchema } from './oci-spec.js';
import { POD_SANDBOX_MODULE, isPodSandbox } from './pod-sandbox.js';
import { guestJoin, resolveInRootfs } from './rootfs-path.js';

/** WASM_PAGE_SIZE is the size of a WebAssembly memory page, the unit of the sandbox memory limit. */
export const WASM_PAGE_SIZE = 65_536;

/** Bundle is a loaded and validated OCI bundle. */
export interface Bundle {
  /** Absolute path of the bundle directory. */
  readonly directory: string;
  readonly spec: RuntimeSpec & { process: OciProcess };
  /** Absolute path of the rootfs on the host. */
  readonly rootfs: string;
}

/** loadBundle reads and validates directory/config.json. */
export function loadBundle(directory: string): Bundle {
  const absolute = resolve(directory);
  const file = `${absolute}/config.json`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, undefined, code === 'ENOENT' ? 'no such file: the bundle needs a config.json (`stasis spec` writes one)' : String(error), { cause: error });
  }
  const spec = parseWithSchema(RuntimeSpecSchema, parseJsonText(text, 'config.json'), 'config.json');
  if (!spec.process) throw new ConfigError('config.json', 'process', 'is required: stasis runs the program it names');
  const rootPath = spec.root?.path ?? 'rootfs';
  const rootfs = isAbsolute(rootPath) ? rootPath : resolve(absolute, rootPath);
  if (!isDirectory(rootfs)) throw new ConfigError('config.json', 'root.path', `${rootfs} is not a directory`);
  return { directory: absolute, spec: { ...spec, process: spec.process }, rootfs };
}

/** EntrypointProblem says what is wrong with an entrypoint. */
export type EntrypointProblem = 'not-found' | 'directory' | 'native' | 'script' | 'not-wasm';

/** EntrypointError: a process's args[0] does not name a WebAssembly module in the rootfs. */
export class EntrypointError extends Error {
  override name = 'EntrypointError';
  readonly file: string;
  readonly field: string;
  readonly guestPath: string;
  readonly problem: EntrypointProblem;
  constructor(where: EntrypointField, guestPath: string, problem: EntrypointProblem, explanation: string) {
    super(`${where.file}: ${where.field}: ${JSON.stringify(guestPath)} ${explanation}`);
    this.file = where.file;
    this.field = where.field;
    this.guestPath = guestPath;
    this.problem = problem;
  }
}

/** EntrypointField names where an entrypoint came from, for errors: `config.json`, `process.args[0]`. */
export interface EntrypointField {
  readonly file: string;
  readonly field: string;
}

// The first bytes of files that are commonly given as entrypoints, and what to say about them.
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const RUNS_WASM = 'stasis runs WebAssembly (WASI preview 1) programs: name a .wasm file in the rootfs, built for wasm32-wasi';
const CONFIG_ENTRYPOINT: EntrypointField = { file: 'config.json', field: 'process.args[0]' };
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * resolveEntrypoint finds the host path of the .wasm file a process's args[0] names: a path
 * (absolute, or relative to cwd) inside the rootfs, or a bare name searched in the process's
 * PATH, as execve would. It explains native binaries and scripts instead of failing later.
 */
export function resolveEntrypoint(rootfs: string, ociProcess: Pick<OciProcess, 'args' | 'env' | 'cwd'>, field: EntrypointField = CONFIG_ENTRYPOINT): string {
  const program = ociProcess.args[0] as string;
  const candidates = program.includes('/') ? [guestJoin(ociProcess.cwd, program)] : searchPath(ociProcess.env ?? []).map((directory) => guestJoin(directory, program));
  for (const guestPath of candidates) {
    const host = resolveInRootfs(rootfs, guestPath);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(host);
    } catch {
      continue;
    }
    if (stats.isDirectory()) throw new EntrypointError(field, program, 'directory', 'is a directory');
    checkMagic(host, field, program);
    return host;
  }
  const where = program.includes('/') ? `in the rootfs (${rootfs})` : `in PATH within the rootfs (${rootfs})`;
  throw new EntrypointError(field, program, 'not-found', `not found ${where}`);
}

function searchPath(env: readonly string[]): string[] {
  const entry = env.findLast((variable) => variable.startsWith('PATH='));
  return (entry ? entry.slice('PATH='.length) : DEFAULT_PATH).split(':').map((directory) => directory || '.');
}

function checkMagic(host: string, field: EntrypointField, program: string): void {
  const head = Buffer.alloc(4);
  const fd = openSync(host, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (head.equals(WASM_MAGIC)) return;
  if (head.equals(ELF_MAGIC)) throw new EntrypointError(field, program, 'native', `is a native executable (ELF); ${RUNS_WASM}`);
  if (head.subarray(0, 2).toString('latin1') === '#!') throw new EntrypointError(field, program, 'script', `is a script (#!); ${RUNS_WASM}`);
  throw new EntrypointError(field, program, 'not-wasm', `is not a WebAssembly module (no \\0asm header); ${RUNS_WASM}`);
}

// Filesystems the sentry provides itself (/proc, /dev) or that have no meaning in a sandbox
// of WebAssembly programs (sysfs, cgroups, message queues): Docker and containerd always list
// them, so they are skipped rather than refused.
const PROVIDED_BY_SENTRY = new Set(['proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'securityfs', 'debugfs']);
const SENTRY_TREES = ['/proc', '/dev', '/sys'];

/** mapMounts maps config.json mounts onto the sentry's: binds (of directories, or single files as Docker's /etc/hosts) and tmpfs; others are skipped or refused. */
export function mapMounts(mounts: readonly OciMount[], bundleDirectory: string): MountSpec[] {
  const mapped: MountSpec[] = [];
  mounts.forEach((mount, index) => {
    const options = mount.options ?? [];
    const type = mount.type ?? (options.includes('bind') || options.includes('rbind') ? 'bind' : undefined);
    if (SENTRY_TREES.some((tree) => mount.destination === tree || mount.destination.startsWith(`${tree}/`))) return;
    if (type !== undefined && PROVIDED_BY_SENTRY.has(type)) return;
    const readonly = options.includes('ro');
    if (type === 'tmpfs') {
      mapped.push({ type: 'tmpfs', destination: mount.destination, readonly });
      return;
    }
    if (type === 'bind' || options.includes('bind') || options.includes('rbind')) {
      if (!mount.source) throw new ConfigError('config.json', `mounts[${index}].source`, 'is required for a bind mount');
      const source = isAbsolute(mount.source) ? mount.source : resolve(bundleDirectory, mount.source);
      mapped.push({ type: 'bind', destination: mount.destination, source, readonly });
      return;
    }
    throw new ConfigError('config.json', `mounts[${index}].type`, `${JSON.stringify(type ?? '')} is not supported: stasis mounts bind and tmpfs`);
  });
  return mapped;
}

/** launchSpecFor resolves everything the sandbox process needs from a loaded bundle. */
export function launchSpecFor(bundle: Bundle, labels: Record<string, string>): LaunchSpec {
  const { spec } = bundle;
  const ociProcess = spec.process;
  const cpuAnnotation = spec.annotations?.[CPU_FEATURES_ANNOTATION];
  const memoryLimit = spec.linux?.resources?.memory?.limit;
  const rlimit = (type: string) => ociProcess.rlimits?.find((limit) => limit.type === type)?.soft;
  const cpuSeconds = rlimit('RLIMIT_CPU');
  // The pod's native pause binary is not looked at: a placeholder program stands in for it.
  const podSandbox = isPodSandbox(spec.annotations);
  return {
    module: podSandbox ? POD_SANDBOX_MODULE : resolveEntrypoint(bundle.rootfs, ociProcess),
    ...(podSandbox ? { podSandbox } : {}),
    args: ociProcess.args,
    env: ociProcess.env ?? [],
    cwd: ociProcess.cwd,
    rootfs: bundle.rootfs,
    mounts: mapMounts(spec.mounts ?? [], bundle.directory),
    terminal: ociProcess.terminal ?? false,
    consoleSize: ociProcess.consoleSize,
    cpuFeatures: cpuAnnotation === undefined ? undefined : checkCpuFeatures(cpuAnnotation),
    limits: {
      memoryPages: memoryLimit !== undefined && memoryLimit > 0 ? Math.max(1, Math.floor(memoryLimit / WASM_PAGE_SIZE)) : undefined,
      openFiles: positiveOrUndefined(rlimit('RLIMIT_NOFILE')),
      cpuTimeMs: positiveOrUndefined(cpuSeconds === undefined ? undefined : cpuSeconds * 1000),
    },
    labels,
  };
}

// The sandbox process applies the annotation to the host's set; checking it here names the
// field in the error `create` reports.
function checkCpuFeatures(annotation: string): string {
  try {
    parseCpuFeaturesAnnotation(annotation, process.arch);
  } catch (error) {
    throw new ConfigError('config.json', `annotations["${CPU_FEATURES_ANNOTATION}"]`, (error as Error).message, { cause: error });
  }
  return annotation;
}

function positiveOrUndefined(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
