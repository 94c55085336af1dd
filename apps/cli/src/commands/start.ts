// `stasis start ID`: run the program of a created container.
import type { GlobalOptions } from '../cli.js';
import { withContainer } from '../container/container.js';

/** StartOptions are the options of `stasis start`. */
export interface StartOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
}

/** run starts the container's init task and returns at once. */
export async function run(options: StartOptions): Promise<number> {
  await withContainer(options.globals.root, options.id, (container) => container.request('start', { type: 'start' }));
  return 0;
}
