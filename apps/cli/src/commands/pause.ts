// `stasis pause ID`: freeze every task at a safe point.
import type { GlobalOptions } from '../cli.js';
import { withContainer } from '../container/container.js';

/** PauseOptions are the options of `stasis pause`. */
export interface PauseOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
}

/** run returns once every task is frozen. */
export async function run(options: PauseOptions): Promise<number> {
  await withContainer(options.globals.root, options.id, (container) => container.request('pause', { type: 'pause' }));
  return 0;
}
