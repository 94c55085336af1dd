// Docker scenarios' vocabulary: container state, logs as ticks, checkpoint directories.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandFailedError, type CommandResult } from './command.js';
import type { Lab } from './lab.js';
import { parseTicks } from './ticks.js';
import { waitFor } from './wait.js';

/** ContainerState is the part of `docker inspect`'s State the scenarios read. */
export interface ContainerState {
  readonly Status: string;
  readonly Running: boolean;
  readonly Paused: boolean;
  readonly ExitCode: number;
  readonly Error: string;
}

/** containerState returns the State of the container name. */
export async function containerState(lab: Lab, name: string): Promise<ContainerState> {
  const inspected = await lab.dockerChecked(['inspect', '--format', '{{json .State}}', name]);
  return JSON.parse(inspected.stdout) as ContainerState;
}

/** containerId returns the full id of the container name. */
export async function containerId(lab: Lab, name: string): Promise<string> {
  return (await lab.dockerChecked(['inspect', '--format', '{{.Id}}', name])).stdout.trim();
}

/** waitForContainerStatus waits until the container name has State.Status status (running, paused, exited). */
export function waitForContainerStatus(lab: Lab, name: string, status: string): Promise<ContainerState> {
  return waitFor(`container ${name} to be ${status}`, async (observe) => {
    const state = await containerState(lab, name);
    observe(JSON.stringify(state));
    return state.Status === status ? state : undefined;
  });
}

/** logTicks returns the ticks the container name has printed on stdout so far, across restarts. */
export async function logTicks(lab: Lab, name: string): Promise<number[]> {
  return parseTicks((await lab.dockerChecked(['logs', name])).stdout);
}

/** waitForLogTicks waits until the container name has printed at least count ticks and returns them. */
export function waitForLogTicks(lab: Lab, name: string, count: number): Promise<number[]> {
  return waitFor(`${count} ticks in the logs of ${name}`, async (observe) => {
    const ticks = await logTicks(lab, name);
    observe(`${ticks.length} ticks`);
    return ticks.length >= count ? ticks : undefined;
  });
}

/** checkpointDirectory is where dockerd keeps the checkpoint name of the container id (data-root/containers/ID/checkpoints/NAME). */
export function checkpointDirectory(lab: Lab, id: string, name: string): string {
  return join(lab.directory, 'docker', 'containers', id, 'checkpoints', name);
}

/**
 * startFromCheckpoint runs `docker start --checkpoint NAME CONTAINER`, retrying while dockerd
 * reports that the checkpoint's blob "already exists" in containerd's content store.
 *
 * Why: Docker 20.10 uploads the checkpoint directory as a content blob on every `start
 * --checkpoint`, and refuses (before any runtime call) when a blob with that digest is still
 * in the store — as it is until containerd's garbage collector has removed the copy a previous
 * upload or `checkpoint create` left behind. The runtime is not involved; a later attempt
 * succeeds once the collector has run. Any other failure is not retried.
 */
export async function startFromCheckpoint(lab: Lab, args: readonly string[], attempts = 10): Promise<CommandResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await lab.docker(['start', ...args], { timeoutMs: 120_000 });
    if (result.code === 0) return result;
    if (attempt >= attempts || !/already exists/.test(result.stderr)) throw new CommandFailedError(result);
    await sleep(1000);
  }
}
