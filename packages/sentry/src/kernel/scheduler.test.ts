import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SIGNALS, type Schedulable, Scheduler, type SliceResult, signalDefaultAction, signalTerminates } from './scheduler.js';

/** A scripted task: each slice takes the next step of its script (no wasm involved). */
class ScriptedTask implements Schedulable {
  readonly name: string;
  readonly slices: number[] = [];
  stopRequests = 0;
  private readonly script: (() => SliceResult)[];
  private readonly log: string[];
  private step = 0;

  constructor(name: string, script: (() => SliceResult)[], log: string[]) {
    this.name = name;
    this.script = script;
    this.log = log;
  }

  runSlice(deadline: number): SliceResult {
    this.slices.push(deadline);
    this.log.push(this.name);
    const next = this.script[Math.min(this.step++, this.script.length - 1)] as () => SliceResult;
    return next();
  }

  requestStop(): void {
    this.stopRequests++;
  }
}

const yielded = (): SliceResult => ({ kind: 'yielded' });
const exit = (code: number) => (): SliceResult => ({ kind: 'exited', status: { code } });
const forever = (): SliceResult => ({ kind: 'yielded' });

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

const SchedulerSuite = suite('Scheduler');

SchedulerSuite('runs tasks round-robin, one slice at a time, until each exits', async () => {
  const log: string[] = [];
  const scheduler = new Scheduler();
  const a = scheduler.add(1, new ScriptedTask('a', [yielded, yielded, exit(3)], log));
  const b = scheduler.add(2, new ScriptedTask('b', [yielded, exit(4)], log));
  assert.equal(await a.exited, { code: 3 });
  assert.equal(await b.exited, { code: 4 });
  assert.equal(log, ['a', 'b', 'a', 'b', 'a']);
  assert.is(a.state, 'exited');
});

SchedulerSuite('gives each slice a deadline one slice length ahead', async () => {
  let clock = 1000;
  const scheduler = new Scheduler({ sliceMs: 7, now: () => clock });
  const task = new ScriptedTask('a', [exit(0)], []);
  await scheduler.add(1, task).exited;
  clock = 0;
  assert.equal(task.slices, [1007]);
});

SchedulerSuite('lets the event loop run between slices of a task that never blocks', async () => {
  const scheduler = new Scheduler();
  let timerFired = false;
  let slicesAfterTimer = 0;
  const task = new ScriptedTask('spin', [() => (timerFired && ++slicesAfterTimer >= 2 ? { kind: 'exited', status: { code: 0 } } : { kind: 'yielded' })], []);
  setTimeout(() => {
    timerFired = true;
  }, 1);
  await scheduler.add(1, task).exited;
  assert.ok(timerFired, 'a timer fired while the task was scheduled');
});

SchedulerSuite('a blocked task is not run until its promise settles', async () => {
  const log: string[] = [];
  const gate = deferred();
  const scheduler = new Scheduler();
  const blocked = scheduler.add(1, new ScriptedTask('reader', [() => ({ kind: 'blocked', ready: gate.promise, reason: 'read' }), exit(0)], log));
  const other = scheduler.add(2, new ScriptedTask('other', [yielded, yielded, exit(0)], log));
  await other.exited;
  assert.is(blocked.state, 'blocked');
  assert.is(blocked.blockedOn, 'read');
  assert.equal(log, ['reader', 'other', 'other', 'other']);
  gate.resolve();
  assert.equal(await blocked.exited, { code: 0 });
  assert.equal(log, ['reader', 'other', 'other', 'other', 'reader']);
});

SchedulerSuite('a rejected wait also wakes the task (the call reports its own error)', async () => {
  const scheduler = new Scheduler();
  const task = scheduler.add(1, new ScriptedTask('t', [() => ({ kind: 'blocked', ready: Promise.reject(new Error('gone')), reason: 'poll' }), exit(5)], []));
  assert.equal(await task.exited, { code: 5 });
});

