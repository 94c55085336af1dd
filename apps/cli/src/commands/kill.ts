// `stasis kill [--all] ID [SIGNAL]`: signal a container; names (TERM, SIGTERM) and numbers.
import type { GlobalOptions } from '../cli.js';
import { withContainer } from '../container/container.js';
import { parseSignal } from '../container/signals.js';

/** KillOptions are the options of `stasis kill`. */
export interface KillOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly signal: string;
  readonly all: boolean;
}

/** run delivers the signal; the container ends at its next safe point if the signal terminates it. */
export async function run(options: KillOptions): Promise<number> {
  const signal = parseSignal(options.signal);
  await withContainer(options.globals.root, options.id, (container) => container.request('kill', { type: 'kill', signal, all: options.all }));
  return 0;
}
