// `stasis resume ID`: continue a paused container.
import type { GlobalOptions } from '../cli.js';
import { withContainer } from '../container/container.js';

/** ResumeOptions are the options of `stasis resume`. */
export interface ResumeOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
}

/** run lets the container's tasks run again. */
export async function run(options: ResumeOptions): Promise<number> {
  await withContainer(options.globals.root, options.id, (container) => container.request('resume', { type: 'resume' }));
  return 0;
}
