// Every command and flag of `stasis`, declared in one place (as runsc registers its
// commands in one grouped map). Each command's implementation lives in commands/<name>.ts
// and is imported lazily, so `stasis state` does not load the kernel.
import { UsageError } from './errors.js';
import type { FlagSpec, ParsedArgs } from './flags.js';

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
  readonly run: (args: ParsedArgs, globals: GlobalOptions) => Promise<number>;
}

export const globalFlags: readonly FlagSpec[] = [
  { name: 'root', type: 'string', description: 'root directory for container state', placeholder: 'DIR' },
  { name: 'log', type: 'string', description: 'file to write errors and debug logs to', placeholder: 'FILE' },
  { name: 'log-format', type: 'string', description: 'log format: text or json', placeholder: 'FORMAT' },
  { name: 'debug', type: 'boolean', description: 'enable debug logging' },
  { name: 'systemd-cgroup', type: 'boolean', description: 'accepted for runc compatibility', ignored: true },
  { name: 'help', short: 'h', type: 'boolean', description: 'show help' },
  { name: 'version', short: 'v', type: 'boolean', description: 'print the version' },
];

const formatFlag: FlagSpec = { name: 'format', type: 'string', description: 'output format: text or json', placeholder: 'FORMAT' };

export const commands: readonly CommandSpec[] = [
  {
    name: 'cpu-features',
    summary: "list the host's CPU features, one per line, in Linux order",
    usage: 'stasis cpu-features [--format text|json]',
    flags: [formatFlag],
    run: async (args) => (await import('./commands/cpu-features.js')).run({ format: formatOf(args) }),
  },
];

function formatOf(args: ParsedArgs): 'text' | 'json' {
  const format = args.flags.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not ${String(format)}`);
  return format;
}
