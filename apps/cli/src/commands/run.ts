// `stasis run [--bundle B] [--detach] ID`: create and start a container. In the foreground
// (the default) it waits for the program, forwards the signals it receives to it, exits with
// its status and removes the container afterwards (unless --keep), as `runc run` does.
import type { GlobalOptions } from '../cli.js';
import { withContainer } from '../container/container.js';
import { createContainer, runInForeground } from '../container/lifecycle.js';
import { removeContainerDirectory } from '../container/state-store.js';

/** RunOptions are the options of `stasis run`. */
export interface RunOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly bundle: string;
  readonly detach: boolean;
  readonly pidFile?: string;
  readonly consoleSocket?: string;
  readonly keep: boolean;
}

/** run runs the container; in the foreground it resolves to the program's exit status. */
export async function run(options: RunOptions): Promise<number> {
  const { globals, id } = options;
  const launched = await createContainer({ ...options, foreground: !options.detach });
  try {
    await withContainer(globals.root, id, (container) => container.request('start', { type: 'start' }));
  } catch (error) {
    await launched.terminate();
    removeContainerDirectory(globals.root, id);
    throw error;
  }
  if (!options.detach) return runInForeground(launched, globals, id, options.keep);
  launched.detach();
  return 0;
}
