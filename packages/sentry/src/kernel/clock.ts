// Clocks. The guest's monotonic clock is a kernel offset plus the host's monotonic clock,
// so a restored kernel can continue it forward from where it stopped (gVisor's
// timekeeper does the same); realtime is the host's. The source is injectable so tests
// drive time with FakeClock.

/** TimerHandle cancels a timer set on a ClockSource. */
export interface TimerHandle {
  cancel(): void;
}

/** ClockSource is where the kernel's time comes from, in nanoseconds. */
export interface ClockSource {
  /** Nanoseconds since the Unix epoch. */
  realtime(): bigint;
  /** Nanoseconds since an arbitrary point, never decreasing. */
  monotonic(): bigint;
  /** Resolution reported by clock_res_get, in nanoseconds. */
  readonly resolution: bigint;
  /** Calls `fire` once the source's monotonic time reaches `deadline`. */
  setTimer(deadline: bigint, fire: () => void): TimerHandle;
}

/** HostClock reads the host's clocks: hrtime for monotonic, and realtime with nanosecond digits. */
export class HostClock implements ClockSource {
  readonly resolution = 1n;
  /** Realtime at `#base`, from the millisecond wall clock plus the sub-millisecond part of performance.now(). */
  readonly #realtimeBase: bigint;
  readonly #base: bigint;
  constructor() {
    this.#base = process.hrtime.bigint();
    const millis = performance.timeOrigin + performance.now();
    this.#realtimeBase = BigInt(Math.floor(millis * 1000)) * 1000n;
  }
  /** Implements ClockSource.realtime. */
  realtime(): bigint {
    return this.#realtimeBase + (process.hrtime.bigint() - this.#base);
  }
  /** Implements ClockSource.monotonic. */
  monotonic(): bigint {
    return process.hrtime.bigint();
  }
  /** Implements ClockSource.setTimer with setTimeout (rounded up to whole milliseconds). */
  setTimer(deadline: bigint, fire: () => void): TimerHandle {
    const remaining = deadline - this.monotonic();
    const millis = remaining <= 0n ? 0 : Number((remaining + 999_999n) / 1_000_000n);
    const timer = setTimeout(fire, Math.min(millis, 2 ** 31 - 1));
    return { cancel: () => clearTimeout(timer) };
  }
}

/** KernelClock is the guest's view of time: the source shifted by a saved monotonic offset. */
export class KernelClock {
  readonly source: ClockSource;
  /** Added to the source's monotonic time; a restore sets it so time continues forward. */
  monotonicOffset: bigint;
  constructor(source: ClockSource, monotonicOffset = 0n) {
    this.source = source;
    this.monotonicOffset = monotonicOffset;
  }
  /** realtime is the guest's CLOCK_REALTIME in nanoseconds. */
  realtime(): bigint {
    return this.source.realtime();
  }
  /** monotonic is the guest's CLOCK_MONOTONIC in nanoseconds. */
  monotonic(): bigint {
    return this.source.monotonic() + this.monotonicOffset;
  }
  /** continueFrom makes monotonic() return at least `saved` from now on (restore: the clock never goes back). */
  continueFrom(saved: bigint): void {
    this.monotonicOffset = saved - this.source.monotonic();
  }
  /** sleepUntil resolves once the guest's monotonic clock reaches `deadline`. */
  sleepUntil(deadline: bigint): { promise: Promise<void>; cancel: () => void } {
    let handle: TimerHandle | undefined;
    const promise = new Promise<void>((resolve) => {
      handle = this.source.setTimer(deadline - this.monotonicOffset, resolve);
    });
    return { promise, cancel: () => handle?.cancel() };
  }
}
