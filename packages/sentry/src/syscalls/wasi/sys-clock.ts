// clock_res_get and clock_time_get, in nanoseconds. CPU-time clocks have no meaning for
// a task the host may pause and restore, so they report time on the monotonic clock.
import { ClockId } from '../../abi/wasi/flags.js';
import { sysError } from '../../errors/sys-error.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { SyscallCall } from './dispatch.js';

/** clockNow reads the guest clock `id`; an unknown id is EINVAL. */
export function clockNow(kernel: Kernel, id: number): bigint {
  switch (id) {
    case ClockId.REALTIME:
      return kernel.clock.realtime();
    case ClockId.MONOTONIC:
    case ClockId.PROCESS_CPUTIME_ID:
    case ClockId.THREAD_CPUTIME_ID:
      return kernel.clock.monotonic();
    default:
      throw sysError.inval(`clock id ${id}`);
  }
}

/** clockResGet implements clock_res_get(id, resolution_ptr). */
export function clockResGet(call: SyscallCall, id: number, resolutionPointer: number): void {
  clockNow(call.kernel, id);
  call.memory.setU64(resolutionPointer, call.kernel.clock.source.resolution);
}

/** clockTimeGet implements clock_time_get(id, precision, time_ptr); precision is a hint and ignored. */
export function clockTimeGet(call: SyscallCall, id: number, _precision: bigint, timePointer: number): void {
  call.memory.check(timePointer, 8);
  call.memory.setU64(timePointer, clockNow(call.kernel, id));
}
