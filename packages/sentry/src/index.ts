// Kernel half (abi, errors, kernel, vfs, fsimpl, syscalls): see the README's API section.
export * from './abi/wasi/index.js';
export * from './errors/index.js';
export { type ClockSource, HostClock, KernelClock, type TimerHandle } from './kernel/clock.js';
export { type FdEntry, FdTable, type OpenFileCount } from './kernel/fd-table.js';
export {
  type CheckpointState,
  type CpuFeatures,
  type CpuInfoOptions,
  DEFAULT_LIMITS,
  Kernel,
  type KernelCheckpointStatus,
  type KernelLimits,
  type KernelOptions,
  type MountSpec,
  type PreopenSpec,
  type StdioSpec,
  type TaskOptions,
} from './kernel/kernel.js';
export { Pipe, PipeReadEnd, PipeWriteEnd } from './kernel/pipe/pipe.js';
export { type RestartBlock, Task, type TaskState } from './kernel/task.js';
export { WouldBlock } from './kernel/task-block.js';
export { ProcExit, TaskKilled } from './kernel/task-exit.js';
export { isControlFlow, type SyscallCall, type SyscallHandler } from './syscalls/wasi/dispatch.js';
export { type GuestAccess, GuestMemory } from './syscalls/wasi/guest-memory.js';
export { createWasiImports, WASI_MODULE, type WasiImports } from './syscalls/wasi/imports.js';
export {
  renderSyscallTable,
  type SyscallEntry,
  type SyscallStatus,
  type SyscallTableRow,
  syscallTable,
  WASI_SYSCALLS,
  type WasiFunctionName,
} from './syscalls/wasi/table.js';
export type { DirectoryEntry, FileDescription, FileStat, IoDirection, Readiness } from './vfs/file-description.js';
export { FileDescriptionDefaults } from './vfs/file-description-default.js';
export { type KernelLoadContext, KernelStateV1, loadKernel, saveKernel } from './kernel/kernel.state.js';
export { TaskStateV1 } from './kernel/task.state.js';
export { FdTableStateV1 } from './kernel/fd-table.state.js';
export type { DescriptionStateV1, InodeRefV1 } from './kernel/file-description.state.js';
export { PipeStateV1 } from './kernel/pipe/pipe.state.js';
export { TmpfsStateV1 } from './fsimpl/tmpfs/tmpfs.state.js';
export { cpuInfoFor } from './kernel/cpuinfo.js';
