// Docker scenarios' vocabulary: container state, logs as ticks, checkpoint directories.
import { join } from 'node:path';
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
