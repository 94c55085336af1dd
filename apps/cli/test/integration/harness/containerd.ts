// containerd scenarios' vocabulary: `ctr run` command lines, task states, and cleanup.
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Lab } from './lab.js';
import type { ImageProgram } from './images.js';
import { parseTicks } from './ticks.js';
import { waitFor } from './wait.js';

/** CtrRunOptions are the `ctr run` flags the scenarios use. */
export interface CtrRunOptions {
  readonly detach?: boolean;
  readonly remove?: boolean;
  readonly terminal?: boolean;
  /** Where the shim writes the task's stdout and stderr (`--log-uri file://...`). */
  readonly logFile?: string;
  /** No stdio at all (`--null-io`): the shim hands the runtime /dev/null, read-only. */
  readonly nullIo?: boolean;
  /** A host directory bind-mounted read-write at /out in the container. */
  readonly outDirectory?: string;
}

/** ctrRunArgs is the `ctr run` argument list that runs command in a new container id, with the runtime under test as its runc binary. */
export function ctrRunArgs(
  lab: Lab,
  program: ImageProgram,
  id: string,
  command: readonly string[],
  options: CtrRunOptions = {},
): string[] {
  const flags = ['--runc-binary', lab.runtimeBinary];
  if (options.detach) flags.push('--detach');
  if (options.remove) flags.push('--rm');
  if (options.terminal) flags.push('--tty');
  if (options.logFile !== undefined) flags.push('--log-uri', `file://${options.logFile}`);
  if (options.nullIo) flags.push('--null-io');
  if (options.outDirectory !== undefined) {
    mkdirSync(options.outDirectory, { recursive: true });
    flags.push('--mount', `type=bind,src=${options.outDirectory},dst=/out,options=rbind:rw`);
  }
  return ['run', ...flags, program.image, id, ...command];
}

/** TaskStatus is a task's STATUS as `ctr task ls` prints it. */
export type TaskStatus = 'CREATED' | 'RUNNING' | 'PAUSED' | 'PAUSING' | 'STOPPED' | 'UNKNOWN';

/** taskStatus returns the status of id's task, or undefined when it has none. */
export async function taskStatus(lab: Lab, id: string): Promise<TaskStatus | undefined> {
  const listed = await lab.ctrChecked(['tasks', 'ls']);
  for (const line of listed.stdout.split('\n').slice(1)) {
    const [task, , status] = line.trim().split(/\s+/);
    if (task === id) return status as TaskStatus;
  }
  return undefined;
}

/** waitForStatus waits until id's task shows status. */
export function waitForStatus(lab: Lab, id: string, status: TaskStatus): Promise<TaskStatus> {
  return waitFor(`task ${id} to be ${status}`, async (observe) => {
    const current = await taskStatus(lab, id);
    observe(`status ${current ?? '(no task)'}`);
    return current === status ? current : undefined;
  });
}

/** taskPids returns the host pids `ctr task ps` lists for id. */
export async function taskPids(lab: Lab, id: string): Promise<number[]> {
  const listed = await lab.ctrChecked(['tasks', 'ps', id]);
  return listed.stdout
    .split('\n')
    .slice(1)
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** removeContainer ends id's task if it has one, deletes it and the container, and returns `ctr task rm`'s output (it names a non-zero exit code). */
export async function removeContainer(lab: Lab, id: string): Promise<string> {
  const status = await taskStatus(lab, id);
  let removal = '';
  if (status !== undefined) {
    if (status !== 'STOPPED') {
      await lab.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]);
      await waitForStatus(lab, id, 'STOPPED');
    }
    const removed = await lab.ctrChecked(['tasks', 'rm', id]);
    removal = removed.stdout + removed.stderr;
  }
  await lab.ctrChecked(['containers', 'rm', id]);
  return removal;
}

/** readTicks returns the ticks written to file so far (none when it does not exist yet). */
export async function readTicks(file: string): Promise<number[]> {
  if (!existsSync(file)) return [];
  return parseTicks(await readFile(file, 'utf8'));
}

/** waitForTicks waits until file holds at least count ticks and returns them. */
export function waitForTicks(file: string, count: number): Promise<number[]> {
  return waitFor(`${count} ticks in ${file}`, async (observe) => {
    const ticks = await readTicks(file);
    observe(`${ticks.length} ticks`);
    return ticks.length >= count ? ticks : undefined;
  });
}