SchedulerSuite('kill ends a runnable or a blocked task at once with 128 + signal', async () => {
  const scheduler = new Scheduler();
  const never = new Promise<void>(() => {});
  const blocked = scheduler.add(1, new ScriptedTask('blocked', [() => ({ kind: 'blocked', ready: never, reason: 'sleep' })], []));
  const spinning = scheduler.add(2, new ScriptedTask('spinning', [forever], []));
  await new Promise((resolve) => setImmediate(resolve));
  scheduler.kill(1, SIGNALS.SIGTERM);
  scheduler.kill(2, SIGNALS.SIGKILL);
  assert.equal(await blocked.exited, { code: 143, signal: 15 });
  assert.equal(await spinning.exited, { code: 137, signal: 9 });
  await scheduler.idle();
});

SchedulerSuite('a task ended while blocked has its wait cancelled; a woken one does not', async () => {
  const scheduler = new Scheduler();
  const cancelled: string[] = [];
  const gate = deferred();
  const never = new Promise<void>(() => {});
  const sleeper = scheduler.add(1, new ScriptedTask('sleeper', [() => ({ kind: 'blocked', ready: never, reason: 'sleep', cancel: () => cancelled.push('sleeper') })], []));
  const woken = scheduler.add(
    2,
    new ScriptedTask('woken', [() => ({ kind: 'blocked', ready: gate.promise, reason: 'read', cancel: () => cancelled.push('woken') }), exit(0)], []),
  );
  while (sleeper.state !== 'blocked' || woken.state !== 'blocked') await new Promise((resolve) => setImmediate(resolve));
  gate.resolve();
  assert.equal(await woken.exited, { code: 0 });
  scheduler.kill(1, SIGNALS.SIGKILL);
  assert.equal(await sleeper.exited, { code: 137, signal: 9 });
  assert.equal(cancelled, ['sleeper'], `cancelled waits: got ${cancelled}, want only the killed sleeper's`);
});

