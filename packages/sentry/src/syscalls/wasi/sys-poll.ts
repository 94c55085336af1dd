// poll_oneoff: wait for the first of several clocks and fd readiness events.
//
// Clock deadlines are computed once, on the first attempt, and kept in the task's restart
// block, so a call that blocked and runs again (after the wait, or after a restore, when
// the monotonic clock has continued forward) keeps its original deadlines. When nothing
// is ready the call throws WouldBlock with a promise that settles at the earliest
// deadline or the first readiness change; it has written nothing to guest memory then.
import { Errno } from '../../abi/wasi/errno.js';
import { ClockId, EventType, Eventrwflags, Subclockflags } from '../../abi/wasi/flags.js';
import * as layout from '../../abi/wasi/layouts.js';
import { Rights } from '../../abi/wasi/rights.js';
import { SysError, sysError } from '../../errors/sys-error.js';
import { HostInput } from '../../fsimpl/host/host-stream.js';
import { WouldBlock } from '../../kernel/task-block.js';
import type { IoDirection } from '../../vfs/file-description.js';
import type { SyscallCall } from './dispatch.js';

/** Subscription is one decoded `subscription`. */
type Subscription =
  | { readonly userdata: bigint; readonly type: 0; readonly clock: number; readonly timeout: bigint; readonly absolute: boolean }
  | { readonly userdata: bigint; readonly type: 1 | 2; readonly fd: number };

/** PollEvent is one `event` to write back. */
interface PollEvent {
  readonly userdata: bigint;
  readonly error: number;
  readonly type: number;
  readonly nbytes: bigint;
  readonly flags: number;
}

function decode(call: SyscallCall, pointer: number, count: number): Subscription[] {
  const memory = call.memory;
  const base = memory.check(pointer, count * layout.SUBSCRIPTION_SIZE);
  const view = memory.view;
  const subscriptions: Subscription[] = [];
  for (let index = 0; index < count; index++) {
    const at = base + index * layout.SUBSCRIPTION_SIZE;
    const userdata = view.getBigUint64(at + layout.SUBSCRIPTION_USERDATA_OFFSET, true);
    const type = view.getUint8(at + layout.SUBSCRIPTION_TAG_OFFSET);
    if (type === EventType.CLOCK) {
      subscriptions.push({
        userdata,
        type,
        clock: view.getUint32(at + layout.SUBSCRIPTION_CLOCK_ID_OFFSET, true),
        timeout: view.getBigUint64(at + layout.SUBSCRIPTION_CLOCK_TIMEOUT_OFFSET, true),
        absolute: (view.getUint16(at + layout.SUBSCRIPTION_CLOCK_FLAGS_OFFSET, true) & Subclockflags.SUBSCRIPTION_CLOCK_ABSTIME) !== 0,
      });
    } else if (type === EventType.FD_READ || type === EventType.FD_WRITE) {
      subscriptions.push({ userdata, type, fd: view.getUint32(at + layout.SUBSCRIPTION_FD_OFFSET, true) });
    } else {
      throw sysError.inval(`subscription type ${type}`);
    }
  }
  return subscriptions;
}

/** Converts a clock subscription to a deadline on the guest's monotonic clock. */
function deadlineOf(call: SyscallCall, subscription: Subscription & { type: 0 }): bigint {
  const clock = call.kernel.clock;
  const now = clock.monotonic();
  if (!subscription.absolute) return now + subscription.timeout;
  if (subscription.clock === ClockId.REALTIME) return now + (subscription.timeout - clock.realtime());
  return subscription.timeout;
}

