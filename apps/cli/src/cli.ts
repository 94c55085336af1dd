// Every command and flag of `stasis`, declared in one place (as runsc registers its
// commands in one grouped map). Each command's implementation lives in commands/<name>.ts
// and is imported lazily, so `stasis state` does not load the kernel. A command declared
// with `command()` turns its parsed argv into a typed options object first (`parse`), which
// the argv table test checks without running anything.
import type { BootOptions } from './commands/boot.js';
import type { CheckpointOptions } from './commands/checkpoint.js';
import type { CreateOptions } from './commands/create.js';
import type { DeleteOptions } from './commands/delete.js';
import type { DoOptions } from './commands/do.js';
import type { EventsOptions } from './commands/events.js';
import type { ExecAttachOptions } from './commands/exec-attach.js';
import type { ExecOptions } from './commands/exec.js';
import type { FeaturesOptions } from './commands/features.js';
import type { InspectOptions } from './commands/inspect.js';
import type { KillOptions } from './commands/kill.js';
import type { ListOptions } from './commands/list.js';
import type { PauseOptions } from './commands/pause.js';
import type { PsOptions } from './commands/ps.js';
import type { RestoreOptions } from './commands/restore.js';
import type { ResumeOptions } from './commands/resume.js';
import type { RunOptions } from './commands/run.js';
import type { SpecOptions } from './commands/spec.js';
import type { StartOptions } from './commands/start.js';
import type { StateOptions } from './commands/state.js';
import type { SyscallsOptions } from './commands/syscalls.js';
import type { UpdateOptions } from './commands/update.js';
import { UsageError } from './errors.js';
import { type FlagSpec, type ParsedArgs, booleanFlag, listFlag, stringFlag } from './flags.js';

/** GlobalOptions are the flags every runc-style invocation may carry before the command. */
export interface GlobalOptions {
  readonly root: string;
  readonly log?: string;
  readonly logFormat: 'text' | 'json';
  readonly debug: boolean;
}

/** CommandSpec declares one command: its flags, its usage line, and how to run it. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: readonly FlagSpec[];
  readonly stopAtPositional?: boolean;
  /** Internal commands (the sandbox process) are left out of --help. */
  readonly hidden?: boolean;
  /** parse turns parsed argv into the options the command runs with, without running it. */
  readonly parse?: (args: ParsedArgs, globals: GlobalOptions) => unknown;
  readonly run: (args: ParsedArgs, globals: GlobalOptions) => Promise<number>;
}

export const globalFlags: readonly FlagSpec[] = [
  { name: 'root', type: 'string', description: 'root directory for container state', placeholder: 'DIR' },
  { name: 'log', type: 'string', description: 'file to write errors and debug logs to', placeholder: 'FILE' },
  { name: 'log-format', type: 'string', description: 'log format: text or json', placeholder: 'FORMAT' },
  { name: 'debug', type: 'boolean', description: 'enable debug logging' },
  { name: 'systemd-cgroup', type: 'boolean', description: 'accepted for runc compatibility', ignored: true },
  { name: 'rootless', type: 'string', description: 'accepted for runc compatibility', ignored: true },
  { name: 'criu', type: 'string', description: 'accepted for runc compatibility', ignored: true },
  { name: 'help', short: 'h', type: 'boolean', description: 'show help' },
  { name: 'version', short: 'v', type: 'boolean', description: 'print the version' },
];

const formatFlag: FlagSpec = { name: 'format', short: 'f', type: 'string', description: 'output format: text or json', placeholder: 'FORMAT' };
const bundleFlag: FlagSpec = { name: 'bundle', short: 'b', type: 'string', description: 'path to the bundle directory (default: the current directory)', placeholder: 'DIR' };
const pidFileFlag: FlagSpec = { name: 'pid-file', type: 'string', description: 'write the pid of the container process to FILE', placeholder: 'FILE' };
const consoleSocketFlag: FlagSpec = {
  name: 'console-socket',
  type: 'string',
  description: 'unix socket that receives the master fd of the container terminal',
  placeholder: 'PATH',
};
const detachFlag: FlagSpec = { name: 'detach', short: 'd', type: 'boolean', description: 'detach from the container process' };
const imageKeyFileFlag: FlagSpec = { name: 'image-key-file', type: 'string', description: 'HMAC-SHA256 key that signs (checkpoint) or verifies (restore) the image', placeholder: 'FILE' };

