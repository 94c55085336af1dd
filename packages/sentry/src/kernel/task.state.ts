// Save and load of tasks: what the task was started with, its fds, and the restart block
// of a call it is blocked in (deadlines on the guest's monotonic clock).
import { z } from 'zod';
import type { DescriptionLoadContext, DescriptionSaveContext } from './file-description.state.js';
import { FdTableStateV1, loadFdTable, saveFdTable } from './fd-table.state.js';
import type { Kernel } from './kernel.js';
import { Task } from './task.js';

/** TaskStateV1 is a saved task (the machine state of its instance is saved by the machine). */
export const TaskStateV1 = z.object({
  tid: z.number().int().positive(),
  args: z.array(z.string()),
  env: z.array(z.string()),
  cwd: z.string(),
  restart: z.object({ key: z.string(), deadlines: z.array(z.bigint().nullable()) }).nullable(),
  yielding: z.boolean(),
  fdTable: FdTableStateV1,
});
/** TaskStateV1 is the saved form of a running Task. */
export type TaskStateV1 = z.infer<typeof TaskStateV1>;

/** saveTask saves a running task. */
export function saveTask(task: Task, context: DescriptionSaveContext): TaskStateV1 {
  return {
    tid: task.tid,
    args: [...task.args],
    env: [...task.env],
    cwd: task.cwd,
    restart: task.restart === undefined ? null : { key: task.restart.key, deadlines: task.restart.deadlines.map((deadline) => deadline ?? null) },
    yielding: task.yielding,
    fdTable: saveFdTable(task.fdTable, context),
  };
}

/** loadTask rebuilds a task; `clockShift` moves its pending deadlines by the time the clock jumped, so they keep their remaining time. */
export function loadTask(state: TaskStateV1, kernel: Kernel, context: DescriptionLoadContext, clockShift: bigint): Task {
  const fdTable = loadFdTable(state.fdTable, kernel, context);
  const task = new Task(kernel, state.tid, state.args, state.env, state.cwd, fdTable);
  if (state.restart !== null) {
    task.restart = { key: state.restart.key, deadlines: state.restart.deadlines.map((deadline) => (deadline === null ? undefined : deadline + clockShift)) };
  }
  task.yielding = state.yielding;
  return task;
}
