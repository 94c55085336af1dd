// `stasis state ID`: the container's OCI state as JSON (indented, as runc prints it).
import type { GlobalOptions } from '../cli.js';
import { Container } from '../container/container.js';
import { validateContainerId } from '../container/state-store.js';

/** StateOptions are the options of `stasis state`. */
export interface StateOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
}

/** run prints the state; it reads the state file (replaced atomically) without taking the lock. */
export async function run(options: StateOptions): Promise<number> {
  const container = Container.load(options.globals.root, validateContainerId(options.id));
  process.stdout.write(`${JSON.stringify(container.ociState(), null, 2)}\n`);
  return 0;
}