// Flags runc, go-runc, containerd and Docker may pass that have no meaning for a sandbox of
// WebAssembly programs; accepted and ignored, as runsc does.
const ignored = (names: readonly string[], type: FlagSpec['type']): FlagSpec[] => names.map((name) => ({ name, type, description: 'accepted for runc compatibility', ignored: true }));
const ignoredCreateFlags = [...ignored(['no-pivot', 'no-new-keyring'], 'boolean'), ...ignored(['preserve-fds'], 'string')];
const ignoredCriuFlags = [
  ...ignored(['work-path', 'page-server', 'manage-cgroups-mode', 'status-fd', 'lsm-profile', 'lsm-mount-context'], 'string'),
  ...ignored(['empty-ns'], 'list'),
  ...ignored(['tcp-established', 'ext-unix-sk', 'shell-job', 'file-locks', 'lazy-pages', 'auto-dedup', 'pre-dump', 'no-subreaper'], 'boolean'),
];

export const commands: readonly CommandSpec[] = [
  {
    name: 'cpu-features',
    summary: "list the host's CPU features, one per line, in Linux order",
    usage: 'stasis cpu-features [--format text|json]',
    flags: [formatFlag],
    run: async (args) => (await import('./commands/cpu-features.js')).run({ format: formatOf(args) }),
  },
  command<CreateOptions>({
    name: 'create',
    summary: 'create a container from a bundle; it waits for start or restore',
    usage: 'stasis create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] ID',
    flags: [bundleFlag, pidFileFlag, consoleSocketFlag, { ...detachFlag, ignored: true }, ...ignoredCreateFlags],
    options: (args, globals) => ({ globals, id: containerId(args, 'create'), bundle: bundleOf(args), pidFile: stringFlag(args.flags, 'pid-file'), consoleSocket: stringFlag(args.flags, 'console-socket') }),
    load: () => import('./commands/create.js'),
  }),
  command<StartOptions>({
    name: 'start',
    summary: 'start the program of a created container',
    usage: 'stasis start ID',
    flags: [],
    options: (args, globals) => ({ globals, id: containerId(args, 'start') }),
    load: () => import('./commands/start.js'),
  }),
  command<RunOptions>({
    name: 'run',
    summary: "create and start a container; in the foreground, exit with its program's status",
    usage: 'stasis run [--bundle DIR] [--detach] [--pid-file FILE] [--console-socket PATH] [--keep] ID',
    flags: [
      bundleFlag,
      detachFlag,
      pidFileFlag,
      consoleSocketFlag,
      { name: 'keep', type: 'boolean', description: 'keep the container after it exits (foreground only)' },
      ...ignoredCreateFlags,
      ...ignored(['no-subreaper'], 'boolean'),
    ],
    options: (args, globals) => ({
      globals,
      id: containerId(args, 'run'),
      bundle: bundleOf(args),
      detach: booleanFlag(args.flags, 'detach'),
      pidFile: stringFlag(args.flags, 'pid-file'),
      consoleSocket: stringFlag(args.flags, 'console-socket'),
      keep: booleanFlag(args.flags, 'keep'),
    }),
    load: () => import('./commands/run.js'),
  }),
  command<StateOptions>({
    name: 'state',
    summary: 'print the OCI state of a container as JSON',
    usage: 'stasis state ID',
    flags: [],
    options: (args, globals) => ({ globals, id: containerId(args, 'state') }),
    load: () => import('./commands/state.js'),
  }),
  command<ListOptions>({
    name: 'list',
    summary: 'list the containers under --root',
    usage: 'stasis list [--format table|json] [--quiet]',
    flags: [formatFlag, { name: 'quiet', short: 'q', type: 'boolean', description: 'print only the container ids' }],
    options: (args, globals) => ({ globals, format: tableOrJson(args), quiet: booleanFlag(args.flags, 'quiet') }),
    load: () => import('./commands/list.js'),
  }),
  command<PsOptions>({
    name: 'ps',
    summary: "list a container's tasks (json: the host pids, as the shim reads them)",
    usage: 'stasis ps [--format table|json] ID',
    flags: [formatFlag],
    // runc passes anything after the id to ps(1); there is no ps(1) of a sandbox, so it is ignored.
    options: (args, globals) => ({ globals, id: firstPositional(args, 'ps'), format: tableOrJson(args) }),
    load: () => import('./commands/ps.js'),
  }),
  command<KillOptions>({
    name: 'kill',
    summary: 'send a signal (default SIGTERM) to a container',
    usage: 'stasis kill [--all] ID [SIGNAL]',
    flags: [{ name: 'all', short: 'a', type: 'boolean', description: 'signal every task of the container' }],
    options: (args, globals) => {
      const [id, signal, ...extra] = args.positionals;
      if (!id || extra.length > 0) throw new UsageError('stasis kill takes a container id and an optional signal');
      return { globals, id, signal: signal ?? 'SIGTERM', all: booleanFlag(args.flags, 'all') };
    },
    load: () => import('./commands/kill.js'),
  }),
  command<DeleteOptions>({
    name: 'delete',
    summary: 'delete a stopped container (--force: any container)',
    usage: 'stasis delete [--force] ID',
    flags: [{ name: 'force', short: 'f', type: 'boolean', description: 'kill the container first if it still runs' }],
    options: (args, globals) => ({ globals, id: containerId(args, 'delete'), force: booleanFlag(args.flags, 'force') }),
    load: () => import('./commands/delete.js'),
  }),
  command<PauseOptions>({
    name: 'pause',
    summary: 'freeze every task of a container at a safe point',
    usage: 'stasis pause ID',
    flags: [],
    options: (args, globals) => ({ globals, id: containerId(args, 'pause') }),
    load: () => import('./commands/pause.js'),
  }),
  command<ResumeOptions>({
    name: 'resume',
    summary: 'continue a paused container',
    usage: 'stasis resume ID',
    flags: [],
    options: (args, globals) => ({ globals, id: containerId(args, 'resume') }),
    load: () => import('./commands/resume.js'),
  }),
  command<ExecOptions>({
    name: 'exec',
    summary: 'run a new task in a running container',
    usage: 'stasis exec [--process FILE] [--detach] [--pid-file FILE] [--console-socket PATH] [--cwd DIR] [--env K=V]... ID [COMMAND [ARGS...]]',
    stopAtPositional: true,
    flags: [
      { name: 'process', short: 'p', type: 'string', description: 'OCI process JSON file of the task to run', placeholder: 'FILE' },
      detachFlag,
      pidFileFlag,
      consoleSocketFlag,
      { name: 'cwd', type: 'string', description: 'working directory of the task', placeholder: 'DIR' },
      { name: 'env', short: 'e', type: 'list', description: 'set an environment variable (repeatable)', placeholder: 'KEY=VALUE' },
      { name: 'tty', short: 't', type: 'boolean', description: 'allocate a terminal (needs --console-socket)' },
      { name: 'user', short: 'u', type: 'string', description: 'accepted for runc compatibility (WASI has no users)', ignored: true },
      ...ignored(['additional-gids', 'process-label', 'apparmor', 'cgroup', 'preserve-fds'], 'string'),
      ...ignored(['cap'], 'list'),
      ...ignored(['no-new-privs', 'ignore-paused', 'no-subreaper'], 'boolean'),
    ],
    options: (args, globals) => {
      const [id, ...commandArgs] = args.positionals;
      if (!id) throw new UsageError('stasis exec needs a container id');
      const processFile = stringFlag(args.flags, 'process');
      if (processFile === undefined && commandArgs.length === 0) throw new UsageError('stasis exec needs --process FILE or a command to run');
      if (processFile !== undefined && commandArgs.length > 0) throw new UsageError('stasis exec takes either --process FILE or a command, not both');
      return {
        globals,
        id,
        processFile,
        args: commandArgs,
        cwd: stringFlag(args.flags, 'cwd'),
        env: listFlag(args.flags, 'env'),
        tty: booleanFlag(args.flags, 'tty'),
        detach: booleanFlag(args.flags, 'detach'),
        pidFile: stringFlag(args.flags, 'pid-file'),
        consoleSocket: stringFlag(args.flags, 'console-socket'),
      };
    },
    load: () => import('./commands/exec.js'),
  }),
  command<EventsOptions>({
    name: 'events',
    summary: 'print resource statistics of a container as JSON events',
    usage: 'stasis events [--stats] [--interval 5s] ID',
    flags: [
      { name: 'stats', type: 'boolean', description: 'print statistics once and exit' },
      { name: 'interval', type: 'string', description: 'time between statistics events (default 5s)', placeholder: 'DURATION' },
    ],
    options: (args, globals) => ({ globals, id: containerId(args, 'events'), once: booleanFlag(args.flags, 'stats'), intervalMs: durationMs(stringFlag(args.flags, 'interval') ?? '5s') }),
    load: () => import('./commands/events.js'),
  }),
  command<UpdateOptions>({
    name: 'update',
    summary: "accept new resource limits for a running container (LinuxResources, as docker update sends them)",
    usage: 'stasis update [--resources FILE|-] [--memory BYTES] ID',
    flags: [
      { name: 'resources', short: 'r', type: 'string', description: 'OCI LinuxResources JSON file, - for stdin', placeholder: 'FILE' },
      { name: 'memory', short: 'm', type: 'string', description: 'memory limit in bytes (suffixes k, m, g)', placeholder: 'BYTES' },
      ...ignored(
        [
          'blkio-weight',
          'cpu-period',
          'cpu-quota',
          'cpu-share',
          'cpu-rt-period',
          'cpu-rt-runtime',
          'cpuset-cpus',
          'cpuset-mems',
          'kernel-memory',
          'kernel-memory-tcp',
          'memory-reservation',
          'memory-swap',
          'pids-limit',
          'l3-cache-schema',
          'mem-bw-schema',
        ],
        'string',
      ),
    ],
    options: (args, globals) => ({ globals, id: containerId(args, 'update'), resources: stringFlag(args.flags, 'resources'), memory: stringFlag(args.flags, 'memory') }),
    load: () => import('./commands/update.js'),
  }),
  command<SpecOptions>({
    name: 'spec',
    summary: 'write a default config.json for a WebAssembly program',
    usage: 'stasis spec [--bundle DIR] [PROGRAM.wasm [ARGS...]]',
    stopAtPositional: true,
    flags: [bundleFlag, ...ignored(['rootless'], 'boolean')],
    options: (args, globals) => ({ globals, bundle: bundleOf(args), args: args.positionals }),
    load: () => import('./commands/spec.js'),
  }),
  command<FeaturesOptions>({
    name: 'features',
    summary: 'print what this runtime supports as JSON (runc features)',
    usage: 'stasis features',
    flags: [],
    options: (args, globals) => {
      if (args.positionals.length > 0) throw new UsageError('stasis features takes no arguments');
      return { globals };
    },
    load: () => import('./commands/features.js'),
  }),
  command<CheckpointOptions>({
    name: 'checkpoint',
    summary: 'save a running container to an image directory (then stop it unless --leave-running)',
    usage: 'stasis checkpoint --image-path DIR [--leave-running] [--parent-path DIR] [--compression none|gzip|brotli|zstd] [--image-key-file FILE] ID',
    flags: [
      { name: 'image-path', type: 'string', description: 'directory to write the image to (must not hold an image)', placeholder: 'DIR' },
      { name: 'leave-running', type: 'boolean', description: 'keep the container running after the checkpoint' },
      { name: 'parent-path', type: 'string', description: 'parent image for an incremental image (relative paths: to the image directory, as in CRIU)', placeholder: 'DIR' },
      { name: 'compression', type: 'string', description: 'compress the image: none, gzip, brotli or zstd', placeholder: 'ALGORITHM' },
      imageKeyFileFlag,
      ...ignoredCriuFlags,
    ],
    options: (args, globals) => ({
      globals,
      id: containerId(args, 'checkpoint'),
      imagePath: requiredFlag(args, 'image-path', 'checkpoint'),
      leaveRunning: booleanFlag(args.flags, 'leave-running'),
      parentPath: stringFlag(args.flags, 'parent-path'),
      compression: compressionOf(args),
      imageKeyFile: stringFlag(args.flags, 'image-key-file'),
    }),
    load: () => import('./commands/checkpoint.js'),
  }),
  command<RestoreOptions>({
    name: 'restore',
    summary: 'restore an image into a created container (like start), or create and restore one from --bundle',
    usage: 'stasis restore --image-path DIR [--bundle DIR] [--detach] [--pid-file FILE] [--console-socket PATH] [--image-key-file FILE] ID',
    flags: [
      { name: 'image-path', type: 'string', description: 'directory holding the image', placeholder: 'DIR' },
      bundleFlag,
      detachFlag,
      pidFileFlag,
      consoleSocketFlag,
      imageKeyFileFlag,
      ...ignoredCreateFlags,
      ...ignoredCriuFlags,
      ...ignored(['parent-path'], 'string'),
    ],
    options: (args, globals) => ({
      globals,
      id: containerId(args, 'restore'),
      imagePath: requiredFlag(args, 'image-path', 'restore'),
      bundle: stringFlag(args.flags, 'bundle'),
      detach: booleanFlag(args.flags, 'detach'),
      pidFile: stringFlag(args.flags, 'pid-file'),
      consoleSocket: stringFlag(args.flags, 'console-socket'),
      imageKeyFile: stringFlag(args.flags, 'image-key-file'),
    }),
    load: () => import('./commands/restore.js'),
  }),
  command<DoOptions>({
    name: 'do',
    summary: 'run a WebAssembly program in a fresh sandbox with the given directories and environment, and exit with its status',
    usage: 'stasis do [--dir HOST[::GUEST]]... [--env KEY=VALUE]... [--mode anywhere|safepoint] PROGRAM.wasm [ARGS...]',
    stopAtPositional: true,
    flags: [
      { name: 'dir', type: 'list', description: 'give the program a host directory, under the name GUEST (default: HOST as given)', placeholder: 'HOST[::GUEST]' },
      { name: 'env', type: 'list', description: 'set an environment variable (nothing is inherited)', placeholder: 'KEY=VALUE' },
      { name: 'mode', type: 'string', description: 'anywhere (default: stoppable at any moment) or safepoint (only at syscalls; faster)', placeholder: 'MODE' },
    ],
    options: (args, globals) => {
      const [program, ...rest] = args.positionals;
      if (program === undefined) throw new UsageError('stasis do requires a program: stasis do PROGRAM.wasm [ARGS...]');
      const env = listFlag(args.flags, 'env');
      const bad = env.find((entry) => !/^[^=]+=/.test(entry));
      if (bad !== undefined) throw new UsageError(`--env must be KEY=VALUE, not ${JSON.stringify(bad)}`);
      const mode = stringFlag(args.flags, 'mode') ?? 'anywhere';
      if (mode !== 'anywhere' && mode !== 'safepoint') throw new UsageError(`--mode must be anywhere or safepoint, not ${mode}`);
      return { globals, program, args: rest, dirs: listFlag(args.flags, 'dir').map(dirMapping), env, mode };
    },
    load: () => import('./commands/do.js'),
  }),
  command<SyscallsOptions>({
    name: 'syscalls',
    summary: 'print the WASI syscalls the sentry implements, with their status and notes',
    usage: 'stasis syscalls [--format text|markdown]',
    flags: [{ name: 'format', short: 'f', type: 'string', description: 'output format: text or markdown', placeholder: 'FORMAT' }],
    options: (args, globals) => {
      const format = stringFlag(args.flags, 'format') ?? 'text';
      if (format !== 'text' && format !== 'markdown') throw new UsageError(`--format must be text or markdown, not ${format}`);
      return { globals, format };
    },
    load: () => import('./commands/syscalls.js'),
  }),
  command<InspectOptions>({
    name: 'inspect',
    summary: 'show what a checkpoint image holds, without restoring it',
    usage: 'stasis inspect [--format text|json] [--image-key-file FILE] DIR',
    flags: [formatFlag, imageKeyFileFlag],
    options: (args, globals) => ({ globals, imagePath: exactlyOne(args, 'inspect', 'an image directory'), format: formatOf(args), imageKeyFile: stringFlag(args.flags, 'image-key-file') }),
    load: () => import('./commands/inspect.js'),
  }),
  command<BootOptions>({
    name: 'boot',
    summary: "(internal) the sandbox process: hosts a container's sandbox and serves its control socket",
    usage: 'stasis boot [--ready-fd N] [--image-path DIR [--image-key-file FILE]] ID',
    hidden: true,
    flags: [{ name: 'ready-fd', type: 'string', description: 'fd to report readiness on', placeholder: 'N' }, { name: 'image-path', type: 'string', description: 'restore this image at boot', placeholder: 'DIR' }, imageKeyFileFlag],
    options: (args, globals) => {
      const readyFd = stringFlag(args.flags, 'ready-fd');
      const imagePath = stringFlag(args.flags, 'image-path');
      return {
        globals,
        id: containerId(args, 'boot'),
        readyFd: readyFd === undefined ? undefined : positiveInteger(readyFd, '--ready-fd'),
        restore: imagePath === undefined ? undefined : { imagePath, keyFile: stringFlag(args.flags, 'image-key-file') },
      };
    },
    load: () => import('./commands/boot.js'),
  }),
  command<ExecAttachOptions>({
    name: 'exec-attach',
    summary: '(internal) the host process of a detached exec: holds its stdio and exits with its status',
    usage: 'stasis exec-attach ID',
    hidden: true,
    flags: [],
    options: (args, globals) => ({ globals, id: containerId(args, 'exec-attach') }),
    load: () => import('./commands/exec-attach.js'),
  }),
];

