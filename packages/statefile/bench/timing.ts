// Timing shared by the statefile benches: wall and CPU time of one operation, with garbage
// (earlier 512 MiB memories) collected first so that freeing it is charged to no one; the
// bench scripts run node with --expose-gc.

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Sample is one timed operation. */
export interface Sample {
  readonly milliseconds: number;
  /** CPU time of the whole process (every thread), in milliseconds. */
  readonly cpuMilliseconds: number;
}

/** time runs work once and measures it. */
export async function time(work: () => Promise<void> | void): Promise<Sample> {
  collectGarbage();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const milliseconds = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { milliseconds, cpuMilliseconds: (used.user + used.system) / 1000 };
}
