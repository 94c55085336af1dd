// Waiting for a container to reach a state, by polling what the engines and the program show.
// A wait only bounds how long the test tolerates; it never asserts how long anything took.
import { setTimeout as sleep } from 'node:timers/promises';

/** WaitTimeoutError is a condition that did not come true within its limit. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  readonly description: string;
  readonly timeoutMs: number;
  readonly lastObservation: string;
  constructor(description: string, timeoutMs: number, lastObservation: string, options?: { cause?: unknown }) {
    super(`waited ${timeoutMs} ms for ${description}; last seen: ${lastObservation}`, options);
    this.description = description;
    this.timeoutMs = timeoutMs;
    this.lastObservation = lastObservation;
  }
}

/** WaitOptions bound one wait. */
export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * waitFor polls probe until it returns a value other than undefined and resolves to it.
 * The probe reports what it saw through `observe` so a timeout can say where things stood.
 */
export async function waitFor<T>(
  description: string,
  probe: (observe: (observation: string) => void) => Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastObservation = '(nothing yet)';
  let lastError: unknown;
  const observe = (observation: string) => {
    lastObservation = observation;
  };
  for (;;) {
    try {
      const value = await probe(observe);
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
      lastObservation = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(description, timeoutMs, lastObservation, { cause: lastError });
    await sleep(options.intervalMs ?? 100);
  }
}

/**
 * expectStill checks that a paused program makes no progress: it lets output already in
 * flight land, reads `count`, waits for `windowMs`, and rejects when `count` has changed.
 * A bound on what may happen in a window, not a measure of how long anything takes.
 */
export async function expectStill(description: string, count: () => Promise<number>, windowMs = 1000): Promise<void> {
  await sleep(500);
  const before = await count();
  await sleep(windowMs);
  const after = await count();
  if (after !== before) throw new Error(`${description}: went from ${before} to ${after} while paused`);
}
