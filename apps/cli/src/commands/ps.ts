// `stasis ps [--format table|json] ID`: the container's tasks. In JSON, the host pids the shim
// expects: the sandbox process (which runs every task) and the attach process of each exec.
import type { GlobalOptions } from '../cli.js';
import { withContainer } from '../container/container.js';
import { formatTable } from './list.js';

/** PsOptions are the options of `stasis ps`. */
export interface PsOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly format: 'table' | 'json';
}

/** run prints the tasks. */
export async function run(options: PsOptions): Promise<number> {
  const response = await withContainer(options.globals.root, options.id, (container) => container.request('ps', { type: 'tasks' }));
  if (response.type !== 'tasks') throw new Error(`ps: unexpected answer ${response.type} from the sandbox process`);
  if (options.format === 'json') {
    const pids = [...new Set(response.tasks.filter((task) => task.state !== 'exited').map((task) => task.hostPid))];
    process.stdout.write(`${JSON.stringify(pids)}\n`);
  } else {
    const rows = response.tasks.map((task) => [String(task.hostPid), String(task.tid), task.state, task.args.join(' ')]);
    process.stdout.write(formatTable(['PID', 'TID', 'STATE', 'COMMAND'], rows));
  }
  return 0;
}
