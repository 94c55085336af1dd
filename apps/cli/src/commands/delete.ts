// `stasis delete [--force] ID`: remove a stopped container. A created container is removed
// too (its program never ran), as runc does; a running or paused one only with --force, which
// kills its sandbox process first.
import type { GlobalOptions } from '../cli.js';
import { killProcess, withContainer } from '../container/container.js';
import { WrongStateError } from '../container/errors.js';
import { removeContainerDirectory } from '../container/state-store.js';

/** DeleteOptions are the options of `stasis delete`. */
export interface DeleteOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly force: boolean;
}

/** run deletes the container. */
export async function run(options: DeleteOptions): Promise<number> {
  await withContainer(options.globals.root, options.id, async (container) => {
    if (container.status !== 'stopped') {
      if (container.status !== 'created' && !options.force) throw new WrongStateError(container.id, 'delete', container.status);
      if (container.state.process) await killProcess(container.state.process);
    }
    removeContainerDirectory(options.globals.root, container.id);
  });
  return 0;
}
