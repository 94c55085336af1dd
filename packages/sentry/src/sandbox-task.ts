// A sandbox task as the scheduler runs it: a kernel Task (fds, args) driven by a Machine (its
// wasm instance). This is where the machine's outcomes become exit statuses: a trap is 134
// with a wasmtime-style report on the sandbox's stderr, a kill is 128 + signal, a failure of
// the host side (a kernel bug, an Asyncify buffer overflow) is 70 with a message.
import { writeSync } from 'node:fs';
import type { ExitStatus, Schedulable, SliceControl, SliceResult } from './kernel/scheduler.js';
import type { Task } from './kernel/task.js';
import type { Machine, MachineResult } from './machine/machine.js';
import { TRAP_EXIT_CODE, formatTrapReport } from './machine/trap.js';

/** HOST_FAILURE_EXIT_CODE is the status of a task ended by a failure of the sentry itself (sysexits.h EX_SOFTWARE). */
export const HOST_FAILURE_EXIT_CODE = 70;

const YIELDED: SliceResult = { kind: 'yielded' };

/** GuestTask runs one kernel task on its machine, slice by slice. */
export class GuestTask implements Schedulable {
  readonly task: Task;
  readonly machine: Machine;
  /** The program's name for reports (`Error: failed to run main module \`x.wasm\``). */
  readonly program: string;
  private readonly report: (text: string) => void;

  constructor(task: Task, machine: Machine, program: string, report: (text: string) => void) {
    this.task = task;
    this.machine = machine;
    this.program = program;
    this.report = report;
  }

  /** Implements Schedulable.runSlice. */
  runSlice(deadline: number, control: SliceControl): SliceResult | Promise<SliceResult> {
    const result = this.machine.run(deadline, control);
    return result instanceof Promise ? result.then((settled) => this.outcome(settled)) : this.outcome(result);
  }

  private outcome(result: MachineResult): SliceResult {
    switch (result.kind) {
      case 'stopped':
        return result.stop.kind === 'blocked'
          ? { kind: 'blocked', ready: result.stop.ready, reason: result.stop.reason, ...(result.stop.cancel ? { cancel: result.stop.cancel } : {}) }
          : YIELDED;
      case 'exited':
        return exited({ code: result.code });
      case 'killed':
        return exited({ code: 128 + result.signal, signal: result.signal });
      case 'trapped':
        this.report(formatTrapReport(this.program, result.trap));
        return exited({ code: TRAP_EXIT_CODE });
      case 'failed': {
        const error = result.error;
        this.report(`stasis: ${this.program}: ${error instanceof Error ? error.message : String(error)}\n`);
        return exited({ code: HOST_FAILURE_EXIT_CODE });
      }
    }
  }

  /** Implements Schedulable.requestStop. */
  requestStop(): void {
    this.machine.requestStop();
  }
}

function exited(status: ExitStatus): SliceResult {
  return { kind: 'exited', status };
}

/** hostWriter returns a function writing whole strings to a host fd ('null' discards), retrying when the fd is non-blocking and full. */
export function hostWriter(fd: number | 'null'): (text: string) => void {
  if (fd === 'null') return () => undefined;
  return (text: string) => {
    const bytes = Buffer.from(text);
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset);
      } catch (error) {
        // A full non-blocking pipe: try again (a report is short); any other failure drops it.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      }
    }
  };
}
