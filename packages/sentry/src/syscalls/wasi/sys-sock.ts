// sock_*: WASI preview 1 cannot create sockets; these calls act on socket fds the
// sandbox was given. A stream socket description reads and writes like a stream; sockets
// implement the optional `shutdown` and `accept` operations of SocketOperations.
import { Filetype } from '../../abi/wasi/filetype.js';
import { Riflags, Sdflags } from '../../abi/wasi/flags.js';
import { RightSets, Rights } from '../../abi/wasi/rights.js';
import { sysError } from '../../errors/sys-error.js';
import type { FileDescription } from '../../vfs/file-description.js';
import type { SyscallCall } from './dispatch.js';
import { transferAll } from './io-result.js';

/** SocketOperations are what a socket description adds to FileDescription. */
export interface SocketOperations {
  shutdown(how: number): void;
  /** Returns a connected socket, or throws WouldBlock / EAGAIN. */
  accept?(): FileDescription;
}

function socket(call: SyscallCall, fd: number, rights: bigint): FileDescription & Partial<SocketOperations> {
  const { description } = call.task.fdTable.get(fd);
  if (description.filetype !== Filetype.SOCKET_STREAM && description.filetype !== Filetype.SOCKET_DGRAM) {
    throw sysError.notsock(`fd ${fd}`);
  }
  call.task.fdTable.get(fd, rights);
  return description as FileDescription & Partial<SocketOperations>;
}

/** sockAccept implements sock_accept(fd, flags, fd_ptr). */
export function sockAccept(call: SyscallCall, fd: number, flags: number, resultPointer: number): void {
  const listener = socket(call, fd, Rights.SOCK_ACCEPT);
  call.memory.check(resultPointer, 4);
  if (listener.accept === undefined) throw sysError.inval('not a listening socket');
  const connection = listener.accept();
  connection.flags = flags;
  const newFd = call.task.fdTable.insert({ description: connection, rightsBase: RightSets.SOCKET_BASE, rightsInheriting: 0n });
  call.memory.setU32(resultPointer, newFd);
}

/** sockRecv implements sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen_ptr, ro_flags_ptr); PEEK and WAITALL are not supported. */
export function sockRecv(call: SyscallCall, fd: number, iovs: number, iovsLength: number, riflags: number, lengthPointer: number, flagsPointer: number): void {
  const description = socket(call, fd, Rights.FD_READ);
  if ((riflags & (Riflags.RECV_PEEK | Riflags.RECV_WAITALL)) !== 0) throw sysError.notsup('recv flags');
  const buffers = call.memory.readIovecs(iovs, iovsLength);
  call.memory.check(lengthPointer, 4);
  call.memory.check(flagsPointer, 2);
  const count = transferAll(buffers, (buffer) => description.read([buffer]));
  call.memory.setU32(lengthPointer, count);
  call.memory.setU16(flagsPointer, 0);
}

/** sockSend implements sock_send(fd, si_data, si_data_len, si_flags, so_datalen_ptr). */
export function sockSend(call: SyscallCall, fd: number, iovs: number, iovsLength: number, _siflags: number, lengthPointer: number): void {
  const description = socket(call, fd, Rights.FD_WRITE);
  const buffers = call.memory.readIovecs(iovs, iovsLength);
  call.memory.check(lengthPointer, 4);
  const count = transferAll(buffers, (buffer) => description.write([buffer]));
  call.memory.setU32(lengthPointer, count);
}

/** sockShutdown implements sock_shutdown(fd, how): EBADF for no fd, ENOTSOCK for a non-socket. */
export function sockShutdown(call: SyscallCall, fd: number, how: number): void {
  const description = socket(call, fd, Rights.SOCK_SHUTDOWN);
  if (how === 0 || (how & ~(Sdflags.RD | Sdflags.WR)) !== 0) throw sysError.inval(`sdflags ${how}`);
  if (description.shutdown === undefined) throw sysError.notsup('shutdown');
  description.shutdown(how);
}
