// `stasis create [--bundle B] [--pid-file F] [--console-socket S] ID`: validate the bundle,
// start the container's sandbox process (which loads and instruments the program) and leave
// it waiting for `start` or `restore`; the pid file names it before this command exits.
import type { GlobalOptions } from '../cli.js';
import { createContainer } from '../container/lifecycle.js';

/** CreateOptions are the options of `stasis create`. */
export interface CreateOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly bundle: string;
  readonly pidFile?: string;
  readonly consoleSocket?: string;
}

/** run creates the container and returns once its sandbox process is ready. */
export async function run(options: CreateOptions): Promise<number> {
  const launched = await createContainer(options);
  launched.detach();
  return 0;
}
