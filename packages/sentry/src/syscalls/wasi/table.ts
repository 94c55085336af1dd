// The WASI preview 1 syscall table, as data (gVisor's linux64.go): every function with
// its handler, whether it is supported fully or in part, and a note saying what differs.
// `stasis syscalls` prints it; imports.ts builds the import object from it.
import type { SyscallHandler } from './dispatch.js';
import { argsGet, argsSizesGet, environGet, environSizesGet } from './sys-args.js';
import { clockResGet, clockTimeGet } from './sys-clock.js';
import * as sysFd from './sys-fd.js';
import * as sysPath from './sys-path.js';
import { pollOneoff } from './sys-poll.js';
import { procExit, procRaise, schedYield } from './sys-proc.js';
import { randomGet } from './sys-random.js';
import * as sysSock from './sys-sock.js';

/** SyscallStatus says how completely a function is implemented. */
export type SyscallStatus = 'supported' | 'partial' | 'unsupported';

/** SyscallEntry is one row of the table. */
export interface SyscallEntry {
  readonly status: SyscallStatus;
  readonly handler: SyscallHandler;
  /** What differs from Linux (or from wasmtime) for a partial function. */
  readonly note?: string;
}

function supported(handler: SyscallHandler, note?: string): SyscallEntry {
  return note === undefined ? { status: 'supported', handler } : { status: 'supported', handler, note };
}

function partial(handler: SyscallHandler, note: string): SyscallEntry {
  return { status: 'partial', handler, note };
}

/** WASI_SYSCALLS is every `wasi_snapshot_preview1` function the sentry provides. */
export const WASI_SYSCALLS = {
  args_get: supported(argsGet),
  args_sizes_get: supported(argsSizesGet),
  environ_get: supported(environGet),
  environ_sizes_get: supported(environSizesGet),
  clock_res_get: supported(clockResGet),
  clock_time_get: partial(clockTimeGet, 'The CPU-time clocks report the monotonic clock: a task that is paused or restored has no meaningful CPU time.'),
  fd_advise: partial(sysFd.fdAdvise, 'Advice is validated and ignored.'),
  fd_allocate: supported(sysFd.fdAllocate),
  fd_close: supported(sysFd.fdClose),
  fd_datasync: supported(sysFd.fdDatasync),
  fd_fdstat_get: supported(sysFd.fdFdstatGet),
  fd_fdstat_set_flags: partial(sysFd.fdFdstatSetFlags, 'Flags are recorded and reported; SYNC/DSYNC/RSYNC change nothing on in-memory files.'),
  fd_fdstat_set_rights: supported(sysFd.fdFdstatSetRights),
  fd_filestat_get: supported(sysFd.fdFilestatGet),
  fd_filestat_set_size: supported(sysFd.fdFilestatSetSize),
  fd_filestat_set_times: supported(sysFd.fdFilestatSetTimes),
  fd_pread: supported(sysFd.fdPread),
  fd_prestat_get: supported(sysFd.fdPrestatGet),
  fd_prestat_dir_name: supported(sysFd.fdPrestatDirName),
  fd_pwrite: supported(sysFd.fdPwrite, 'With APPEND, pwrite appends, as on Linux.'),
  fd_read: supported(sysFd.fdRead),
  fd_readdir: supported(sysFd.fdReaddir, 'Listings start with `.` and `..`; cookies are entry indexes.'),
  fd_renumber: supported(sysFd.fdRenumber),
  fd_seek: supported(sysFd.fdSeek),
  fd_sync: supported(sysFd.fdSync),
  fd_tell: supported(sysFd.fdTell),
  fd_write: supported(sysFd.fdWrite),
  path_create_directory: supported(sysPath.pathCreateDirectory),
  path_filestat_get: supported(sysPath.pathFilestatGet),
  path_filestat_set_times: supported(sysPath.pathFilestatSetTimes),
  path_link: supported(sysPath.pathLink),
  path_open: supported(sysPath.pathOpen, 'Paths resolve beneath the directory fd; escaping it is EPERM, as in wasmtime.'),
  path_readlink: supported(sysPath.pathReadlink, 'A short buffer receives the start of the target.'),
  path_remove_directory: supported(sysPath.pathRemoveDirectory),
  path_rename: supported(sysPath.pathRename),
  path_symlink: supported(sysPath.pathSymlink),
  path_unlink_file: supported(sysPath.pathUnlinkFile),
  poll_oneoff: supported(pollOneoff, 'Clock precision is ignored; regular files are always ready.'),
  proc_exit: supported(procExit),
  proc_raise: partial(procRaise, "Signals take their default action (WASI has no handlers); stop signals are ignored."),
  random_get: supported(randomGet),
  sched_yield: supported(schedYield),
  sock_accept: partial(sysSock.sockAccept, 'Only on listening sockets given to the sandbox; none can be given yet, so it answers EINVAL or ENOTSOCK.'),
  sock_recv: partial(sysSock.sockRecv, 'On stream sockets given to the sandbox; RECV_PEEK and RECV_WAITALL are ENOTSUP.'),
  sock_send: partial(sysSock.sockSend, 'On stream sockets given to the sandbox.'),
  sock_shutdown: partial(sysSock.sockShutdown, 'On sockets given to the sandbox that support it; EBADF and ENOTSOCK otherwise.'),
} as const satisfies Record<string, SyscallEntry>;

/** WasiFunctionName is the name of a WASI preview 1 function. */
export type WasiFunctionName = keyof typeof WASI_SYSCALLS;

/** SyscallTableRow is a row of the rendered table. */
export interface SyscallTableRow {
  readonly name: WasiFunctionName;
  readonly status: SyscallStatus;
  readonly note: string;
}

/** syscallTable lists every function with its status and note, in table order. */
export function syscallTable(): SyscallTableRow[] {
  return (Object.entries(WASI_SYSCALLS) as [WasiFunctionName, SyscallEntry][]).map(([name, entry]) => ({
    name,
    status: entry.status,
    note: entry.note ?? '',
  }));
}

/** renderSyscallTable renders the table as aligned text or as a Markdown table (for `stasis syscalls --format`). */
export function renderSyscallTable(format: 'text' | 'markdown' = 'text'): string {
  const rows = syscallTable();
  if (format === 'markdown') {
    const lines = ['| Function | Status | Note |', '| --- | --- | --- |'];
    for (const row of rows) lines.push(`| \`${row.name}\` | ${row.status} | ${row.note.replaceAll('|', '\\|')} |`);
    return `${lines.join('\n')}\n`;
  }
  const nameWidth = Math.max(...rows.map((row) => row.name.length));
  const statusWidth = Math.max(...rows.map((row) => row.status.length));
  return rows.map((row) => `${row.name.padEnd(nameWidth)}  ${row.status.padEnd(statusWidth)}  ${row.note}`.trimEnd()).join('\n') + '\n';
}