/** CommandDefinition is a command whose argv becomes a typed options object before its module is loaded. */
interface CommandDefinition<Options> extends Omit<CommandSpec, 'parse' | 'run'> {
  readonly options: (args: ParsedArgs, globals: GlobalOptions) => Options;
  readonly load: () => Promise<{ run(options: Options): Promise<number> }>;
}

function command<Options>(definition: CommandDefinition<Options>): CommandSpec {
  const { options, load, ...spec } = definition;
  return { ...spec, parse: options, run: async (args, globals) => (await load()).run(options(args, globals)) };
}

/** dirMapping reads `--dir HOST::GUEST`, or `HOST` alone, which the program sees under the name HOST as given (as wasmtime does). */
function dirMapping(value: string): { host: string; guest: string } {
  const separator = value.indexOf('::');
  return separator === -1 ? { host: value, guest: value } : { host: value.slice(0, separator), guest: value.slice(separator + 2) };
}

function formatOf(args: ParsedArgs): 'text' | 'json' {
  const format = args.flags.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not ${String(format)}`);
  return format;
}

// runc's list and ps call the human format "table".
function tableOrJson(args: ParsedArgs): 'table' | 'json' {
  const format = args.flags.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not ${String(format)}`);
  return format;
}

function exactlyOne(args: ParsedArgs, name: string, what: string): string {
  const [value, ...extra] = args.positionals;
  if (value === undefined || extra.length > 0) throw new UsageError(`stasis ${name} requires exactly 1 argument: ${what}`);
  return value;
}