SchedulerSuite('signals whose default action is not to terminate leave a task running', async () => {
  const scheduler = new Scheduler();
  const never = new Promise<void>(() => {});
  const blocked = scheduler.add(1, new ScriptedTask('blocked', [() => ({ kind: 'blocked', ready: never, reason: 'sleep' })], []));
  const spinning = scheduler.add(2, new ScriptedTask('spinning', [forever], []));
  await new Promise((resolve) => setImmediate(resolve));
  for (const signal of [SIGNALS.SIGCHLD, SIGNALS.SIGCONT, SIGNALS.SIGURG, SIGNALS.SIGWINCH, SIGNALS.SIGSTOP, SIGNALS.SIGTSTP]) {
    scheduler.kill(1, signal);
    scheduler.kill(2, signal);
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(blocked.state, 'blocked', `after SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGSTOP, SIGTSTP: got ${blocked.state}, want blocked`);
  assert.ok(spinning.state !== 'exited', `the spinning task: got ${spinning.state}, want still running`);
  assert.is(blocked.pendingSignal, undefined);
  scheduler.kill(1, SIGNALS.SIGHUP);
  scheduler.kill(2, 40);
  assert.equal(await blocked.exited, { code: 129, signal: 1 });
  assert.equal(await spinning.exited, { code: 168, signal: 40 }, 'a real-time signal terminates');
});

SchedulerSuite('the signal table gives the default actions of signal(7)', () => {
  assert.is(signalDefaultAction(SIGNALS.SIGWINCH), 'ignore');
  assert.is(SIGNALS.SIGWINCH, 28);
  assert.is(signalDefaultAction(SIGNALS.SIGCONT), 'continue');
  assert.is(signalDefaultAction(SIGNALS.SIGSEGV), 'core');
  assert.is(signalDefaultAction(SIGNALS.SIGTSTP), 'stop');
  assert.is(signalDefaultAction(SIGNALS.SIGKILL), 'terminate');
  const survivors = Array.from({ length: 64 }, (_, index) => index + 1).filter((signal) => !signalTerminates(signal));
  assert.equal(survivors, [17, 18, 19, 20, 21, 22, 23, 28], `signals that do not terminate: got ${survivors}`);
});

SchedulerSuite('a kill from inside a slice stops the running task at its next safe point', async () => {
  const scheduler = new Scheduler();
  const victim = new ScriptedTask(
    'victim',
    [
      () => {
        scheduler.kill(1, SIGNALS.SIGTERM);
        return { kind: 'yielded' };
      },
    ],
    [],
  );
  const scheduled = scheduler.add(1, victim);
  assert.equal(await scheduled.exited, { code: 143, signal: 15 });
  assert.is(victim.stopRequests, 1);
  assert.is(victim.slices.length, 1);
});

SchedulerSuite('pause stops all scheduling; SIGKILL still ends a paused task, SIGTERM waits for resume', async () => {
  const log: string[] = [];
  const scheduler = new Scheduler();
  const a = scheduler.add(1, new ScriptedTask('a', [forever], log));
  const b = scheduler.add(2, new ScriptedTask('b', [forever], log));
  const c = scheduler.add(3, new ScriptedTask('c', [forever], log));
  while (log.length < 6) await new Promise((resolve) => setImmediate(resolve));
  await scheduler.pause();
  const ranBefore = log.length;
  for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.is(log.length, ranBefore, 'no slice runs while paused');
  scheduler.kill(1, SIGNALS.SIGKILL);
  scheduler.kill(2, SIGNALS.SIGTERM);
  assert.equal(await a.exited, { code: 137, signal: 9 });
  assert.is(b.state, 'runnable', 'SIGTERM is held while paused');
  scheduler.resume();
  assert.equal(await b.exited, { code: 143, signal: 15 });
  while (log.length < ranBefore + 3) await new Promise((resolve) => setImmediate(resolve));
  scheduler.kill(3, SIGNALS.SIGKILL);
  await c.exited;
});

SchedulerSuite('a task over its CPU time limit is killed with SIGXCPU', async () => {
  let clock = 0;
  const scheduler = new Scheduler({ cpuTimeLimitMs: 25, now: () => clock });
  const task = new ScriptedTask(
    'hog',
    [
      () => {
        clock += 10;
        return { kind: 'yielded' };
      },
    ],
    [],
  );
  const scheduled = scheduler.add(1, task);
  assert.equal(await scheduled.exited, { code: 152, signal: SIGNALS.SIGXCPU });
  assert.is(task.slices.length, 3, 'the slice that crossed 25 ms of CPU time was the last');
  assert.is(scheduled.cpuTimeMs, 30);
});

SchedulerSuite('a task whose slice throws ends with status 70 and the error is reported', async () => {
  const errors: unknown[] = [];
  const scheduler = new Scheduler({ onError: (_tid, error) => errors.push(error) });
  const broken: Schedulable = {
    runSlice: () => {
      throw new Error('bug');
    },
    requestStop: () => undefined,
  };
  assert.equal(await scheduler.add(1, broken).exited, { code: 70 });
  assert.is(String(errors[0]), 'Error: bug');
});

SchedulerSuite.run();

const SchedulerProperties = suite('Scheduler properties');

SchedulerProperties('every task runs its script to its own exit status, whatever the mix', async () => {
  const step = fc.constantFrom('yield', 'block');
  const script = fc.tuple(fc.array(step, { maxLength: 6 }), fc.integer({ min: 0, max: 255 }));
  await fc.assert(
    fc.asyncProperty(fc.array(script, { minLength: 1, maxLength: 5 }), async (scripts) => {
      const scheduler = new Scheduler();
      const scheduled = scripts.map(([steps, code], index) => {
        const slices: (() => SliceResult)[] = steps.map((kind) =>
          kind === 'yield' ? yielded : (): SliceResult => ({ kind: 'blocked', ready: new Promise((resolve) => setTimeout(resolve, 0)), reason: 'sleep' }),
        );
        slices.push(exit(code));
        return { task: new ScriptedTask(`t${index}`, slices, []), code };
      });
      const records = scheduled.map(({ task }, index) => scheduler.add(index + 1, task));
      const statuses = await Promise.all(records.map((record) => record.exited));
      statuses.forEach((status, index) => {
        assert.is(status.code, scheduled[index]?.code);
        assert.is(scheduled[index]?.task.slices.length, (scripts[index]?.[0].length ?? 0) + 1);
      });
    }),
    { numRuns: 40, seed: Number(process.env.FC_SEED ?? 13) },
  );
});

SchedulerProperties.run();