/** pollOneoff implements poll_oneoff(in, out, nsubscriptions, nevents_ptr). */
export function pollOneoff(call: SyscallCall, inPointer: number, outPointer: number, count: number, resultPointer: number): void {
  const total = count >>> 0;
  if (total === 0) throw sysError.inval('no subscriptions');
  const subscriptions = decode(call, inPointer, total);
  const outBase = call.memory.check(outPointer, total * layout.EVENT_SIZE);
  call.memory.check(resultPointer, 4);

  const task = call.task;
  const key = `poll_oneoff:${inPointer >>> 0}:${outPointer >>> 0}:${total}`;
  const restart = task.restart?.key === key ? task.restart : undefined;
  const deadlines = subscriptions.map((subscription, index) => {
    if (subscription.type !== EventType.CLOCK) return undefined;
    return restart?.deadlines[index] ?? deadlineOf(call, subscription);
  });

  const now = call.kernel.clock.monotonic();
  const events: PollEvent[] = [];
  const waits: Promise<void>[] = [];
  // What the wait holds (timers, a host stdin read), released when it ends or the task dies.
  const cancels: (() => void)[] = [];
  subscriptions.forEach((subscription, index) => {
    if (subscription.type === EventType.CLOCK) {
      if (subscription.clock > ClockId.THREAD_CPUTIME_ID) {
        events.push({ userdata: subscription.userdata, error: Errno.INVAL, type: EventType.CLOCK, nbytes: 0n, flags: 0 });
      } else if (deadlines[index]! <= now) {
        events.push({ userdata: subscription.userdata, error: Errno.SUCCESS, type: EventType.CLOCK, nbytes: 0n, flags: 0 });
      }
      return;
    }
    const direction: IoDirection = subscription.type === EventType.FD_READ ? 'read' : 'write';
    try {
      const { description } = task.fdTable.get(subscription.fd, Rights.POLL_FD_READWRITE);
      const readiness = description.readiness(direction);
      if (readiness.ready) {
        events.push({
          userdata: subscription.userdata,
          error: Errno.SUCCESS,
          type: subscription.type,
          nbytes: readiness.nbytes,
          flags: readiness.hangup ? Eventrwflags.FD_READWRITE_HANGUP : 0,
        });
      } else if (description instanceof HostInput && direction === 'read') {
        const wait = description.waitReadable();
        waits.push(wait.ready);
        cancels.push(wait.cancel);
      } else {
        waits.push(description.whenReady(direction));
      }
    } catch (error) {
      if (!(error instanceof SysError)) throw error;
      events.push({ userdata: subscription.userdata, error: error.errno, type: subscription.type, nbytes: 0n, flags: 0 });
    }
  });

  if (events.length === 0) {
    task.restart = { key, deadlines };
    const earliest = deadlines.reduce<bigint | undefined>((min, deadline) => (deadline !== undefined && (min === undefined || deadline < min) ? deadline : min), undefined);
    if (earliest !== undefined) {
      const sleep = call.kernel.clock.sleepUntil(earliest);
      cancels.push(sleep.cancel);
      waits.push(sleep.promise);
    }
    const cancelWaits = (): void => {
      for (const cancel of cancels) cancel();
    };
    const ready = Promise.race(waits).finally(cancelWaits);
    throw new WouldBlock(ready, earliest !== undefined && waits.length === 1 ? 'sleep' : 'poll', cancelWaits);
  }

  task.restart = undefined;
  // Some subscription is ready: nobody waits for the reads the others started.
  for (const cancel of cancels) cancel();
  const view = call.memory.view;
  events.forEach((event, index) => {
    const at = outBase + index * layout.EVENT_SIZE;
    call.memory.bytes.fill(0, at, at + layout.EVENT_SIZE);
    view.setBigUint64(at + layout.EVENT_USERDATA_OFFSET, event.userdata, true);
    view.setUint16(at + layout.EVENT_ERROR_OFFSET, event.error, true);
    view.setUint8(at + layout.EVENT_TYPE_OFFSET, event.type);
    view.setBigUint64(at + layout.EVENT_NBYTES_OFFSET, event.nbytes, true);
    view.setUint16(at + layout.EVENT_FLAGS_OFFSET, event.flags, true);
  });
  call.memory.setU32(resultPointer, events.length);
}
