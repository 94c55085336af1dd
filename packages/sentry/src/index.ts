// The public API of @stasis/sentry. The Sandbox is the entry point; the loader, machine and
// scheduler are exported for tools that drive them directly (tests, benchmarks, the
// checkpoint code). Kernel half (abi, errors, kernel, vfs, fsimpl, syscalls): see the README.
export {
  type ExecHandle,
  type ExecOptions,
  type KillOptions,
  Sandbox,
  SandboxStateError,
  type SandboxStats,
  type SandboxStatus,
  type SandboxTaskInfo,
  type SandboxProgram,
  type SandboxRestoreOptions,
} from './sandbox.js';
// Checkpoint and restore (state/): the options and results of Sandbox.checkpoint/restore, the
// image's labels (read by `stasis inspect`), and why a checkpoint or restore is refused.
export type { CheckpointOptions, CheckpointResult } from './state/checkpoint.js';
export type { RestoreMount, RestoreOptions, RestoreStdio } from './state/restore.js';
export {
  CheckpointError,
  CheckpointStateError,
  HostRebindError,
  ImageContentError,
  ImageCpuMismatchError,
  ImageIncompatibleError,
  ReservedLabelError,
  SafePointTimeoutError,
} from './state/errors.js';
export {
  IMAGE_PRODUCER,
  imageLabels,
  type ParsedImageLabels,
  parseImageLabels,
  RESERVED_LABEL_PREFIX,
  SANDBOX_STATE_VERSION,
  SENTRY_LABELS,
  SENTRY_VERSION,
  type SentryImageFacts,
} from './state/image-labels.js';
export { SECTIONS as IMAGE_SECTIONS } from './state/image-layout.js';
export {
  type MountSpec as SandboxMountSpec,
  type PreopenOption,
  type SandboxLimits,
  type SandboxOptions,
  SandboxOptionsError,
  type PipeBinding,
  type StdioBinding,
  type StdioTarget,
} from './sandbox-options.js';
export { HOST_FAILURE_EXIT_CODE } from './sandbox-task.js';
export { defaultCacheDirectory, ModuleCache } from './loader/cache.js';
export {
  ComponentModelError,
  InstrumentationError,
  InvalidModuleError,
  LoaderError,
  MissingEntryPointError,
  NotWebAssemblyError,
  UnknownImportsError,
  UnsupportedFeatureError,
} from './loader/errors.js';
export {
  INSTRUMENT_PHASES,
  type InstrumentedModuleInfo,
  type InstrumentMode,
  type InstrumentPhase,
  type InstrumentPhases,
  type InstrumentStats,
  instrumentModule,
} from './loader/instrument.js';
export { type LoadedProgram, type LoadOptions, loadProgram, ProgramReadError } from './loader/load.js';
export { classifyBinary, validateModule, type ValidatedModule } from './loader/validate.js';
export { AsyncifyStackOverflowError } from './machine/asyncify-buffer.js';
export { MachineStateError, MemoryLimitError, StackSwitchingUnavailableError } from './machine/errors.js';
export { STACK_SWITCHING_NODE_FLAG, stackSwitchingAvailable, stackSwitchingNodeFlags } from './machine/stack-switching.js';
export {
  type GuestFunction,
  Machine,
  type MachineImports,
  type MachineOptions,
  type MachinePhase,
  type MachineResult,
  type MachineStop,
} from './machine/machine.js';
export { type LoadMachineOptions, loadMachine, MachineStateV1, saveMachine } from './machine/machine.state.js';
export { formatTrapReport, type Trap, TRAP_EXIT_CODE } from './machine/trap.js';
export {
  type ExitStatus,
  type Schedulable,
  type ScheduledState,
  ScheduledTask,
  Scheduler,
  type SchedulerOptions,
  SIGNALS,
  type SignalAction,
  signalDefaultAction,
  signalTerminates,
  type SliceResult,
} from './kernel/scheduler.js';
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
  type NamedPipe,
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
