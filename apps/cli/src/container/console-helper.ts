// Where the native console helper is (dist/native/stasis-console, built from
// src/native/console-helper.c by `pnpm build` or the package's install script), and how to
// wrap a command with it so the command's stdio is a new pty whose master went to the caller's
// --console-socket.
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ConsoleHelperMissingError: --console-socket was given but the native helper was never built. */
export class ConsoleHelperMissingError extends Error {
  override name = 'ConsoleHelperMissingError';
  readonly path: string;
  constructor(path: string) {
    super(
      `--console-socket needs the native helper ${path}, which is not built: run \`pnpm --filter @stasis/cli build\` (or reinstall @stasis/cli) on a machine with a C compiler (apt-get install gcc)`,
    );
    this.path = path;
  }
}

/** consoleHelperPath is the helper's path; STASIS_CONSOLE_HELPER overrides it (packagers install it elsewhere). */
export function consoleHelperPath(): string {
  // The CLI is bundled into dist/, next to dist/native/.
  return process.env.STASIS_CONSOLE_HELPER ?? fileURLToPath(new URL('./native/stasis-console', import.meta.url));
}

/** ConsoleRequest is a terminal to allocate for a container process. */
export interface ConsoleRequest {
  readonly socket: string;
  readonly size?: { readonly height: number; readonly width: number };
}

/** wrapWithConsole returns the argv that runs command with a fresh pty as its stdio. */
export function wrapWithConsole(console: ConsoleRequest, command: readonly string[]): string[] {
  const helper = consoleHelperPath();
  try {
    accessSync(helper, constants.X_OK);
  } catch {
    throw new ConsoleHelperMissingError(helper);
  }
  const size = console.size && console.size.height > 0 && console.size.width > 0 ? ['--rows', String(console.size.height), '--cols', String(console.size.width)] : [];
  return [helper, '--socket', console.socket, ...size, '--', ...command];
}