function containerId(args: ParsedArgs, name: string): string {
  return exactlyOne(args, name, 'the container id');
}

function firstPositional(args: ParsedArgs, name: string): string {
  const [value] = args.positionals;
  if (value === undefined) throw new UsageError(`stasis ${name} requires the container id`);
  return value;
}

function bundleOf(args: ParsedArgs): string {
  return stringFlag(args.flags, 'bundle') ?? '.';
}

function requiredFlag(args: ParsedArgs, flag: string, name: string): string {
  const value = stringFlag(args.flags, flag);
  if (value === undefined || value === '') throw new UsageError(`stasis ${name} requires --${flag}`);
  return value;
}

const COMPRESSIONS = ['none', 'gzip', 'brotli', 'zstd'] as const;

function compressionOf(args: ParsedArgs): (typeof COMPRESSIONS)[number] | undefined {
  const value = stringFlag(args.flags, 'compression');
  if (value === undefined) return undefined;
  if (!(COMPRESSIONS as readonly string[]).includes(value)) throw new UsageError(`--compression must be one of ${COMPRESSIONS.join(', ')}, not ${value}`);
  return value as (typeof COMPRESSIONS)[number];
}

function positiveInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a non-negative integer, not ${text}`);
  return Number(text);
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** durationMs reads a Go-style duration (`5s`, `500ms`, `1m`; a bare number is seconds), as runc's --interval takes it. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!match) throw new UsageError(`invalid duration ${JSON.stringify(text)} (use 500ms, 5s, 1m)`);
  const unit = (match[2] ?? 's') as keyof typeof DURATION_UNITS_MS;
  const value = Number(match[1]) * DURATION_UNITS_MS[unit];
  if (value <= 0) throw new UsageError(`duration must be positive, not ${text}`);
  return value;
}
