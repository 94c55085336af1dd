// The single place where errors become exit statuses and messages (as changesets does in
// its index.ts): UsageError -> 2, ExitError -> its code, anything else -> 1 with the message
// on stderr and, as runc does, a JSON line in --log.
import { type CommandSpec, type GlobalOptions, commands, globalFlags } from './cli.js';
import { ExitError, UsageError } from './errors.js';
import { type FlagSpec, type ParsedArgs, parseArgs, stringFlag } from './flags.js';
import { writeLog } from './log.js';
import { VERSION } from './version.js';

const DEFAULT_ROOT = '/var/run/stasis';

/** Invocation is what an argv asks for, parsed but not run. */
export type Invocation =
  | { readonly kind: 'version' | 'help'; readonly globals: GlobalOptions; readonly exitCode: number }
  | { readonly kind: 'command-help'; readonly globals: GlobalOptions; readonly command: CommandSpec }
  | { readonly kind: 'command'; readonly globals: GlobalOptions; readonly command: CommandSpec; readonly args: ParsedArgs };

/** GlobalArgs is the global part of an argv: the options and where the command starts. */
interface GlobalArgs {
  readonly globals: GlobalOptions;
  readonly commandIndex: number;
  readonly help: boolean;
  readonly version: boolean;
}

function parseGlobalArgs(argv: readonly string[]): GlobalArgs {
  const commandIndex = argv.findIndex((arg, index) => !arg.startsWith('-') && !takesValue(argv[index - 1]));
  const { flags } = parseArgs(commandIndex === -1 ? argv : argv.slice(0, commandIndex), globalFlags);
  const logFormat = stringFlag(flags, 'log-format') ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format must be text or json, not ${logFormat}`);
  const globals: GlobalOptions = { root: stringFlag(flags, 'root') ?? DEFAULT_ROOT, log: stringFlag(flags, 'log'), logFormat, debug: flags.debug === true };
  return { globals, commandIndex, help: flags.help === true, version: flags.version === true };
}

function resolveCommand(argv: readonly string[], global: GlobalArgs): Invocation {
  const { globals, commandIndex } = global;
  if (global.version) return { kind: 'version', globals, exitCode: 0 };
  if (commandIndex === -1 || global.help) return { kind: 'help', globals, exitCode: commandIndex === -1 && !global.help ? 2 : 0 };
  const name = argv[commandIndex] as string;
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" for "stasis"`);
  const rest = argv.slice(commandIndex + 1);
  const helpAt = rest.findIndex((arg) => arg === '--help' || arg === '-h');
  // With stopAtPositional, a -h after the first positional belongs to the guest program.
  const firstPositional = rest.findIndex((arg) => !arg.startsWith('-'));
  if (helpAt !== -1 && (!command.stopAtPositional || firstPositional === -1 || helpAt < firstPositional)) return { kind: 'command-help', globals, command };
  return { kind: 'command', globals, command, args: parseArgs(rest, command.flags, { stopAtPositional: command.stopAtPositional }) };
}

/** resolveInvocation parses argv into global options, a command and its flags, without running anything; usage mistakes throw UsageError. */
export function resolveInvocation(argv: readonly string[]): Invocation {
  return resolveCommand(argv, parseGlobalArgs(argv));
}

/** main runs one invocation of stasis and resolves to its exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let globals: GlobalOptions = { root: DEFAULT_ROOT, logFormat: 'text', debug: false };
  try {
    const global = parseGlobalArgs(argv);
    globals = global.globals;
    const invocation = resolveCommand(argv, global);
    switch (invocation.kind) {
      case 'version':
        process.stdout.write(`stasis version ${VERSION}\nspec: 1.0.2\n`);
        return invocation.exitCode;
      case 'help':
        process.stdout.write(help());
        return invocation.exitCode;
      case 'command-help':
        process.stdout.write(commandHelp(invocation.command));
        return 0;
      case 'command':
        if (globals.debug) writeLog(globals, 'debug', `stasis ${argv.join(' ')}`);
        return await invocation.command.run(invocation.args, globals);
    }
  } catch (error) {
    if (error instanceof ExitError) return error.code;
    const message = error instanceof Error ? error.message : String(error);
    writeLog(globals, 'error', message);
    if (error instanceof UsageError) {
      process.stderr.write(`stasis: ${message}\nRun 'stasis --help' for usage.\n`);
      return 2;
    }
    process.stderr.write(`stasis: ${message}\n`);
    if (globals.debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

function takesValue(previous: string | undefined): boolean {
  if (!previous?.startsWith('-') || previous.includes('=')) return false;
  const name = previous.replace(/^--?/, '');
  return globalFlags.some((flag) => (flag.name === name || flag.short === name) && flag.type !== 'boolean');
}

function help(): string {
  const visible = commands.filter((command) => !command.hidden);
  const width = Math.max(...visible.map((command) => command.name.length));
  const lines = visible.map((command) => `   ${command.name.padEnd(width)}   ${command.summary}`);
  return `stasis: a sandboxed OCI runtime for WebAssembly programs, with checkpoint/restore\n\nUsage: stasis [global flags] COMMAND [flags] [arguments]\n\nCommands:\n${lines.join('\n')}\n\nGlobal flags:\n${flagLines(globalFlags)}`;
}

function flagLines(flags: readonly FlagSpec[]): string {
  const visible = flags.filter((flag) => !flag.ignored);
  const names = visible.map((flag) => `--${flag.name}${flag.short ? `, -${flag.short}` : ''}${flag.placeholder ? ` ${flag.placeholder}` : ''}`);
  const width = Math.max(0, ...names.map((name) => name.length));
  return visible.map((flag, index) => `   ${(names[index] as string).padEnd(width)}   ${flag.description}\n`).join('');
}

function commandHelp(command: CommandSpec): string {
  const flags = flagLines(command.flags);
  return `${command.summary}\n\nUsage: ${command.usage}\n${flags ? `\nFlags:\n${flags}` : ''}`;
}
