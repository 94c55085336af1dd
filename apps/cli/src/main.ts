// The single place where errors become exit statuses and messages (as changesets does in
// its index.ts): UsageError -> 2, ExitError -> its code, anything else -> 1 with the message
// on stderr and, as runc does, a JSON line in --log.
import { type CommandSpec, type GlobalOptions, commands, globalFlags } from './cli.js';
import { ExitError, UsageError } from './errors.js';
import { parseArgs, stringFlag } from './flags.js';
import { writeLog } from './log.js';
import { VERSION } from './version.js';

const DEFAULT_ROOT = '/var/run/stasis';

/** main runs one invocation of stasis and resolves to its exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let globals: GlobalOptions = { root: DEFAULT_ROOT, logFormat: 'text', debug: false };
  try {
    const commandIndex = argv.findIndex((arg, index) => !arg.startsWith('-') && !takesValue(argv[index - 1]));
    const globalArgs = parseArgs(commandIndex === -1 ? argv : argv.slice(0, commandIndex), globalFlags);
    const logFormat = stringFlag(globalArgs.flags, 'log-format') ?? 'text';
    if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format must be text or json, not ${logFormat}`);
    globals = {
      root: stringFlag(globalArgs.flags, 'root') ?? DEFAULT_ROOT,
      log: stringFlag(globalArgs.flags, 'log'),
      logFormat,
      debug: globalArgs.flags.debug === true,
    };
    if (globalArgs.flags.version) {
      process.stdout.write(`stasis version ${VERSION}\nspec: 1.0.2\n`);
      return 0;
    }
    if (commandIndex === -1 || globalArgs.flags.help) {
      process.stdout.write(help());
      return commandIndex === -1 && !globalArgs.flags.help ? 2 : 0;
    }
    const name = argv[commandIndex] as string;
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) throw new UsageError(`unknown command "${name}" for "stasis"`);
    const rest = argv.slice(commandIndex + 1);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    const args = parseArgs(rest, command.flags, { stopAtPositional: command.stopAtPositional });
    return await command.run(args, globals);
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
  return globalFlags.some((flag) => flag.name === name && flag.type !== 'boolean');
}

function help(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `   ${command.name.padEnd(width)}   ${command.summary}`);
  const flagLines = globalFlags.filter((flag) => !flag.ignored).map((flag) => `   --${flag.name}${flag.placeholder ? ` ${flag.placeholder}` : ''}   ${flag.description}`);
  return `stasis: a sandboxed OCI runtime for WebAssembly programs, with checkpoint/restore\n\nUsage: stasis [global flags] COMMAND [flags] [arguments]\n\nCommands:\n${lines.join('\n')}\n\nGlobal flags:\n${flagLines.join('\n')}\n`;
}

function commandHelp(command: CommandSpec): string {
  const flagLines = command.flags.filter((flag) => !flag.ignored).map((flag) => `   --${flag.name}${flag.placeholder ? ` ${flag.placeholder}` : ''}   ${flag.description}`);
  return `${command.summary}\n\nUsage: ${command.usage}\n${flagLines.length ? `\nFlags:\n${flagLines.join('\n')}\n` : ''}`;
}
