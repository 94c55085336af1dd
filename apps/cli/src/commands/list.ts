// `stasis list [--format table|json] [--quiet]`: the containers under --root, as runc lists them.
import type { GlobalOptions } from '../cli.js';
import { Container, type OciState } from '../container/container.js';
import { ContainerNotFoundError } from '../container/errors.js';
import { listContainerIds } from '../container/state-store.js';

/** ListOptions are the options of `stasis list`. */
export interface ListOptions {
  readonly globals: GlobalOptions;
  readonly format: 'table' | 'json';
  readonly quiet: boolean;
}

/** run prints the containers. */
export async function run(options: ListOptions): Promise<number> {
  const states: OciState[] = [];
  for (const id of listContainerIds(options.globals.root)) {
    try {
      states.push(Container.load(options.globals.root, id).ociState());
    } catch (error) {
      // Deleted between the listing and the read.
      if (!(error instanceof ContainerNotFoundError)) throw error;
    }
  }
  if (options.quiet) {
    process.stdout.write(states.map((state) => `${state.id}\n`).join(''));
  } else if (options.format === 'json') {
    process.stdout.write(`${JSON.stringify(states)}\n`);
  } else {
    process.stdout.write(formatTable(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], states.map((state) => [state.id, String(state.pid), state.status, state.bundle, state.created, state.owner])));
  }
  return 0;
}

/** formatTable lays out rows in columns separated by at least three spaces, as runc's tabwriter does. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 3)))
      .join('')
      .concat('\n');
  return [header, ...rows].map(line).join('');
}
