// Running the engines' command-line clients with a time limit per step. Every command runs in
// its own process group, so a limit that expires ends the client and whatever it started (a
// `script` terminal and the docker client inside it), never anything else.
import { spawn } from 'node:child_process';

/** DEFAULT_STEP_TIMEOUT_MS bounds one client command unless the step says otherwise. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

/** CommandResult is how a finished command ended and what it printed. */
export interface CommandResult {
  readonly argv: readonly string[];
  /** Exit status, or null when a signal ended the command. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** ConversationStep is one thing to type: once stdout shows `after` (at once when absent), `send` is written to stdin. */
export interface ConversationStep {
  readonly after?: string;
  readonly send: string;
}

/** CommandOptions tune one command: its time limit, its standard input, extra environment. */
export interface CommandOptions {
  readonly timeoutMs?: number;
  /** Written to the command's stdin, which is then closed; stdin is /dev/null when absent. */
  readonly input?: string;
  /** Written to the command's stdin step by step as its output arrives; stdin closes after the last step. */
  readonly conversation?: readonly ConversationStep[];
  readonly env?: Readonly<Record<string, string>>;
}

/** CommandTimeoutError is a command that outlived its time limit and was killed. */
export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
  readonly argv: readonly string[];
  readonly timeoutMs: number;
  readonly stdout: string;
  readonly stderr: string;
  constructor(argv: readonly string[], timeoutMs: number, stdout: string, stderr: string) {
    super(`${describeArgv(argv)}: still running after ${timeoutMs} ms, killed\n${describeOutput(stdout, stderr)}`);
    this.argv = argv;
    this.timeoutMs = timeoutMs;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/** CommandFailedError is a command that had to succeed and did not. */
export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
  readonly result: CommandResult;
  constructor(result: CommandResult) {
    const ending = result.code === null ? `signal ${result.signal}` : `exit status ${result.code}`;
    super(`${describeArgv(result.argv)}: ${ending}\n${describeOutput(result.stdout, result.stderr)}`);
    this.result = result;
  }
}

/** runCommand runs argv to completion and resolves however it exits; it rejects only on a timeout or a spawn failure. */
export function runCommand(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError('runCommand: empty argv');
  const timeoutMs = options.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const steps = options.conversation ?? (options.input === undefined ? [] : [{ send: options.input }]);
    const child = spawn(file, args, {
      detached: true,
      stdio: [steps.length === 0 ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let step = 0;
    const converse = () => {
      for (; step < steps.length; step++) {
        const { after, send } = steps[step]!;
        if (after !== undefined && !stdout.includes(after)) return;
        child.stdin!.write(send);
      }
      if (steps.length > 0) child.stdin!.end();
    };
    // A command that exits without reading all its input closes the pipe: not our failure.
    child.stdin?.on('error', () => {});
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (step < steps.length) converse();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    converse();
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${describeArgv(argv)}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new CommandTimeoutError(argv, timeoutMs, stdout, stderr));
      else resolve({ argv, code, signal, stdout, stderr });
    });
  });
}

/** runChecked runs argv like runCommand and rejects with CommandFailedError unless it exits 0. */
export async function runChecked(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const result = await runCommand(argv, options);
  if (result.code !== 0) throw new CommandFailedError(result);
  return result;
}

/** describeArgv renders argv as one shell-like line for messages. */
export function describeArgv(argv: readonly string[]): string {
  return argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}

function describeOutput(stdout: string, stderr: string): string {
  return `  stdout: ${JSON.stringify(stdout.slice(-2000))}\n  stderr: ${JSON.stringify(stderr.slice(-2000))}`;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
