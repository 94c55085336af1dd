// `stasis events [--stats] [--interval 5s] ID`: resource statistics as runc prints them, one
// JSON object per line: `{"type":"stats","id":...,"data":{cpu,memory,pids}}`. With --stats,
// once; otherwise every interval until the container stops.
import { setTimeout as sleep } from 'node:timers/promises';
import type { GlobalOptions } from '../cli.js';
import { Container } from '../container/container.js';
import { WrongStateError } from '../container/errors.js';
import type { Response } from '../container/protocol.js';
import { validateContainerId } from '../container/state-store.js';

/** EventsOptions are the options of `stasis events`. */
export interface EventsOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly once: boolean;
  readonly intervalMs: number;
}

/** StatsEvent is runc's `stats` event, with the fields a sandbox has. */
export interface StatsEvent {
  type: 'stats';
  id: string;
  data: {
    cpu: { usage: { total: number } };
    memory: { usage: { usage: number; limit?: number } };
    pids: { current: number };
  };
}

/** run prints statistics events. */
export async function run(options: EventsOptions): Promise<number> {
  const id = validateContainerId(options.id);
  for (let first = true; ; first = false) {
    let response: Response;
    try {
      response = await Container.load(options.globals.root, id).request('events', { type: 'stats' });
    } catch (error) {
      // Streaming ends quietly when the container does; asking a stopped one is an error.
      if (!first && error instanceof WrongStateError) return 0;
      throw error;
    }
    if (response.type !== 'stats') throw new Error(`events: unexpected answer ${response.type} from the sandbox process`);
    process.stdout.write(`${JSON.stringify(statsEvent(id, response))}\n`);
    if (options.once) return 0;
    await sleep(options.intervalMs);
  }
}

/** statsEvent shapes a sandbox's statistics as runc's stats event (cpu in nanoseconds). */
export function statsEvent(id: string, stats: Extract<Response, { type: 'stats' }>): StatsEvent {
  return {
    type: 'stats',
    id,
    data: {
      cpu: { usage: { total: Math.round(stats.cpuTimeMs * 1e6) } },
      memory: { usage: { usage: stats.memoryBytes, ...(stats.memoryLimitBytes === undefined ? {} : { limit: stats.memoryLimitBytes }) } },
      pids: { current: stats.tasks },
    },
  };
}
