// Running a client on a terminal. `ctr run -t` and `docker run -it` insist on a terminal for
// their own stdin; Node has no pty, so util-linux `script` (in every Debian) provides one.
import { type CommandOptions, type CommandResult, describeArgv, runCommand } from './command.js';

/** END_OF_INPUT is the terminal's end-of-file character (Ctrl-D), which ends input on a line of its own. */
export const END_OF_INPUT = '\x04';

/** runOnTerminal runs argv with a pseudo-terminal as its stdin, stdout and stderr, and resolves with what the terminal showed. */
export function runOnTerminal(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  // -q: no banner; -e: exit with the command's status; -c: the command; /dev/null: no typescript file.
  return runCommand(['script', '-q', '-e', '-c', describeArgv(argv), '/dev/null'], options);
}
